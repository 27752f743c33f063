import { Hono } from 'hono';
import { html } from '../../views/html';
import { FormProblemPage } from '../../views/portal/ended';
import { MAX_UNIT_AMOUNT } from '../budget/totals';
import { askForUpdate } from '../deadlines/requests';
import { approvalEvent } from '../documents/kinds';
import { pdfResponse } from '../documents/pdf';
import { DomainError, STATUS_OF } from '../errors';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { requestFrom } from '../http/rate-limit';
import { setFormFlash } from '../http/flash';
import { redirectWith, render } from '../http/render';
import { cleanText, FormCheck, readForm, readFormLists } from '../http/validate';
import { showPortalDocument } from '../portal/pages';
import { addressedDocument, portalViewer } from '../portal/session';
import {
  checkDeclinable,
  decline,
  declineReasonRefusal,
  sign,
  submitBid,
  type Defer,
  type RecipientActor,
} from './actions';
import { codeSentNotice, requestEmailCode } from './email-code';
import { recipientDocument, sealedPdf, sentItemLines } from './queries';
import { readSignatureImage } from './signature-image';

// The recipient's decisions, mounted in the `/portal` sub-app behind its guard. The forms post to
// the document's own address with an `intent` (sign, decline, bid, comment); the old
// sub-addresses (/sign, /decline, /bid) run the same handlers, and answer a GET (a reload, the
// back button) with the way to their form on the document. A refused decision shows the document
// again at the address it was posted to, with the message in its form and every value kept: 422
// for input it cannot take, 409 when the document moved on (signed, revised, closed) since the
// page was shown. A decision made goes back to the document's decision (#decide) with a notice.

type PageErrors = NonNullable<Parameters<typeof showPortalDocument>[2]>;
type Form = 'sign' | 'decline' | 'bid';
type FormHandler = (c: AppContext) => Promise<Response>;

/** The document, if the portal viewer may see it (else the stranger's 404), and who is deciding from where. */
async function recipient(c: AppContext) {
  const viewer = portalViewer(c);
  const id = c.req.param('id') ?? '';
  // Read with the session by the portal's guard (portal/session.ts), or here when it was not.
  const read = addressedDocument(c, id);
  const doc = read === undefined ? await recipientDocument(c.get('db'), viewer, id) : read;
  if (!doc) notFound();
  const actor: RecipientActor = {
    side: 'recipient',
    contactId: viewer.contactId,
    name: viewer.name,
    ...requestFrom(c.req),
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

/** The document page again, for this request's address, with `errors` in its forms. */
async function again(c: AppContext, errors: PageErrors, status: 200 | 409 | 422 | 429) {
  const res = await showPortalDocument(c, c.req.param('id') ?? '', errors);
  return new Response(res.body, { status, headers: res.headers });
}

/**
 * Runs one decision: on success back to the document's decision with a notice, on a refusal the
 * form again with its message.
 */
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
      // The field a refusal is about: a wrong emailed code (`code`), a choice that cannot be taken (`choose`).
      const field =
        err.code === 'refused' && (err.field === 'code' || err.field === 'choose') ? { signField: err.field } : {};
      return again(c, { [form]: err.message, values, ...field }, STATUS_OF[err.code] as 409 | 422);
    }
    throw err;
  }
  return redirectWith(c, `/portal/documents/${c.req.param('id')}#decide`, notice);
}

/**
 * A drawn signature, read once: its image for the sign, and what a refused sign hands back so the
 * pad can show it again — only a PNG data URL that is a signature we would accept (within its size
 * limit); anything else is dropped.
 */
async function drawing(raw: Record<string, string>) {
  if (raw.method !== 'drawn') return { read: null, keep: undefined };
  const dataUrl = raw.signature ?? '';
  const read = await readSignatureImage(dataUrl);
  const keep = read.ok && /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/.test(dataUrl) ? dataUrl : undefined;
  return { read, keep };
}

/** The ticked boxes (`choose`) and one radio per "choose one" set (`choose-0`, …), as the page's GET reads them. */
const chosenOf = (lists: Record<string, string[]>) =>
  Object.entries(lists)
    .filter(([k]) => k === 'choose' || /^choose-\d{1,3}$/.test(k))
    .flatMap(([, ids]) => ids)
    .slice(0, 500);

const signForm: FormHandler = async (c) => {
  const { doc, actor, room } = await recipient(c);
  if (!approvalEvent(doc.type)) notFound();
  const raw = await readForm(c);
  const values: Record<string, string> = {
    name: raw.name ?? '',
    method: raw.method ?? '',
    consent: raw.consent ?? '',
  };
  // Issue 18: the emailed code is kept only as the digits typed (at most 6 of them).
  const code = (raw.code ?? '').replace(/\D/g, '').slice(0, 6);
  if (code) values.code = code;
  const drawn = await drawing(raw);
  if (drawn.keep) values.signature = drawn.keep;
  // Issue 20: the options chosen ("Your choices" puts them in the form), kept with the version they were chosen on.
  const chosen = raw.choices === '1' ? chosenOf(await readFormLists(c)) : undefined;
  if (chosen) Object.assign(values, { choose: chosen.join(' '), chooseFor: (raw.versionHash ?? '').slice(0, 64) });
  const f = new FormCheck(raw);
  const signerName = f.text('name', { label: 'Your full legal name', max: 200 });
  if (!signerName || !f.ok)
    return again(c, { sign: f.errors.name ?? 'Type your full legal name to sign.', values }, 422);
  const method = doc.requireSignature && raw.method === 'drawn' ? 'drawn' : 'typed';
  let image: Uint8Array | null = null;
  if (method === 'drawn' && drawn.read) {
    if (!drawn.read.ok) return again(c, { sign: drawn.read.error, values }, 422);
    image = drawn.read.bytes;
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
    comparedTo: (raw.comparedTo ?? '').slice(0, 64), // checked in the room: an earlier sent version's hash, or nothing
    code: (raw.code ?? '').slice(0, 20), // checked in the room (email-code.ts), when the document asks for one
    ...(chosen ? { chosen: chosen.map((id) => id.slice(0, 64)) } : {}),
  } as const;
  const thanks = doc.requireSignature
    ? 'Thank you — your signature was recorded.'
    : 'Thank you — your approval was recorded.';
  return decide(c, 'sign', values, (defer) => sign(c.env, c.get('db'), actor, input, defer), thanks);
};

/**
 * Issue 18: "Email me a code" (a document that asks for one): the room makes and emails it; back to the
 * code field with where it went (a form flash this page alone shows), or the page with the reason by
 * the button (429 after 5 an hour, 409 when the document moved on, 422 when it does not ask for one).
 */
const codeForm: FormHandler = async (c) => {
  const { doc, actor, room } = await recipient(c);
  if (!approvalEvent(doc.type)) notFound();
  const raw = await readForm(c);
  const input = { ...room, versionHash: (raw.versionHash ?? '').slice(0, 64) };
  let sent: Awaited<ReturnType<typeof requestEmailCode>>;
  try {
    sent = await requestEmailCode(c.env, c.get('db'), actor, input, (work) => c.executionCtx.waitUntil(work));
  } catch (err) {
    if (err instanceof DomainError && (err.code === 'conflict' || err.code === 'refused' || err.code === 'too_many'))
      return again(c, { code: err.message }, STATUS_OF[err.code] as 409 | 422 | 429);
    throw err;
  }
  setFormFlash(c, `code:${doc.id}`, codeSentNotice(sent.to));
  return c.redirect(`/portal/documents/${doc.id}#sign-code`, 303);
};

const declineForm: FormHandler = async (c) => {
  const { doc, actor, room } = await recipient(c);
  if (!approvalEvent(doc.type)) notFound();
  const raw = await readForm(c);
  const reason = cleanText(raw.reason ?? '', true);
  const tooLong = declineReasonRefusal(reason);
  if (tooLong) return again(c, { decline: tooLong, values: { reason } }, 422);
  const input = { ...room, versionHash: (raw.versionHash ?? '').slice(0, 64), reason };
  // Declining is final: the first post only asks "Decline …?" (with the reason), confirm=yes declines.
  // It asks only while the version the page showed can still be declined; else it says why (409).
  if (raw.confirm !== 'yes') {
    try {
      await checkDeclinable(c.get('db'), actor, input);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'conflict')
        return again(c, { decline: err.message, values: { reason } }, 409);
      throw err;
    }
    return again(c, { confirmDecline: true, values: { reason, versionHash: input.versionHash } }, 200);
  }
  const declined = 'You declined this document. The contractor has been told.';
  return decide(c, 'decline', { reason }, (defer) => decline(c.env, c.get('db'), actor, input, defer), declined);
};

const bidForm: FormHandler = async (c) => {
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
};

/**
 * "Ask for an update" on an expired estimate or a closed bid request: the room checks the date and the
 * day's request; back to the decision with a notice, or the page with the reason (409: not closed now).
 */
const askForm: FormHandler = async (c) => {
  const { viewer, actor, room } = await recipient(c);
  let asked: Awaited<ReturnType<typeof askForUpdate>>;
  try {
    asked = await askForUpdate(c.env, actor, room);
  } catch (err) {
    if (err instanceof DomainError && (err.code === 'conflict' || err.code === 'refused'))
      return again(c, { ask: err.message }, STATUS_OF[err.code] as 409 | 422);
    throw err;
  }
  const notice = asked.requested
    ? `${viewer.org.name} was asked for an update. They will get back to you.`
    : `You already asked ${viewer.org.name} today. They will get back to you.`;
  return redirectWith(c, `/portal/documents/${c.req.param('id')}#decide`, notice);
};

/** The form's intent: a field of the urlencoded form, or of the JSON the live page's script posts. */
async function intentOf(c: AppContext): Promise<string> {
  if ((c.req.header('Content-Type') ?? '').startsWith('application/json')) {
    const body = (await c.req.json().catch(() => null)) as { intent?: unknown } | null;
    return typeof body?.intent === 'string' ? body.intent : '';
  }
  return (await readForm(c)).intent ?? '';
}

/** An intent we do not know: a clear page (400) that changes nothing, for a document the viewer may see. */
async function unknownIntent(c: AppContext) {
  const { doc } = await recipient(c);
  const message = 'That form could not be sent: it did not say what to do. Nothing was changed.';
  if ((c.req.header('Accept') ?? '').includes('application/json')) return c.json({ error: message }, 400);
  return render(
    c,
    html`<${FormProblemPage} ctx=${{ nonce: c.get('nonce') }} back=${`/portal/documents/${doc.id}`} />`,
    400,
  );
}

const ID = '{[a-z0-9]+}';

/** Back to a form's place on the document: what a GET of a form's address (a reload, the back button) gets. */
const toForm = (anchor: string) => (c: AppContext) =>
  c.redirect(`/portal/documents/${c.req.param('id')}#${anchor}`, 303);

/**
 * The decision routes. The comment form's handler lives with the conversation
 * (conversation/routes.ts `commentHandler`), the pay form's with the payments
 * (payments/portal-routes.ts `payForm`); both are passed in from app.ts.
 */
/**
 * Issue 20: "Update total" without scripts. The ticks are the sign form's own inputs, so the button posts that
 * form here (never a GET: its CSRF token and typed name stay out of the address); the answer is the page's
 * address of exactly the choice, which shows its total. Nothing is written.
 */
async function chooseForm(c: AppContext) {
  const { doc } = await recipient(c);
  const lists = await readFormLists(c);
  const keys = Object.keys(lists).filter((k) => k === 'choose' || /^choose-\d{1,3}$/.test(k));
  const query = new URLSearchParams({ choices: '1' });
  for (const id of keys.flatMap((k) => lists[k]).slice(0, 500)) query.append('choose', id.slice(0, 64));
  return c.redirect(`/portal/documents/${doc.id}?${query}#choices`, 303);
}

export function portalDecisionRoutes(forms: { comment: FormHandler; pay: FormHandler }) {
  const byIntent: Record<string, FormHandler> = {
    sign: signForm,
    email_code: codeForm, // issue 18: signing/email-code.ts
    decline: declineForm,
    bid: bidForm,
    comment: forms.comment,
    pay: forms.pay, // payments/portal-routes.ts: on to Stripe Checkout
    ask_update: askForm, // deadlines/requests.ts: an expired estimate, a closed bid request
  };
  return new Hono<AppEnv>()
    .post(`/documents/:id${ID}`, async (c) => {
      const intent = await intentOf(c);
      const handler = Object.hasOwn(byIntent, intent) ? byIntent[intent] : undefined;
      return handler ? handler(c) : unknownIntent(c);
    })
    .post('/documents/:id/sign', signForm)
    .post('/documents/:id/choose', chooseForm)
    .post('/documents/:id/code', codeForm)
    .post('/documents/:id/decline', declineForm)
    .post('/documents/:id/bid', bidForm)
    .get(`/documents/:id${ID}/sign`, toForm('sign'))
    .get(`/documents/:id${ID}/code`, toForm('sign-code'))
    .get(`/documents/:id${ID}/decline`, toForm('decline'))
    .get(`/documents/:id${ID}/bid`, toForm('bid'))
    .get('/documents/:id/signed.pdf', async (c) => {
      const { doc, room } = await recipient(c);
      const pdf = await sealedPdf(c.env, c.get('db'), room.orgId, doc.id);
      if (!pdf) notFound();
      return pdfResponse(pdf.body, pdf.fileName);
    });
}
