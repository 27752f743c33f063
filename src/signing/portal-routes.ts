import { and, desc, eq, isNotNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { documents, signatures } from '../db/schema';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { clientIp } from '../http/rate-limit';
import { cleanText, FormCheck, readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import { pdfResponse } from '../documents/pdf';
import type { DocumentSnapshot } from '../documents/snapshot';
import { MAX_UNIT_AMOUNT } from '../budget/totals';
import { showPortalDocument } from '../portal/routes';
import { portalDocument, visibleTo } from '../portal/queries';
import { portalViewer } from '../portal/session';
import type { Actor } from '../conversation/activity';
import type { PageErrors } from '../conversation/routes';
import { approvalEvent } from './decisions';
import { readSignatureImage } from './signature-image';
import { finalizeSignature } from './finalize';
import { createId } from '../db/ids';
import { deliverDueMail } from '../mail/outbox';

const room = (c: AppContext, id: string) => c.env.DOCUMENT_ROOM.get(c.env.DOCUMENT_ROOM.idFromName(id));

async function recipient(c: AppContext) {
  const viewer = portalViewer(c);
  const id = c.req.param('id') ?? '';
  const [doc] = await c.get('db').select({ id: documents.id, jobId: documents.jobId, type: documents.type, requireSignature: documents.requireSignature }).from(documents).where(and(visibleTo(viewer), eq(documents.id, id)));
  if (!doc) notFound();
  const actor: Actor = { side: 'recipient', contactId: viewer.contactId, name: viewer.name, ip: clientIp(c.req), userAgent: c.req.header('User-Agent') ?? '' };
  const ctx = { orgId: viewer.orgId, documentId: doc.id, jobId: doc.jobId, timeZone: viewer.org.timeZone, origin: new URL(c.req.url).origin };
  return { viewer, doc, actor, ctx };
}

async function again(c: AppContext, errors: PageErrors, status: 409 | 422) {
  const res = await showPortalDocument(c, c.req.param('id') ?? '', errors);
  return new Response(res.body, { status, headers: res.headers });
}

function done(c: AppContext, notice: string) {
  return c.redirect(`/portal/documents/${c.req.param('id')}?notice=${encodeURIComponent(notice)}`, 303);
}

export const portalDecisionRoutes = new Hono<AppEnv>()
  .post('/portal/documents/:id/sign', async (c) => {
    const { viewer, doc, actor, ctx } = await recipient(c);
    if (!approvalEvent(doc.type)) notFound();
    const raw = await readForm(c);
    const values = { name: raw.name ?? '', method: raw.method ?? '', consent: raw.consent ?? '' };
    const f = new FormCheck(raw);
    const name = f.text('name', { label: 'Your full legal name', max: 200 });
    if (!name || !f.ok) return again(c, { sign: f.errors.name ?? 'Type your full legal name to sign.', values }, 422);
    const method = doc.requireSignature ? (raw.method === 'drawn' ? 'drawn' : 'typed') : 'typed';
    let image: Uint8Array | null = null;
    if (method === 'drawn') {
      const read = await readSignatureImage(raw.signature ?? '');
      if (!read.ok) return again(c, { sign: read.error, values }, 422);
      image = read.bytes;
    }
    const versionHash = (raw.versionHash ?? '').slice(0, 64);
    const idempotencyKey = /^[A-Za-z0-9_-]{8,64}$/.test(raw.idempotencyKey ?? '') ? raw.idempotencyKey! : crypto.randomUUID();
    // The image goes to R2 first; a refused signature deletes it, so nothing is left behind.
    const imageKey = image ? `org/${viewer.orgId}/doc/${doc.id}/signature-${createId()}.png` : null;
    if (image && imageKey) await c.env.FILES.put(imageKey, image, { httpMetadata: { contentType: 'image/png' } });
    let result;
    try {
      result = await room(c, doc.id).sign({
        ...ctx,
        contactId: viewer.contactId,
        request: { versionHash, signerName: name, method, imageKey, consent: raw.consent === 'yes', idempotencyKey: `${viewer.contactId}:${idempotencyKey}`, actor, origin: ctx.origin },
      });
    } catch (err) {
      if (imageKey) await c.env.FILES.delete(imageKey);
      throw err;
    }
    if (!result.ok) {
      if (imageKey) await c.env.FILES.delete(imageKey);
      return again(c, { sign: result.message, values }, result.code === 'invalid' ? 422 : 409);
    }
    const signatureId = result.signatureId;
    c.executionCtx.waitUntil(finalizeSignature(c.env, c.get('db'), signatureId, ctx.origin).then(() => deliverDueMail(c.env, c.get('db'))).catch((err) => console.error('sealing', err)));
    deliverSoon(c);
    return done(c, doc.requireSignature ? 'Thank you — your signature was recorded.' : 'Thank you — your approval was recorded.');
  })
  .post('/portal/documents/:id/decline', async (c) => {
    const { viewer, doc, actor, ctx } = await recipient(c);
    if (!approvalEvent(doc.type)) notFound();
    const raw = await readForm(c);
    const reason = cleanText(raw.reason ?? '', true);
    if (reason.length > 1000) return again(c, { decline: `The reason can be at most 1,000 characters; it has ${reason.length.toLocaleString('en-US')}.`, values: { reason } }, 422);
    const result = await room(c, doc.id).decline({ ...ctx, contactId: viewer.contactId, versionHash: (raw.versionHash ?? '').slice(0, 64), reason, actor });
    if (!result.ok) return again(c, { decline: result.message, values: { reason } }, result.code === 'invalid' ? 422 : 409);
    deliverSoon(c);
    return done(c, 'You declined this document. The contractor has been told.');
  })
  .post('/portal/documents/:id/bid', async (c) => {
    const { viewer, doc, actor, ctx } = await recipient(c);
    if (doc.type !== 'bid_request') notFound();
    const found = await portalDocument(c.get('db'), viewer, doc.id);
    if (!found?.version.snapshot) notFound();
    const snapshot = JSON.parse(found.version.snapshot) as DocumentSnapshot;
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const lines = snapshot.lines
      .filter((l) => l.kind === 'item')
      .map((l) => ({
        lineId: l.id,
        unitCost: f.money(`cost.${l.id}`, { label: `Unit cost for ${l.name}`, min: 0, max: MAX_UNIT_AMOUNT }),
        note: f.text(`note.${l.id}`, { label: `Note for ${l.name}`, max: 500 }),
      }));
    const note = f.text('note', { label: 'Notes', max: 2000, multiline: true });
    if (!f.ok) return again(c, { bid: Object.values(f.errors).join(' '), values: raw }, 422);
    if (lines.every((l) => l.unitCost === null)) return again(c, { bid: 'Enter a unit cost for at least one line (leave lines you do not bid on blank).', values: raw }, 422);
    const result = await room(c, doc.id).submitBid({ ...ctx, contactId: viewer.contactId, bid: { versionHash: (raw.versionHash ?? '').slice(0, 64), note, lines, actor } });
    if (!result.ok) return again(c, { bid: result.message, values: raw }, result.code === 'invalid' ? 422 : 409);
    deliverSoon(c);
    return done(c, 'Your bid was submitted. You can revise it until the contractor decides.');
  })
  .get('/portal/documents/:id/signed.pdf', async (c) => {
    const { doc } = await recipient(c);
    return signedPdf(c, doc.id, portalViewer(c).orgId);
  });

/** The newest sealed PDF of a document, for either side once authorized. */
export async function signedPdf(c: AppContext, documentId: string, orgId: string) {
  const [row] = await c
    .get('db')
    .select({ key: signatures.sealedPdfKey, version: signatures.version, number: documents.number })
    .from(signatures)
    .innerJoin(documents, eq(documents.id, signatures.documentId))
    .where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId), isNotNull(signatures.sealedPdfKey)))
    .orderBy(desc(signatures.sealedAt))
    .limit(1);
  const obj = row?.key ? await c.env.FILES.get(row.key) : null;
  if (!obj || !row) notFound();
  return pdfResponse(obj.body, `${row.number}${row.version > 1 ? `-rev${row.version}` : ''}-signed.pdf`.replace(/[^A-Za-z0-9._-]/g, '_'));
}

