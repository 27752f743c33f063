import { Hono } from 'hono';
import { html } from '../../views/html';
import { CompareBidsPage } from '../../views/dashboard/compare-bids';
import { ConfirmPage, type Confirmation } from '../../views/dashboard/confirm';
import { money, plural } from '../../views/format';
import { ErrorPage } from '../../views/layout/page';
import { VerifyPage, type VerifyPageProps } from '../../views/public/verify';
import { currentUser } from '../auth/session';
import { contractorActor } from '../conversation/activity';
import { pdfResponse } from '../documents/pdf';
import { canTransition } from '../documents/status';
import { Conflict, Refused } from '../errors';
import { readCappedBody, type BodyCap } from '../http/body';
import type { AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { clientIp, hitRateLimit, requestFrom } from '../http/rate-limit';
import { pageContext, redirectWith, render } from '../http/render';
import { acceptBid } from './actions';
import { countersign, NAME_NEEDED } from './countersign';
import { readSignatureImage } from './signature-image';
import type { ContractorActor } from '../documents/actions';
import { loadDocument, showDocument } from '../documents/pages';
import { FormCheck, readForm } from '../http/validate';
import type { AppContext } from '../http/context';
import {
  bidAcceptance,
  bidComparison,
  recipientToRemove,
  type SealedRecord,
  sealedPdf,
  sealedRecord,
  signatureImage,
} from './queries';
import { checkFile, checkHash, isFileOf } from './verify';
import { removeRecipient } from './recipients';

/** "Accept ProFlow's bid?": what accepting writes into the budget and what happens to the rival bids. */
function acceptQuestion(bid: NonNullable<Awaited<ReturnType<typeof bidAcceptance>>>, currency: string): Confirmation {
  const vendor = bid.vendor ?? 'this vendor';
  const rivals = bid.rivals
    ? ` The other ${plural(bid.rivals, 'bid')} on these items will be marked not selected.`
    : '';
  return {
    question: `Accept ${vendor}’s bid?`,
    consequences: [
      `Its unit costs (${money(bid.total, currency)} total) will be written into ` +
        `${plural(bid.items, 'budget item')} of ${bid.jobName}, with ${vendor} as their vendor.${rivals}`,
      `${vendor} will see ${bid.number} as accepted.`,
    ],
    action: `/documents/${bid.id}/accept-bid`,
    fields: bid.bidSeen ? { bid: bid.bidSeen } : {},
    actionLabel: `Accept ${vendor}’s bid`,
    keepHref: `/jobs/${bid.jobId}/bids`,
    keepLabel: 'Keep comparing',
  };
}

/**
 * The contractor's countersignature (issue 17): the name, the drawn or typed signature and the consent;
 * input it cannot take shows the page again with the countersign panel's message (422), every value
 * kept; a document that moved on (not signed by everyone yet, countersigned already, revised) is 409.
 */
async function countersignForm(c: AppContext) {
  const { user, org } = currentUser(c);
  const raw = await readForm(c);
  const values: Record<string, string> = { name: raw.name ?? '', method: raw.method ?? '', consent: raw.consent ?? '' };
  const again = async (errors: Record<string, string>) => {
    const { d, kind } = await loadDocument(c);
    return showDocument(c, d, kind, { countersign: { values, errors } }, 422);
  };
  const f = new FormCheck(raw);
  const signerName = f.text('name', { label: 'Your full name', max: 200 });
  if (!signerName || !f.ok) return again({ name: f.errors.name ?? NAME_NEEDED });
  const method = raw.method === 'drawn' ? 'drawn' : 'typed';
  let image: Uint8Array | null = null;
  if (method === 'drawn') {
    const read = await readSignatureImage(raw.signature ?? '');
    if (!read.ok) return again({ signature: read.error });
    image = read.bytes;
  }
  const actor: ContractorActor = contractorActor(user, requestFrom(c.req));
  const input = {
    orgId: org.id,
    documentId: c.req.param('id') ?? '',
    timeZone: org.timeZone,
    origin: c.env.APP_ORIGIN,
    versionHash: (raw.versionHash ?? '').slice(0, 64),
    signerName,
    signerEmail: user.email,
    method,
    image,
    consent: raw.consent === 'yes',
  } as const;
  try {
    await countersign(c.env, c.get('db'), actor, input, (work) => c.executionCtx.waitUntil(work));
  } catch (err) {
    if (err instanceof Refused && err.field) return again({ [err.field]: err.message });
    throw err;
  }
  return redirectWith(c, `/documents/${input.documentId}`, `Countersigned. The signed PDF is being sealed.`);
}

/** "Remove Sam Patel from EST-0004?": what removing a signer or a copy does. */
function removeQuestion(who: NonNullable<Awaited<ReturnType<typeof recipientToRemove>>>): Confirmation {
  const signer = who.role === 'signer';
  return {
    question: `Remove ${who.name} from ${who.number}?`,
    consequences: [
      signer
        ? `${who.name} will no longer be asked to sign ${who.number}. If everyone else has signed, it is approved now.`
        : `${who.name} will no longer receive a copy of ${who.number}.`,
      'Their comments and files stay on the document.',
    ],
    action: `/documents/${who.documentId}/recipients/${who.contactId}/remove`,
    actionLabel: `Remove ${who.name}`,
    keepHref: `/documents/${who.documentId}`,
    keepLabel: 'Keep them',
    danger: true,
  };
}

export const signingRoutes = new Hono<AppEnv>()
  .get('/documents/:id/signed.pdf', async (c) => {
    const { org } = currentUser(c);
    const pdf = await sealedPdf(c.env, c.get('db'), org.id, c.req.param('id'));
    if (!pdf) notFound();
    return pdfResponse(pdf.body, pdf.fileName);
  })
  .get('/documents/:id/signatures/:file{[a-z0-9]+\\.png}', async (c) => {
    const { org } = currentUser(c);
    const sigId = c.req.param('file').replace(/\.png$/, '');
    const image = await signatureImage(c.env, c.get('db'), org.id, c.req.param('id'), sigId);
    if (!image) notFound();
    return new Response(image, {
      headers: {
        'Content-Type': 'image/png',
        'Cache-Control': 'private, max-age=3600',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'; sandbox",
      },
    });
  })
  .post('/documents/:id/accept-bid', async (c) => {
    const { user, org } = currentUser(c);
    const form = await readForm(c);
    if (form.confirm !== 'yes') {
      const bid = await bidAcceptance(c.get('db'), org.id, c.req.param('id'));
      if (!bid) notFound();
      if (!bid.hasBid || !canTransition('bid_request', bid.status, 'accept_bid'))
        throw new Conflict('There is no submitted bid to accept on this request.');
      return render(c, html`<${ConfirmPage} ctx=${pageContext(c)} confirm=${acceptQuestion(bid, org.currency)} />`);
    }
    const input = {
      orgId: org.id,
      documentId: c.req.param('id'),
      timeZone: org.timeZone,
      origin: c.env.APP_ORIGIN,
      bidSeen: form.bid || undefined, // the bid the question was about (absent from older pages and scripts)
    };
    const { items } = await acceptBid(c.env, c.get('db'), contractorActor(user), input);
    const notice = `Bid accepted: ${plural(items, 'budget item')} now carry this vendor and their costs.`;
    return redirectWith(c, `/documents/${input.documentId}`, notice);
  })
  .post('/documents/:id/countersign', countersignForm)
  // Issue 17: take a recipient who has not signed off a sent document; asks first, like void.
  .post('/documents/:id/recipients/:contactId/remove', async (c) => {
    const { user, org } = currentUser(c);
    const documentId = c.req.param('id');
    const contactId = c.req.param('contactId');
    const form = await readForm(c);
    if (form.confirm !== 'yes') {
      const who = await recipientToRemove(c.get('db'), org.id, documentId, contactId);
      if (!who) notFound();
      if (who.signed) throw new Conflict(`${who.name} has signed; revise the document to change who signs.`);
      return render(c, html`<${ConfirmPage} ctx=${pageContext(c)} confirm=${removeQuestion(who)} />`);
    }
    const actor = contractorActor(user);
    const input = { orgId: org.id, documentId, contactId, timeZone: org.timeZone, origin: c.env.APP_ORIGIN };
    const done = await removeRecipient(c.env, c.get('db'), actor, input, (p) => c.executionCtx.waitUntil(p));
    const notice = done.removed ? `${done.name} was removed from this document.` : `${done.name} was already removed.`;
    return redirectWith(c, `/documents/${documentId}`, notice);
  })
  .get('/jobs/:id/bids', async (c) => {
    const { org } = currentUser(c);
    const compared = await bidComparison(c.get('db'), org.id, c.req.param('id'));
    if (!compared) notFound();
    return render(
      c,
      html`<${CompareBidsPage} ctx=${pageContext(c)} job=${compared.job} items=${compared.items}
        columns=${compared.columns} />`,
    );
  });

const MAX_VERIFY_BYTES = 30 * 1024 * 1024;
const TOO_BIG_TO_VERIFY = 'That file is larger than 30 MB; paste its SHA-256 instead.';
/** /verify is public: its body is capped at the file limit (and a little for the form), never read past it. */
export const VERIFY_BODY_CAP: BodyCap = { max: MAX_VERIFY_BYTES + 64 * 1024, message: TOO_BIG_TO_VERIFY };

/** Whether a request is a check posted to /verify or a record's /verify/:record (app.ts caps their bodies). */
export const isVerifyPath = (path: string) => path === '/verify' || /^\/verify\/[^/]+$/.test(path);

const CHOOSE_FILE_OR_HASH = 'Choose a PDF file or paste a SHA-256 (64 hexadecimal characters).';
const CHOOSE_FILE = 'Choose the signed PDF to check against this record.';

/**
 * A check posted to /verify (a file or a pasted hash) or to a record's page (a file): rate-limited per
 * address in one bucket for both, the body capped (app.ts), the answer in words with its reading.
 */
async function verifyForm(c: AppContext, record?: SealedRecord) {
  const nonce = c.get('nonce');
  const csrf = c.get('csrf');
  const page = (props: Partial<VerifyPageProps>, status: 200 | 422 | 429 = 200) =>
    render(c, html`<${VerifyPage} nonce=${nonce} csrf=${csrf} record=${record} ...${props} />`, status);
  const limit = await hitRateLimit(c.get('db'), `verify:${clientIp(c.req)}`, 30, 3_600_000);
  if (!limit.allowed) return page({ error: 'Too many checks from your address. Try again in an hour.' }, 429);
  const body = await readCappedBody(c);
  const typed = !record && typeof body.sha256 === 'string' ? body.sha256.trim().slice(0, 200) : '';
  if (body.file instanceof File && body.file.size > 0) {
    if (body.file.size > MAX_VERIFY_BYTES) return page({ error: TOO_BIG_TO_VERIFY, sha256: typed }, 422);
    const check = await checkFile(c.env, c.get('db'), new Uint8Array(await body.file.arrayBuffer()));
    return page({ check, matchesRecord: record ? isFileOf(check, record) : undefined });
  }
  if (record) return page({ error: CHOOSE_FILE }, 422);
  const sha = typed.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha)) return page({ error: CHOOSE_FILE_OR_HASH, sha256: typed }, 422);
  return page({ check: await checkHash(c.get('db'), sha) });
}

/** The sealed file of the record the address names (a signature id as the certificate page prints it), or null. */
async function recordOf(c: AppContext) {
  const id = c.req.param('record') ?? '';
  return /^[a-z0-9]{1,40}$/.test(id) ? sealedRecord(c.get('db'), id) : null;
}

/** An unknown or unsealed record: the public 404 page, pointing back to /verify. */
const noRecord = (c: AppContext) =>
  render(
    c,
    html`<${ErrorPage} ctx=${{ nonce: c.get('nonce') }} status=${404} message=${NO_RECORD}
      back=${{ href: '/verify', label: 'Verify a signed document' }} />`,
    404,
  );
const NO_RECORD =
  'No sealed document has this record number. Check the address on the signature certificate, ' +
  'or upload the signed PDF at /verify.';

/**
 * The public verify page: is this file an unaltered document sealed here, and if not, what is it?
 * Nothing is revealed but the document's label, the company and who signed when.
 */
export const verifyRoutes = new Hono<AppEnv>()
  .get('/verify', (c) => render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} />`))
  .post('/verify', (c) => verifyForm(c))
  .get('/verify/:record', async (c) => {
    const record = await recordOf(c);
    if (!record) return noRecord(c);
    return render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} record=${record} />`);
  })
  .post('/verify/:record', async (c) => {
    const record = await recordOf(c);
    return record ? verifyForm(c, record) : noRecord(c);
  });
