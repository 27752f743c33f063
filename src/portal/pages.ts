import type { VNode } from 'preact';
import { html, renderPage } from '../../views/html';
import type { PortalContext } from '../../views/layout/portal';
import { ChangesSince } from '../../views/portal/changes';
import { ChoicesPanel } from '../../views/portal/choices';
import { OutcomePanel, SignPanel, WaitingPanel, type EmailCodeProps } from '../../views/portal/decide';
import { PortalDocumentPage } from '../../views/portal/document';
import { ClosedPanel } from '../../views/portal/closed';
import { PortalCompaniesPage, PortalHomePage, type CompanyCard, type PortalRow } from '../../views/portal/home';
import { PayPanel, type PayReturn } from '../../views/portal/pay';
import { amountDue, paymentTotals } from '../budget/totals';
import { recordView } from '../conversation/actions';
import { commentsBefore } from '../conversation/comment-queries';
import { conversationSections } from '../conversation/present';
import type { PageErrors } from '../conversation/routes';
import { prepared } from '../db/client';
import { askedSinceClosed, standingRequest, UPDATE_REQUEST_EVERY } from '../deadlines/requests';
import { closedByDeadline, closedMessage, deadlineRule } from '../deadlines/rules';
import { withPayments } from '../documents/documents';
import { todayIn } from '../documents/drafts';
import { approvalEvent, recipientAction } from '../documents/kinds';
import { checkChosen, choiceShape, defaultChosen, parseSelection } from '../documents/choices';
import { chosenTotals, offeredOptions } from '../documents/selection';
import type { DocumentSnapshot } from '../documents/snapshot';
import { heldSnapshot, heldVersion } from '../documents/sent-snapshots';
import { canTransition } from '../documents/status';
import type { AppContext } from '../http/context';
import { notFound } from '../http/errors';
import { takeFlash, takeFormFlash } from '../http/flash';
import { requestFrom } from '../http/rate-limit';
import { htmlResponse, render } from '../http/render';
import { payable, type Payable } from '../payments/queries';
import { needsConsent } from '../signing/actions';
import { consentText } from '../signing/consent';
import { maskEmail } from '../signing/email-code';
import { andList } from '../signing/people';
import {
  assemblePortalDocument,
  assemblePortalList,
  type ListSummary,
  commentValues,
  portalListBefore,
  portalListPage,
  portalListValues,
  portalDocument,
  sessionDocumentQueries,
  sessionStampQueries,
  sessionJobListQueries,
  sessionCompanyDocumentsQuery,
  sessionListQueries,
  sessionListStampQueries,
} from './queries';
import { bidStep } from './bid-step';
import { repeatsView, viewedFrom, viewMoves } from './views';
import { changesSince, type VersionChanges } from './changes';
import { recipientSnapshot } from '../documents/display';
import { portalViewer, requirePortalWith, sessionHash } from './session';
import {
  formKey,
  heldPage,
  heldUntil,
  holdable,
  holdRendered,
  pageKey,
  servePage,
  viewerPrint,
} from '../http/page-cache';
import { nextStepLabel, partiesLine, recipientStatus, shortDate, type Decision } from './wording';
import { peopleOnPage } from './decide-people';
import { filesFirst, requestedFilesChecklist } from './requested-files';
import { OfflineOutcomePanel } from '../../views/portal/offline';
import { offlinePortalLabel, offlineStatusWords, parseOffline } from '../signing/offline-words';

// The recipient's pages, rendered for any route that needs them: the portal's own routes, the
// conversation's and the signing decisions' (a refused form shows the document again with its error).

export function portalContext(c: AppContext, notice?: string): PortalContext {
  const viewer = portalViewer(c);
  return {
    csrf: c.get('csrf'),
    nonce: c.get('nonce'),
    notice: notice ?? takeFlash(c), // a signed one-time flash, never text from the URL
    viewer: { name: viewer.name, email: viewer.email },
    org: viewer.org,
    // The person's other companies (issue 17): the switcher above this company's header, only when there are several.
    companies: viewer.companies.length > 1 ? viewer.companies : undefined,
  };
}

type ListedRow = ReturnType<typeof assemblePortalList>['rows'][number];

/** A decision as the status words need it: who made it, and whether it was the viewer. */
type DecisionRow = { outcome: Decision['outcome']; signerName: string; signedAt: number; contactId: string | null };
function decisionOf(d: DecisionRow | null | undefined, contactId: string): Decision | null {
  return d
    ? { outcome: d.outcome, signerName: d.signerName, signedAt: d.signedAt, byYou: d.contactId === contactId }
    : null;
}

function portalRow(c: AppContext, r: ListedRow): PortalRow {
  const viewer = portalViewer(c);
  const s = r.summary;
  const invoice = r.type === 'customer_invoice';
  // Several recipients (issue 17): "Copy", "Waiting for Sam Patel", and nothing to do until their turn.
  const version = r.sentVersion ?? 0;
  const sent = { signingOrder: r.signingOrder, version, versionId: 'sent', kindLabel: s.typeLabel.toLowerCase() };
  const decisions = r.signatures.map((d) => ({ ...d, id: '', versionId: 'sent', version }));
  const people = peopleOnPage(sent, r.recipients, decisions, viewer.contactId, viewer.org.timeZone);
  const status = recipientStatus({
    type: r.type,
    status: r.status,
    requireSignature: s.requireSignature,
    dueDate: r.deadline,
    today: todayIn(viewer.org.timeZone),
    timeZone: viewer.org.timeZone,
    companyName: viewer.org.name,
    decision: decisionOf(r.recipients.length ? (people.shown ?? null) : r.decision, viewer.contactId),
    people: people.facts,
    offline: r.offlineOn ? offlineStatusWords(r.offlineOn, viewer.org.name, approvalEvent(r.type)) : null,
  });
  return {
    id: r.id,
    number: r.number,
    title: s.title,
    typeLabel: s.typeLabel,
    status: status.text,
    tone: status.tone,
    amountLabel: invoice ? 'Amount due' : 'Total',
    amount:
      s.amountColumn === 'bid' ? null : invoice ? paymentTotals(s.totals.total, [r.paid]).balance : s.totals.total,
    currency: s.currency,
    sentAt: r.sentAt ?? 0,
    issueDate: s.issueDate,
    // expired, or not theirs to decide now: nothing to sign
    action:
      closedByDeadline(r, viewer.org.timeZone) || (people.instead && r.type !== 'customer_invoice')
        ? null
        : homeAction(r, s),
    jobId: r.jobId,
    jobName: r.jobName,
    jobAddress: r.jobAddress,
  };
}

/** What a list item asks of the recipient: an invoice says "Pay" only when it can be paid online now. */
function homeAction(r: ListedRow, s: ListSummary): string | null {
  const action = recipientAction(r.type, r.status, s.requireSignature);
  if (!action || r.type !== 'customer_invoice') return action;
  const org = {
    stripeStatus: r.stripeStatus,
    stripeAccountId: r.stripeAccountId,
    payOtherAmount: false,
    payMinimum: 0,
  };
  const online = [{ status: 'processing' as const, amount: r.processing }];
  const offer = payable({ document: r, snapshot: s, org, paid: r.paid, online });
  return offer && offer.due > 0 ? 'Pay' : action;
}

/**
 * A page of a portal list (home, a job): what waits on the viewer first, then newest sent first,
 * `PORTAL_LIST_PAGE` at a time after `?before=` (portal/queries.ts). One round trip, with the lists' stamp.
 */
async function portalList(c: AppContext, queries: typeof sessionListQueries, values: Record<string, unknown>) {
  const before = portalListBefore(c.req.query('before'));
  const listed = assemblePortalList(
    await requirePortalWith(c, prepared(c.get('db'), queries), { ...values, ...portalListValues(before) }),
  );
  const { rows, next } = portalListPage(listed.rows);
  const shown = rows.map((r) => portalRow(c, r));
  shown.sort((a, b) => Number(!!b.action) - Number(!!a.action) || b.sentAt - a.sentAt);
  return { rows: shown, next, paged: !!before, stamp: listed.stamp };
}

const LIST_QUERY = ['company', 'before'];

/**
 * A list page held for this request's session and address (http/page-cache.ts), answered when its stamp is
 * unchanged: the session and the stamp, one small batch. `key` null: this load is not held (a flash, another query).
 */
async function heldList(c: AppContext): Promise<{ key: string | null; at: number; response?: Response }> {
  const at = Date.now(); // before the list is read: what it shows of "today" is that day's or later
  const url = new URL(c.req.url);
  const key = holdable(c, LIST_QUERY) ? pageKey(await sessionHash(c), url.pathname + url.search) : null;
  const page = key ? heldPage<null>(key) : undefined;
  if (!page) return { key, at };
  const [[row]] = await requirePortalWith(c, prepared(c.get('db'), sessionListStampQueries), {});
  if (row?.stamp !== page.stamp || page.viewer !== viewerPrint(c)) return { key, at };
  return { key, at, response: htmlResponse(c, servePage(c, page)) };
}

/**
 * Renders a list page (`build` builds it), held when `load.key` is: until its company's next day, or the list's
 * own (`portalListValues`), after the time the request began (`load.at`).
 */
function listResponse(
  c: AppContext,
  load: { key: string | null; at: number },
  stamp: string | null,
  build: () => VNode | VNode[],
) {
  const { key, at: now } = load;
  if (!key || stamp === null) return render(c, build());
  // The list's own "today" is the date at UTC-12 (portalListValues): it turns at noon UTC.
  const listDay = Math.floor((now - 12 * HOUR) / DAY) * DAY + DAY + 12 * HOUR;
  const until = heldUntil(portalViewer(c).org.timeZone, now, listDay);
  const held = { stamp, viewer: viewerPrint(c), until, facts: null };
  const { body } = holdRendered(c, key, held, () => ({ body: renderPage(build()), status: 200 }));
  return htmlResponse(c, body);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The portal home: every document sent to the viewer's account, what waits on them first. One round trip (two
 * when a page held by the isolate changed since).
 */
export async function showPortalHome(c: AppContext) {
  const held = await heldList(c);
  if (held.response) return held.response;
  const { rows, next, paged, stamp } = await portalList(c, sessionListQueries, {});
  // The company stays in the paging links' address: a session may hold several (issue 17).
  const base = `/portal?company=${portalViewer(c).orgId}`;
  const pages = { earlier: next ? `${base}&before=${next}` : null, newest: paged ? base : null };
  const page = () => html`<${PortalHomePage} ctx=${portalContext(c)} rows=${rows} pages=${pages} />`;
  return listResponse(c, held, stamp, page);
}

/**
 * Every company the person's session holds, each on its own card in its own colour with how many of
 * its documents wait on them (issue 17). The person's own page: no company's branding. One round trip.
 */
export async function showPortalCompanies(c: AppContext) {
  const [docs] = await requirePortalWith(c, [prepared(c.get('db'), sessionCompanyDocumentsQuery)] as const, {});
  const viewer = portalViewer(c);
  const cards: CompanyCard[] = viewer.companies.map((co) => {
    const mine = docs.filter((d) => d.orgId === co.id);
    const waiting = mine.filter(
      (d) => recipientAction(d.type, d.status, d.requireSignature) && !closedByDeadline(d, d.timeZone),
    ).length;
    return { ...co, documents: mine.length, waiting };
  });
  return render(c, html`<${PortalCompaniesPage} ctx=${portalContext(c)} companies=${cards} current=${viewer.orgId} />`);
}

/** The documents of one job sent to the viewer's account. One round trip (two when a held page changed since). */
export async function showPortalJob(c: AppContext, jobId: string) {
  const held = await heldList(c);
  if (held.response) return held.response;
  const { rows, next, paged, stamp } = await portalList(c, sessionJobListQueries, { jobId });
  const base = `/portal/jobs/${jobId}`;
  // A page past the end (a cursor from an old link) starts again at the first; no page at all is not theirs.
  if (!rows.length) return paged ? c.redirect(base, 303) : notFound();
  const pages = { earlier: next ? `${base}?before=${next}` : null, newest: paged ? base : null };
  return listResponse(
    c,
    held,
    stamp,
    () => html`<${PortalHomePage} ctx=${portalContext(c)} rows=${rows} pages=${pages}
      job=${{ name: rows[0].jobName, address: rows[0].jobAddress }} />`,
  );
}

/** What a view log needs of the page (held with a held page). */
type ViewFacts = Pick<Found['document'], 'id' | 'jobId' | 'type' | 'status'> & {
  version: number;
  lastView: string | null;
};

/**
 * The recipient's view of one document; every view is logged through the document's room. Opened directly,
 * the page checks the session in its own batch: one round trip for both. A plain load (no query, no flash)
 * is held per session (http/page-cache.ts) and served again while its stamp is unchanged.
 */
export async function showPortalDocument(c: AppContext, documentId: string, errors?: PageErrors) {
  const db = c.get('db');
  // `?comments=<time>_<id>`: the page of comments before that one ("Earlier comments"); else the newest.
  const before = errors ? undefined : commentsBefore(c.req.query('comments'));
  // live.js fetching the page again after an event: not a view (a tab in the background reads nothing).
  const live = c.req.header('X-Live-Refresh') === '1';
  if (c.get('portal')) {
    const found = await portalDocument(db, portalViewer(c), documentId, before);
    if (!found) notFound();
    return documentResponse(c, found, { errors, before, live });
  }
  const key = !errors && holdable(c) ? pageKey(await sessionHash(c), documentId) : null;
  const page = key ? heldPage<ViewFacts>(key) : undefined;
  let found: Found | null;
  if (page) {
    // Held: the session and the stamp, and nothing else unless the stamp moved.
    const [[row]] = await requirePortalWith(c, prepared(db, sessionStampQueries), { documentId });
    if (!row) notFound();
    if (row.stamp === page.stamp && page.viewer === viewerPrint(c)) {
      // A view logged changes no page: what the held page knows of the last one is its own to keep up.
      page.facts.lastView = logView(c, page.facts, live);
      return htmlResponse(c, servePage(c, page));
    }
    found = await portalDocument(db, portalViewer(c), documentId, before);
  } else {
    const held = heldSnapshot(documentId); // taken before the read (documents/sent-snapshots.ts)
    const values = { documentId, heldVersion: heldVersion(held), ...commentValues(before) };
    found = assemblePortalDocument(
      await requirePortalWith(c, prepared(db, sessionDocumentQueries), values),
      documentId,
      held,
    );
  }
  if (!found) notFound();
  return documentResponse(c, found, { before, live, hold: key ? { key, stamp: found.stamp } : undefined });
}

/**
 * Logs a view through the document's room, unless it repeats the last one (portal/views.ts). Answers the last
 * view as it now stands (this one, when logged), as the page's batch reads it (`lastView`).
 */
function logView(c: AppContext, d: ViewFacts, live: boolean, errors?: PageErrors): string | null {
  const viewer = portalViewer(c);
  const from = requestFrom(c.req);
  const last = d.lastView ? (JSON.parse(d.lastView) as { at: number | null; from: string | null }) : null;
  const now = Date.now();
  // A reload from the same device soon after is the view already logged: no room call, no write. A view that
  // moves the status (an invoice refunded back to sent) is always logged.
  const moves = viewMoves(d.type, d.status);
  if (errors || live || (!moves && repeatsView(last, viewedFrom(from), now))) return d.lastView;
  const view = {
    orgId: viewer.orgId,
    documentId: d.id,
    jobId: d.jobId,
    timeZone: viewer.org.timeZone,
    origin: c.env.APP_ORIGIN,
    type: d.type,
    status: d.status,
    contactId: viewer.contactId,
    name: viewer.name,
    ...from,
    version: d.version,
  };
  c.executionCtx.waitUntil(recordView(c.env, view).catch((err) => console.error('view log', err)));
  return JSON.stringify({ at: now, from: viewedFrom(from) });
}

/** The page's response: logs the view, renders, and holds the render when asked to (`hold`). */
function documentResponse(
  c: AppContext,
  found: Found,
  o: { errors?: PageErrors; before?: { at: number; id: string }; live: boolean; hold?: { key: string; stamp: string } },
) {
  const d = found.document;
  const facts: ViewFacts = {
    id: d.id,
    jobId: d.jobId,
    type: d.type,
    status: d.status,
    version: found.version.version,
    lastView: found.lastView,
  };
  facts.lastView = logView(c, facts, o.live, o.errors);
  const build = () => documentPage(c, found, o.errors, o.before, o.live);
  if (!o.hold) {
    const { page, status } = build();
    return render(c, page, status);
  }
  const tz = portalViewer(c).org.timeZone;
  const now = Date.now();
  // What reads differently with nothing written: the date (deadlines, "today"), an ask's day before another.
  const asked = standingRequest(d, tz, now);
  const until = heldUntil(tz, now, asked === null ? Infinity : asked + UPDATE_REQUEST_EVERY);
  const held = { stamp: o.hold.stamp, viewer: viewerPrint(c), until, facts };
  const { body, status } = holdRendered(c, o.hold.key, held, () => {
    const { page, status } = build(); // built here: with the held page's stand-ins for this response's tokens
    return { body: renderPage(page), status };
  });
  return htmlResponse(c, body, status as 200 | 422);
}

/** The page as rendered for this request, and its status (422 when it shows a refusal). */
function documentPage(
  c: AppContext,
  found: Found,
  errors: PageErrors | undefined,
  before: { at: number; id: string } | undefined,
  live: boolean,
) {
  const viewer = portalViewer(c);
  const sent = withPayments(found.sent, found.payments);
  // Issue 20: once the customer chose, the document is exactly the chosen lines (its totals, its deposit).
  const chosen = found.version.selectedSnapshot;
  const snapshot = chosen ? withPayments(JSON.parse(chosen) as DocumentSnapshot, found.payments) : sent;
  const d = found.document;
  const ctx = portalContext(c, live ? '' : undefined); // a live refresh leaves the one-time flash alone
  const below = conversationSections({
    documentId: d.id,
    base: `/portal/documents/${d.id}`,
    audience: { side: 'recipient', contactId: viewer.contactId },
    csrf: ctx.csrf,
    timeZone: viewer.org.timeZone,
    companyName: viewer.org.name,
    recipientRole: snapshot.side,
    maxMb: found.maxUploadMb,
    comments: found.comments,
    earlierComments: found.earlierComments,
    newerComments: !!before,
    files: found.files,
    slots: found.fileRequests,
    currency: snapshot.currency,
    // A refused upload redirects here (#files) with its message in a form flash (conversation/routes.ts).
    errors: errors ?? (live ? undefined : formFlashErrors(c, d.id)),
  });
  const changed = changesSince(found.lastSeen, sent);
  const step = nextStep(c, found, snapshot, errors, changed);
  step.panel = html`${requestedFilesChecklist(c, found)}${step.panel}`; // issue 20: what is asked of them first
  // "Ask for an update" refused because the document is open again (extended meanwhile): said above its form.
  if (errors?.ask && !step.closed) {
    const refusal = html`<p class="form-summary" role="alert" tabindex="-1" data-focus-error>${errors.ask}</p>`;
    step.panel = html`${refusal}${step.panel}`;
  }
  const offer = payOffer(found, snapshot);
  const people = peopleOf(c, found, snapshot);
  const decided = people.shown;
  const status = recipientStatus({
    type: d.type,
    status: d.status,
    requireSignature: d.requireSignature,
    dueDate: d.deadline,
    today: todayIn(viewer.org.timeZone),
    timeZone: viewer.org.timeZone,
    companyName: viewer.org.name,
    decision: decisionOf(decided, viewer.contactId),
    people: people.facts,
    offline: offlineStatus(found, viewer.org.name),
  });
  const summary = {
    status,
    parties: partiesLine(d.type, snapshot.typeLabel, viewer.org.name),
    step:
      decided || people.instead
        ? null
        : nextStepLabel(d.type, d.status, d.requireSignature, !!offer && offer.due > 0, step.closed),
    amountDue: amountDue(snapshot.totals),
    deadline: d.deadline,
  };
  const attachments = found.files
    .filter((f) => f.side === 'contractor')
    .map((f) => ({ id: f.id, name: f.name, size: f.size }));
  return {
    page: html`<${PortalDocumentPage} ctx=${ctx} doc=${{ id: d.id }} summary=${summary}
      snapshot=${recipientSnapshot(snapshot)}
      changes=${changed ? html`<${ChangesSince} c=${changed} currency=${snapshot.currency} />` : null}
      nextStep=${step.panel} pay=${payPanel(c, found, snapshot, offer, errors)} lines=${step.lines}
      payments=${found.payments} attachments=${attachments}
      paymentInstructions=${viewer.org.paymentInstructions} below=${below} scripts=${step.scripts}
      styles=${choiceShape(sent.lines).any ? ['/choices.css'] : undefined} />`,
    status: errors || step.refused ? (422 as const) : (200 as const),
  };
}

/** What the recipient can pay online now (payments/queries.ts `payable`), from the page's own batch. */
function payOffer(found: Found, snapshot: DocumentSnapshot): Payable | null {
  const org = {
    stripeStatus: found.stripe.status,
    stripeAccountId: found.stripe.accountId,
    payOtherAmount: found.stripe.payOtherAmount,
    payMinimum: found.stripe.payMinimum,
  };
  const paid = found.payments.reduce((sum, p) => sum + p.amount, 0);
  return payable({ document: found.document, snapshot, org, paid, online: found.online });
}

/**
 * The online payment part of the decision (#pay): what can be paid, the payment the customer just
 * came back from (`?checkout=<session>`, only a hint: looked up among this document's own online
 * payments, an unknown one shows nothing), or a paid deposit. Null when there is nothing to show.
 */
function payPanel(c: AppContext, found: Found, snapshot: DocumentSnapshot, offer: Payable | null, errors?: PageErrors) {
  const viewer = portalViewer(c);
  const d = found.document;
  const currency = snapshot.currency;
  const session = c.req.query('checkout');
  const row = session ? found.online.find((p) => p.sessionId === session) : undefined;
  const returned: PayReturn | null = row ? { status: row.status, amount: row.amount, flagged: !!row.flag } : null;
  const deposit = snapshot.totals.deposit;
  const paid = found.payments.reduce((sum, p) => sum + p.amount, 0);
  const depositPaid =
    d.type === 'customer_order' && d.status === 'approved' && deposit > 0 && paid >= deposit && found.payments.length
      ? { amount: deposit, paidOn: found.payments.at(-1)!.paidOn }
      : null;
  return PayPanel({
    action: `/portal/documents/${d.id}#pay`,
    csrf: c.get('csrf'),
    currency,
    offer: offer && offer.due + offer.processing > 0 ? offer : null,
    returned,
    // The receipt goes to the document's contact: named only when that is who is looking.
    email: d.contactId === viewer.contactId ? viewer.email : null,
    error: errors?.pay,
    values: errors?.values,
    depositPaid,
  });
}

/** The upload's refusal a redirect brought, as the files section shows it. */
function formFlashErrors(c: AppContext, documentId: string): PageErrors | undefined {
  const upload = takeFormFlash(c, `upload:${documentId}`);
  return upload ? { upload } : undefined;
}

export type Found = NonNullable<Awaited<ReturnType<typeof portalDocument>>>;

/** Where the viewer stands among the document's recipients (issue 17), from the page's own batch. */
function peopleOf(c: AppContext, found: Found, snapshot: DocumentSnapshot) {
  const viewer = portalViewer(c);
  const doc = {
    signingOrder: found.document.signingOrder,
    version: found.version.version,
    versionId: found.version.id,
    kindLabel: snapshot.typeLabel.toLowerCase(),
  };
  return peopleOnPage(doc, found.recipients, found.signatures, viewer.contactId, viewer.org.timeZone);
}

/** The one next step the recipient sees: sign or decline, bid, or what was decided. */
interface Step {
  panel: unknown;
  /** Closed by its date (an expired estimate, a closed bid request): nothing to sign or bid, only to ask about. */
  closed?: boolean;
  scripts: string[];
  lines?: unknown; // a bid request's lines, with their inputs while bidding is open
  /** Issue 20: the choice in the address could not be taken (its message is in "Your choices"). */
  refused?: boolean;
}

function nextStep(
  c: AppContext,
  found: Found,
  snapshot: DocumentSnapshot,
  errors?: PageErrors,
  changed?: VersionChanges | null,
): Step {
  const viewer = portalViewer(c);
  const d = found.document;
  const base = `/portal/documents/${d.id}`;
  const versionHash = found.version.pdfSha256 ?? '';
  const scripts = ['/live.js'];
  // Issue 20: approved outside the portal: the contractor's record, never a signature (not even one signer's).
  const offline = parseOffline(found.offline);
  if (offline) return { panel: offlineOutcome(c, found, snapshot, offline), scripts };
  const event = approvalEvent(d.type);
  const people = peopleOf(c, found, snapshot);
  const decided = people.shown;
  if (!decided && closedByDeadline(d, viewer.org.timeZone)) return closedStep(c, found, snapshot, errors);
  // Several recipients (issue 17): a copy, a signer before their turn or one waiting on the others reads why.
  const decides = event ?? (d.type === 'bid_request' ? 'submit_bid' : null);
  if (decides && people.instead && !people.declined && canTransition(d.type, d.status, decides)) {
    const refused = errors?.sign ?? errors?.decline;
    const said = refused
      ? html`<p class="form-summary" role="alert" tabindex="-1" data-focus-error>${refused}</p>`
      : null;
    const made = choicesStep(c, found, errors, false);
    return { panel: html`${said}${made.panel}<${WaitingPanel} ...${people.instead} />`, scripts };
  }
  if (event && !decided && canTransition(d.type, d.status, event)) {
    const choices = choicesStep(c, found, errors, true);
    const signError = errors?.signField === 'choose' ? undefined : errors?.sign;
    const panel = html`${choices.panel}<${SignPanel} action=${`${base}#sign`} declineAction=${`${base}#decline`}
      keepOpenHref=${`${base}?#decide`} csrf=${c.get('csrf')} versionHash=${versionHash}
      idempotencyKey=${formKey(c)} requireSignature=${d.requireSignature}
      verb=${event === 'approve' ? 'Approve' : 'Accept'} needsConsent=${needsConsent(viewer)}
      consent=${consentText(viewer.org.name, viewer.org.email)} name=${viewer.name}
      docLabel=${`${snapshot.typeLabel} ${snapshot.number}`} version=${snapshot.version} companyName=${viewer.org.name}
      comparedTo=${changed?.fromSha256} error=${signError ?? (d.emailCode ? undefined : errors?.code)}
      declineError=${errors?.decline}
      confirmDecline=${errors?.confirmDecline} signersNote=${people.note}
      filesFirst=${filesFirst(found, event === 'approve' ? 'Approve' : 'Accept')}
      emailCode=${d.emailCode ? emailCodeProps(c, d.id, errors) : null} signField=${errors?.signField}
      values=${errors?.values} />`;
    const withChoices = choices.panel ? [...scripts, '/choices.js'] : scripts;
    return {
      panel,
      scripts: d.requireSignature ? [...withChoices, '/sign.js'] : withChoices,
      refused: choices.refused,
    };
  }
  // A refusal that arrives after the decision was made (a second tab, a double click) still says why.
  const refusal = errors?.sign ?? errors?.decline;
  const notice = refusal ? html`<p class="form-summary" role="alert">${refusal}</p>` : null;
  if (decided) {
    const o = {
      outcome: decided.outcome,
      // Every signer's approval completed it: the outcome names them all ("Signed by Dana Reyes and Sam Patel").
      signerName: decided.outcome === 'declined' ? decided.signerName : andList(people.approvers) || decided.signerName,
      signedAt: decided.signedAt,
      reason: decided.reason,
      sealed: !!decided.sealedAt && !!decided.sealedPdfKey,
      signedPdfHref: decided.sealedPdfKey ? `${base}/signed.pdf` : null,
      // Issue 17, part C: sealing waits for the contractor's countersignature ("Finalizing" only once ready).
      waiting:
        decided.outcome !== 'declined' && !decided.sealedAt && d.countersign && !countersignedOn(found)
          ? `Waiting for ${viewer.org.name} to countersign; the signed PDF follows.`
          : null,
    };
    const made = choicesStep(c, found, errors, false).panel;
    return { panel: html`${notice}<${OutcomePanel} o=${o} timeZone=${viewer.org.timeZone} />${made}`, scripts };
  }
  if (notice && d.type !== 'bid_request') return { panel: notice, scripts };
  if (d.type === 'bid_request') return bidStep(c, found, snapshot, errors);
  return { panel: null, scripts };
}

/** The ids of `?choose=<id>&choose-0=<id>` ("Update total" without scripts), or null when the address has none. */
function chosenInAddress(c: AppContext): string[] | null {
  const query = c.req.queries();
  const keys = Object.keys(query).filter((k) => k === 'choose' || /^choose-\d{1,3}$/.test(k));
  // The sign form's GET carries `choices`: nothing ticked is a choice of none, not the preselection.
  if (!keys.length) return query.choices ? [] : null;
  return keys.flatMap((k) => query[k] ?? []).slice(0, 500);
}

/**
 * Issue 20: "Your choices" of a document that offers options (null otherwise): read only once someone
 * chose; else the refused sign form's choice (unless the document was revised since: then the
 * contractor's preselection again, said so), the choice in the address, or the preselection.
 */
function choicesStep(c: AppContext, found: Found, errors: PageErrors | undefined, signs: boolean) {
  const sent = found.sent;
  const offered = offeredOptions(sent);
  const made = parseSelection(found.version.selection);
  if (!offered.any || (!made && !signs)) return { panel: null, refused: false };
  const viewer = portalViewer(c);
  const posted = errors?.values?.chooseFor;
  let chosen = defaultChosen(sent.lines);
  let error: string | undefined;
  let restarted: string | undefined;
  if (made) chosen = made.chosen;
  else if (posted && posted === found.version.pdfSha256) {
    chosen = (errors?.values?.choose ?? '').split(' ').filter(Boolean);
    if (errors?.signField === 'choose') error = errors.sign;
  } else if (posted) {
    restarted =
      `${sent.typeLabel} ${sent.number} was revised while you were choosing. Your choices start again from ` +
      `${viewer.org.name}’s suggestions on the new version: check them before you sign.`;
  } else {
    const asked = chosenInAddress(c);
    const checked = asked ? checkChosen(sent.lines, asked) : null;
    if (checked?.ok) chosen = checked.chosen;
    else if (asked && checked) {
      const known = new Set(sent.lines.map((l) => l.id));
      chosen = asked.filter((id) => known.has(id));
      error = checked.message;
    }
  }
  // A refused choice from a form that posted none (no `choices`): said here, where the sign panel leaves it.
  if (!error && !made && errors?.signField === 'choose') error = errors.sign;
  const totals = chosenTotals(sent, chosen);
  const panel = html`<${ChoicesPanel}
    action=${`/portal/documents/${found.document.id}`}
    currency=${sent.currency}
    optional=${offered.optional}
    sets=${offered.sets}
    chosen=${chosen}
    totals=${totals}
    base=${{
      ...offered.base,
      taxRate: sent.taxRate,
      depositKind: sent.deposit.kind,
      depositValue: sent.deposit.value,
    }}
    error=${error}
    restarted=${restarted}
    madeBy=${made ? { name: made.by, at: made.at, timeZone: viewer.org.timeZone } : null}
    signs=${signs}
  />`;
  return { panel, refused: !!error && !posted };
}

/** Issue 20: the summary's words for an approval recorded offline: "Marked approved by Oak & Stone on Dec 1". */
function offlineStatus(found: Found, company: string) {
  const o = parseOffline(found.offline);
  return o ? offlineStatusWords(o.approvedOn, company, approvalEvent(found.document.type)) : null;
}

/** Issue 20: the decision region once the contractor recorded the approval as made offline. */
function offlineOutcome(
  c: AppContext,
  found: Found,
  snapshot: DocumentSnapshot,
  o: NonNullable<ReturnType<typeof parseOffline>>,
) {
  const company = portalViewer(c).org.name;
  const event = approvalEvent(found.document.type);
  const names = new Map(snapshot.lines.map((l) => [l.id, l.name]));
  const chosen = (parseSelection(o.selection)?.chosen ?? []).map((id) => names.get(id) ?? '').filter(Boolean);
  const base = `/portal/documents/${found.document.id}`;
  return OfflineOutcomePanel({
    heading: `${event === 'accept' ? 'Accepted' : 'Approved'} outside the portal`,
    label: offlinePortalLabel(o, company, event),
    company,
    chosen,
    scan: o.scanFileId ? { href: `${base}/files/${o.scanFileId}`, name: o.scanName ?? 'scan' } : null,
  });
}

/**
 * Issue 18: the sign panel's emailed code: where it goes ("d***@example.com"), the "Email me a code"
 * form's address, what the last request said (a form flash after a redirect) or why it was refused.
 */
function emailCodeProps(c: AppContext, documentId: string, errors?: PageErrors): EmailCodeProps {
  return {
    to: maskEmail(portalViewer(c).email),
    action: `/portal/documents/${documentId}#sign-code`,
    sent: errors ? undefined : takeFormFlash(c, `code:${documentId}`),
    error: errors?.code,
  };
}

/** The contractor countersigned the version the page shows (issue 17). */
const countersignedOn = (found: Found) =>
  found.signatures.some((s) => s.versionId === found.version.id && s.outcome === 'countersigned');

/**
 * The decision of a document its date closed: the message where the form was, with "Ask for an update"
 * ("Ask to reopen bidding") or, once asked, when. A sign or bid refused at the moment of the date (a page
 * left open) shows its message here, focused. A bid request keeps its lines (and a submitted bid) read only.
 */
function closedStep(c: AppContext, found: Found, snapshot: DocumentSnapshot, errors?: PageErrors): Step {
  const viewer = portalViewer(c);
  const d = found.document;
  const tz = viewer.org.timeZone;
  const bids = deadlineRule(d) === 'bids_close';
  const asked = askedSinceClosed(d, tz) ? shortDate(todayIn(tz, d.updateRequestedAt!), todayIn(tz)) : null;
  const what = bids ? 'to reopen bidding' : 'for an update';
  const box = html`<${ClosedPanel}
    action=${`/portal/documents/${d.id}#decide`}
    csrf=${c.get('csrf')}
    heading=${bids ? 'Bidding closed' : 'Expired'}
    message=${closedMessage(d, viewer.org.name)}
    ask=${bids ? 'Ask to reopen bidding' : 'Ask for an update'}
    askedOn=${asked ? `You asked ${viewer.org.name} ${what} on ${asked}.` : null}
    canAsk=${standingRequest(d, tz, Date.now()) === null}
    error=${errors?.sign ?? errors?.bid ?? errors?.ask}
    errorId=${errors?.sign ? 'sign' : errors?.bid ? 'bid' : undefined}
  />`;
  if (!bids) return { panel: box, scripts: ['/live.js'], closed: true };
  const bid = bidStep(c, found, snapshot, undefined, true);
  // A refused bid's message carries the #bid anchor; the vendor's earlier bid (its section is #bid) waits for a reload.
  const mine = found.bid && !errors?.bid ? bid.panel : null;
  return { panel: html`${box}${mine}`, lines: bid.lines, scripts: ['/live.js'], closed: true };
}
