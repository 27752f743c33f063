import { and, eq, isNull } from 'drizzle-orm';
import { findUserByEmail } from '../auth/queries';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { invites, orgs } from '../db/schema';
import type { Env } from '../env';
import { Conflict, NotFound, Refused } from '../errors';
import { randomToken, sha256Hex } from '../http/crypto';
import { FormCheck, type RawForm } from '../http/validate';
import { queueMail } from '../mail/outbox';
import { inviteMail } from './invite-mail';
import { findOrg } from './queries';

// The company's settings, its logo and its team: named verbs over plain input, scoped to one org.

const HEX = /^#[0-9a-fA-F]{6}$/;
export const MAX_LOGO_BYTES = 1024 * 1024;
const INVITE_DAYS = 7;

export function checkSettings(raw: RawForm) {
  const f = new FormCheck(raw);
  const values = {
    name: f.text('name', { label: 'Company name', required: true, max: 120 }),
    email: f.email('email', { label: 'Email' }),
    phone: f.text('phone', { label: 'Phone', max: 40 }),
    address: f.text('address', { label: 'Address', max: 300, multiline: true }),
    brandColor: f.text('brandColor', { label: 'Brand colour', required: true, max: 7 }),
    defaultTaxRate: f.rate('defaultTaxRate', { label: 'Default tax rate', min: 0, max: 50_000 }) ?? 0,
    portalLinkDays:
      f.integer('portalLinkDays', { label: 'Portal link lifetime', required: true, min: 1, max: 365 }) ?? 90,
    defaultFooter: f.text('defaultFooter', { label: 'Default footer', max: 1000, multiline: true }),
    paymentInstructions: f.text('paymentInstructions', { label: 'Payment instructions', max: 2000, multiline: true }),
    // Issue 17: the send page's countersign box starts from this (customer orders only).
    countersignDefault: f.bool('countersignDefault'),
    // Issue 18: the send page's "email a code before signing" box starts from this.
    emailCodeDefault: f.bool('emailCodeDefault'),
  };
  if (values.brandColor && !HEX.test(values.brandColor))
    f.fail('brandColor', 'Brand colour must be a colour like #1f5f8b.');
  return { f, values };
}

export type SettingsValues = ReturnType<typeof checkSettings>['values'];

/** Saves the company's settings in one statement (each kind's terms are its templates': settings/templates.ts). */
export async function updateSettings(db: Db, orgId: string, values: SettingsValues) {
  const [updated] = await db.update(orgs).set(values).where(eq(orgs.id, orgId)).returning({ id: orgs.id });
  if (!updated) throw new NotFound();
}

/** What the bytes are, by their signature (never by the name or the type the browser claims). */
export function imageType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length > 8 && png.every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

const SWAP_ATTEMPTS = 5;

/** Points the org at a new logo only while it still has the logo read just before; the key replaced, or null. */
async function swapLogo(db: Db, orgId: string, key: string, type: string) {
  for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
    const org = await findOrg(db, orgId);
    if (!org) throw new NotFound();
    const current = org.logoKey === null ? isNull(orgs.logoKey) : eq(orgs.logoKey, org.logoKey);
    const [row] = await db
      .update(orgs)
      .set({ logoKey: key, logoContentType: type })
      .where(and(eq(orgs.id, orgId), current))
      .returning({ id: orgs.id });
    if (row) return org.logoKey;
  }
  throw new Conflict('The logo was changed at the same moment. Look at the settings again and upload it once more.');
}

/**
 * Stores a new logo and drops the one it replaces. The object goes to R2 first and is deleted again
 * if the org cannot be pointed at it. The swap only replaces the logo it read, so of two uploads
 * at once each deletes exactly the object it replaced and none is left orphaned.
 */
export async function uploadLogo(env: Pick<Env, 'FILES'>, db: Db, orgId: string, file: File | null) {
  if (!file || file.size === 0) throw new Refused('Choose a PNG or JPEG file to upload.', 'logo');
  if (file.size > MAX_LOGO_BYTES) throw new Refused('The logo must be at most 1 MB.', 'logo');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = imageType(bytes);
  if (!type) throw new Refused('The logo must be a PNG or JPEG image.', 'logo');
  const key = `org/${orgId}/logo/${createId()}`;
  await env.FILES.put(key, bytes, { httpMetadata: { contentType: type } });
  let replaced: string | null;
  try {
    replaced = await swapLogo(db, orgId, key, type);
  } catch (err) {
    await env.FILES.delete(key);
    throw err;
  }
  if (replaced) await env.FILES.delete(replaced);
  return { key, contentType: type };
}

export function checkInvite(raw: RawForm) {
  const f = new FormCheck(raw);
  const name = f.text('name', { label: 'Name', required: true, max: 120 });
  const email = f.email('email', { label: 'Email', required: true });
  return { f, values: { name, email } };
}

export interface Inviter {
  orgId: string;
  userId: string;
  name: string;
  email: string;
}

/**
 * Invites a teammate: the invitation and its email commit together. An address with an account in
 * another company is invited like any other (its link then says it has an account), so the answer
 * never tells an owner who has an account elsewhere; only a member of this team is Refused.
 */
export async function inviteTeammate(db: Db, inviter: Inviter, input: { name: string; email: string; origin: string }) {
  const existing = await findUserByEmail(db, input.email);
  if (existing?.orgId === inviter.orgId) throw new Refused('This person is already on your team.', 'email');
  const org = await findOrg(db, inviter.orgId);
  if (!org) throw new NotFound();
  const token = randomToken(32);
  const now = Date.now();
  const mail = inviteMail({ org, inviterName: inviter.name, link: `${input.origin}/invite/${token}` });
  const to = { email: input.email, name: input.name };
  await db.batch([
    db.insert(invites).values({
      id: createId(),
      orgId: org.id,
      email: input.email,
      name: input.name,
      tokenHash: await sha256Hex(token),
      invitedBy: inviter.userId,
      expiresAt: now + INVITE_DAYS * 86_400_000,
      createdAt: now,
    }),
    queueMail(db, { orgId: org.id, kind: 'invite', to, fromName: org.name, replyTo: inviter.email, ...mail }, now),
  ]);
}
