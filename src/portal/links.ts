import { jwtVerify, SignJWT, errors } from 'jose';
import { randomToken } from '../http/crypto';

// Portal links are HS256 JWTs naming the contact, the document, the contact's access version and
// a random jti. Verification allows only HS256 and checks issuer and audience.

const ISSUER = 'contractor-portal';
const AUDIENCE = 'portal-link';
const ALGORITHMS = ['HS256'];

export interface PortalClaims {
  contactId: string;
  documentId: string;
  accessVersion: number;
  jti: string;
  exp: number;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

export async function signPortalToken(
  secret: string,
  claims: { contactId: string; documentId: string; accessVersion: number },
  days: number,
  now = Date.now(),
): Promise<string> {
  if (!secret || secret.length < 16) throw new Error('PORTAL_TOKEN_SECRET is missing or too short');
  const iat = Math.floor(now / 1000);
  return new SignJWT({ doc: claims.documentId, av: claims.accessVersion })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.contactId)
    .setJti(randomToken(16))
    .setIssuedAt(iat)
    .setExpirationTime(iat + days * 86_400)
    .sign(keyOf(secret));
}

export type VerifyResult =
  | { ok: true; claims: PortalClaims }
  | { ok: false; reason: 'expired' | 'invalid'; expired?: PortalClaims };

/** Verifies a link. An expired but otherwise genuine link still names its document and contact. */
export async function verifyPortalToken(secret: string, token: string, now = Date.now()): Promise<VerifyResult> {
  if (!token || token.length > 2000) return { ok: false, reason: 'invalid' };
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ALGORITHMS,
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(now),
    });
    return claimsOf(payload);
  } catch (err) {
    if (err instanceof errors.JWTExpired) {
      // The signature was valid; only time ran out. Check it again ignoring expiry to read the claims.
      try {
        const { payload } = await jwtVerify(token, keyOf(secret), {
          algorithms: ALGORITHMS,
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: new Date((Number(err.payload.exp) - 1) * 1000),
        });
        const c = claimsOf(payload);
        if (c.ok) return { ok: false, reason: 'expired', expired: c.claims };
      } catch {}
    }
    return { ok: false, reason: 'invalid' };
  }
}

function claimsOf(payload: Record<string, unknown>): VerifyResult {
  const { sub, doc, av, jti, exp } = payload;
  if (
    typeof sub !== 'string' ||
    typeof doc !== 'string' ||
    typeof av !== 'number' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number'
  )
    return { ok: false, reason: 'invalid' };
  return { ok: true, claims: { contactId: sub, documentId: doc, accessVersion: av, jti, exp } };
}

/** The emailed address that opens the portal on one document for one contact. */
export async function portalLink(
  env: { PORTAL_TOKEN_SECRET: string },
  origin: string,
  contact: { id: string; accessVersion: number },
  documentId: string,
  days: number,
) {
  const token = await signPortalToken(
    env.PORTAL_TOKEN_SECRET,
    { contactId: contact.id, documentId, accessVersion: contact.accessVersion },
    days,
  );
  return `${origin}/p/${token}`;
}
