import { Hono } from 'hono';
import { MAX_UNIT_AMOUNT } from '../budget/totals';
import { approvalEvent } from '../documents/kinds';
import { pdfResponse } from '../documents/pdf';
import { DomainError, STATUS_OF } from '../errors';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { clientIp } from '../http/rate-limit';
import { redirectWith } from '../http/render';
import { cleanText, FormCheck, readForm } from '../http/validate';
import { showPortalDocument } from '../portal/pages';
import { portalViewer } from '../portal/session';
import { decline, sign, submitBid, type Defer, type RecipientActor } from './actions';
import { recipientDocument, sealedPdf, sentItemLines } from './queries';
import { readSignatureImage } from './signature-image';

// The recipient's decisions, mounted in the `/portal` sub-app behind its guard. A refused decision
// shows the document again with the message under its form: 422 for input it cannot take, 409 when
// the document moved on (signed, revised, closed) since the page was shown.

type PageErrors = NonNullable<Parameters<typeof showPortalDocument>[2]>;
type Form = 'sign' | 'decline' | 'bid';

/** The document, if the portal viewer may see it (else the stranger's 404), and who is deciding from where. */
async function recipient(c: AppContext) {
  const viewer = portalViewer(c);
  const doc = await recipientDocument(c.get('db'), viewer, c.req.param('id') ?? '');
  if (!doc) notFound();
  const actor: RecipientActor = {
    side: 'recipient',
    contactId: viewer.contactId,
    name: viewer.name,
    ip: clientIp(c.req),
    userAgent: c.req.header('User-Agent') ?? '',
  };
  const room = {
    orgId: viewer.orgId,
    documentId: doc.id,
    jobId: doc.jobId,
    timeZone: viewer.org.timeZone,
    origin: c.env.APP_ORIGIN,
  };
  return { viewer, doc, actor, room };
}

async function again(c: AppContext, errors: PageErrors, status: 409 | 422) {
  const res = await showPortalDocument(c, c.req.param('id') ?? '', errors);
  return new Response(res.body, { status, headers: res.headers });
}

/** Runs one decision: on success the page again with a notice, on a refusal the form again with its message. */
async function decide(
  c: AppContext,
  form: Form,
  values: Record<string, string>,
  run: (defer: Defer) => Promise<unknown>,
  notice: string,
) {
  try {
    await run((work) => c.executionCtx.waitUntil(work));
  } catch (err) {
    if (err instanceof DomainError && (err.code === 'conflict' || err.code === 'refused')) {
      return again(c, { [form]: err.message, values }, STATUS_OF[err.code] as 409 | 422);
    }
    throw err;
  }
  return redirectWith(c, `/portal/documents/${c.req.param('id')}`, notice);
}

export const portalDecisionRoutes = new Hono<AppEnv>()
  .post('/documents/:id/sign', async (c) => {
    const { doc, actor, room } = await recipient(c);
    if (!approvalEvent(doc.type)) notFound();
    const raw = await readForm(c);
    const values = { name: raw.name ?? '', method: raw.method ?? '', consent: raw.consent ?? '' };
    const f = new FormCheck(raw);
    const signerName = f.text('name', { label: 'Your full legal name', max: 200 });
    if (!signerName || !f.ok)
      return again(c, { sign: f.errors.name ?? 'Type your full legal name to sign.', values }, 422);
    const method = doc.requireSignature && raw.method === 'drawn' ? 'drawn' : 'typed';
    let image: Uint8Array | null = null;
    if (method === 'drawn') {
      const read = await readSignatureImage(raw.signature ?? '');
      if (!read.ok) return again(c, { sign: read.error, values }, 422);
      image = read.bytes;
    }
    const key = raw.idempotencyKey ?? '';
    const input = {
      ...room,
      versionHash: (raw.versionHash ?? '').slice(0, 64),
      signerName,
      method,
      image,
      consent: raw.consent === 'yes',
      idempotencyKey: /^[A-Za-z0-9_-]{8,64}$/.test(key) ? key : crypto.randomUUID(),
    } as const;
    const thanks = doc.requireSignature
      ? 'Thank you — your signature was recorded.'
      : 'Thank you — your approval was recorded.';
    return decide(c, 'sign', values, (defer) => sign(c.env, c.get('db'), actor, input, defer), thanks);
  })
  .post('/documents/:id/decline', async (c) => {
    const { doc, actor, room } = await recipient(c);
    if (!approvalEvent(doc.type)) notFound();
    const raw = await readForm(c);
    const reason = cleanText(raw.reason ?? '', true);
    const input = { ...room, versionHash: (raw.versionHash ?? '').slice(0, 64), reason };
    const declined = 'You declined this document. The contractor has been told.';
    return decide(c, 'decline', { reason }, (defer) => decline(c.env, c.get('db'), actor, input, defer), declined);
  })
  .post('/documents/:id/bid', async (c) => {
    const { doc, actor, room } = await recipient(c);
    if (doc.type !== 'bid_request') notFound();
    const requested = await sentItemLines(c.get('db'), room.orgId, doc.id);
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const lines = requested.map((l) => ({
      lineId: l.id,
      unitCost: f.money(`cost.${l.id}`, { label: `Unit cost for ${l.name}`, min: 0, max: MAX_UNIT_AMOUNT }),
      note: f.text(`note.${l.id}`, { label: `Note for ${l.name}`, max: 500 }),
    }));
    const note = f.text('note', { label: 'Notes', max: 2000, multiline: true });
    if (!f.ok) return again(c, { bid: Object.values(f.errors).join(' '), values: raw }, 422);
    const input = { ...room, versionHash: (raw.versionHash ?? '').slice(0, 64), note, lines };
    const submitted = 'Your bid was submitted. You can revise it until the contractor decides.';
    return decide(c, 'bid', raw, (defer) => submitBid(c.env, c.get('db'), actor, input, defer), submitted);
  })
  .get('/documents/:id/signed.pdf', async (c) => {
    const { doc, room } = await recipient(c);
    const pdf = await sealedPdf(c.env, c.get('db'), room.orgId, doc.id);
    if (!pdf) notFound();
    return pdfResponse(pdf.body, pdf.fileName);
  });
