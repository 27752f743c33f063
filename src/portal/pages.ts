import { html } from '../../views/html';
import type { PortalContext } from '../../views/layout/portal';
import { OutcomePanel, SignPanel } from '../../views/portal/decide';
import { LinkProblemPage, PortalDocumentPage } from '../../views/portal/document';
import { PortalHomePage, type PortalRow } from '../../views/portal/home';
import { paymentTotals } from '../budget/totals';
import { recordView } from '../conversation/actions';
import { conversationSections } from '../conversation/present';
import type { PageErrors } from '../conversation/routes';
import { prepared } from '../db/client';
import { withPayments } from '../documents/documents';
import { approvalEvent, recipientAction } from '../documents/kinds';
import type { DocumentSnapshot } from '../documents/snapshot';
import { canTransition, STATUS_LABELS } from '../documents/status';
import type { AppContext } from '../http/context';
import { randomToken } from '../http/crypto';
import { notFound } from '../http/errors';
import { takeFlash } from '../http/flash';
import { clientIp } from '../http/rate-limit';
import { render } from '../http/render';
import { consentText } from '../signing/consent';
import {
  assemblePortalDocument,
  assemblePortalList,
  portalDocument,
  sessionDocumentQueries,
  sessionJobListQueries,
  sessionListQueries,
} from './queries';
import { bidStep } from './bid-step';
import { portalViewer, requirePortalWith } from './session';

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
  };
}

/** The page an unusable link shows, or (sent) the page saying a fresh link is on its way. */
export function linkProblem(c: AppContext, token: string, sent = false) {
  c.header('Referrer-Policy', 'no-referrer');
  return render(
    c,
    html`<${LinkProblemPage} ctx=${{ nonce: c.get('nonce'), csrf: c.get('csrf') }} token=${token} sent=${sent} />`,
    sent ? 200 : 403,
  );
}

function portalRow(r: ReturnType<typeof assemblePortalList>[number]): PortalRow {
  const s = withPayments(JSON.parse(r.snapshot!) as DocumentSnapshot, []);
  const invoice = r.type === 'customer_invoice';
  return {
    id: r.id,
    number: r.number,
    title: s.title,
    typeLabel: s.typeLabel,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status] ?? r.status,
    amountLabel: invoice ? 'Amount due' : 'Total',
    amount:
      s.amountColumn === 'bid' ? null : invoice ? paymentTotals(s.totals.total, [r.paid]).balance : s.totals.total,
    currency: s.currency,
    sentAt: r.sentAt ?? 0,
    issueDate: s.issueDate,
    action: recipientAction(r.type, r.status, s.requireSignature),
    jobId: r.jobId,
    jobName: r.jobName,
    jobAddress: r.jobAddress,
  };
}

/** The portal home: every document sent to the viewer's account, what waits on them first. One round trip. */
export async function showPortalHome(c: AppContext) {
  const rows = assemblePortalList(await requirePortalWith(c, prepared(c.get('db'), sessionListQueries), {})).map(
    portalRow,
  );
  rows.sort((a, b) => Number(!!b.action) - Number(!!a.action) || b.sentAt - a.sentAt);
  return render(c, html`<${PortalHomePage} ctx=${portalContext(c)} rows=${rows} />`);
}

/** The documents of one job sent to the viewer's account. One round trip. */
export async function showPortalJob(c: AppContext, jobId: string) {
  const rows = assemblePortalList(
    await requirePortalWith(c, prepared(c.get('db'), sessionJobListQueries), { jobId }),
  ).map(portalRow);
  if (!rows.length) notFound();
  return render(
    c,
    html`<${PortalHomePage} ctx=${portalContext(c)} rows=${rows}
      job=${{ name: rows[0].jobName, address: rows[0].jobAddress }} />`,
  );
}

/** The recipient's view of one document; every view is logged through the document's room. */
export async function showPortalDocument(c: AppContext, documentId: string, errors?: PageErrors) {
  const db = c.get('db');
  // Opened directly, the page checks the session in its own batch: one round trip for both.
  const found = c.get('portal')
    ? await portalDocument(db, portalViewer(c), documentId)
    : assemblePortalDocument(await requirePortalWith(c, prepared(db, sessionDocumentQueries), { documentId }));
  const viewer = portalViewer(c);
  if (!found?.version.snapshot) notFound();
  const snapshot = withPayments(JSON.parse(found.version.snapshot) as DocumentSnapshot, found.payments);
  const d = found.document;
  if (!errors) {
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
      ip: clientIp(c.req),
      userAgent: c.req.header('User-Agent') ?? '',
    };
    c.executionCtx.waitUntil(recordView(c.env, view).catch((err) => console.error('view log', err)));
  }
  const ctx = portalContext(c);
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
    files: found.files,
    currency: snapshot.currency,
    errors,
  });
  const step = nextStep(c, found, snapshot, errors);
  const doc = { id: d.id, status: d.status, statusLabel: STATUS_LABELS[d.status] ?? d.status };
  return render(
    c,
    html`<${PortalDocumentPage} ctx=${ctx} doc=${doc}
      snapshot=${snapshot} nextStep=${step.panel} bidInputs=${step.bidInputs} payments=${found.payments}
      paymentInstructions=${viewer.org.paymentInstructions} below=${below} scripts=${step.scripts} />`,
    errors ? 422 : 200,
  );
}

export type Found = NonNullable<Awaited<ReturnType<typeof portalDocument>>>;

/** The one next step the recipient sees: sign or decline, bid, or what was decided. */
interface Step {
  panel: unknown;
  scripts: string[];
  bidInputs?: (lineId: string) => unknown;
}

function nextStep(c: AppContext, found: Found, snapshot: DocumentSnapshot, errors?: PageErrors): Step {
  const viewer = portalViewer(c);
  const d = found.document;
  const base = `/portal/documents/${d.id}`;
  const versionHash = found.version.pdfSha256 ?? '';
  const scripts = ['/live.js'];
  const event = approvalEvent(d.type);
  const decided = found.signatures.find((s) => s.versionId === found.version.id);
  if (event && !decided && canTransition(d.type, d.status, event)) {
    const panel = html`<${SignPanel} action=${`${base}/sign`} declineAction=${`${base}/decline`} csrf=${c.get('csrf')}
      versionHash=${versionHash} idempotencyKey=${randomToken(16)} requireSignature=${d.requireSignature}
      verb=${event === 'approve' ? 'Approve' : 'Accept'} needsConsent=${d.requireSignature && !viewer.esignConsentAt}
      consent=${consentText(viewer.org.name, viewer.org.email)} name=${viewer.name} error=${errors?.sign}
      declineError=${errors?.decline} values=${errors?.values} />`;
    return { panel, scripts: d.requireSignature ? [...scripts, '/sign.js'] : scripts };
  }
  // A refusal that arrives after the decision was made (a second tab, a double click) still says why.
  const refusal = errors?.sign ?? errors?.decline;
  const notice = refusal ? html`<p class="form-summary" role="alert">${refusal}</p>` : null;
  if (decided) {
    const o = {
      outcome: decided.outcome,
      signerName: decided.signerName,
      signedAt: decided.signedAt,
      reason: decided.reason,
      sealed: !!decided.sealedAt && !!decided.sealedPdfKey,
      signedPdfHref: decided.sealedPdfKey ? `${base}/signed.pdf` : null,
    };
    return { panel: html`${notice}<${OutcomePanel} o=${o} timeZone=${viewer.org.timeZone} />`, scripts };
  }
  if (notice && d.type !== 'bid_request') return { panel: notice, scripts };
  if (d.type === 'bid_request') return bidStep(c, found, snapshot, errors);
  return { panel: null, scripts };
}
