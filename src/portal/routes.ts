import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { html } from '../../views/html';
import { LinkProblemPage, PortalDocumentPage } from '../../views/portal/document';
import { PortalHomePage, type PortalRow } from '../../views/portal/home';
import type { PortalContext } from '../../views/layout/portal';
import { contacts, documents, documentVersions, orgs } from '../db/schema';
import { activityInsert } from '../conversation/activity';
import { withPayments } from '../documents/documents';
import { kindOf } from '../documents/kinds';
import { pdfFileName, pdfResponse } from '../documents/pdf';
import { portalLink } from '../documents/send';
import type { DocumentSnapshot } from '../documents/snapshot';
import { awaitsRecipient, canTransition, STATUS_LABELS } from '../documents/status';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { clientIp, hitRateLimit } from '../http/rate-limit';
import { render } from '../http/render';
import { readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import { documentMail } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import { verifyPortalToken } from './links';
import { assemblePortalDocument, assemblePortalList, portalDocument, sessionDocumentQueries, sessionJobListQueries, sessionListQueries, visibleTo } from './queries';
import { portalViewer, requirePortal, requirePortalWith, startPortalSession } from './session';
import { prepared } from '../db/client';
import { conversationSections } from '../conversation/present';
import { BidFooter, BidIntro, OutcomePanel, SignPanel } from '../../views/portal/decide';
import { centsInput } from '../../views/format';
import { lineTotal } from '../budget/totals';
import { randomToken } from '../http/crypto';
import { approvalEvent } from '../signing/decisions';
import { consentText } from '../signing/consent';
import { registerPage, type PageErrors } from '../conversation/routes';

export function portalContext(c: AppContext, notice?: string): PortalContext {
  const viewer = portalViewer(c);
  return { csrf: c.get('csrf'), nonce: c.get('nonce'), notice: notice ?? c.req.query('notice'), viewer: { name: viewer.name, email: viewer.email }, org: viewer.org };
}

function linkProblem(c: AppContext, token: string, sent = false) {
  c.header('Referrer-Policy', 'no-referrer');
  return render(c, html`<${LinkProblemPage} ctx=${{ nonce: c.get('nonce'), csrf: c.get('csrf') }} token=${token} sent=${sent} />`, sent ? 200 : 403);
}

/** What the recipient is asked to do next, or null when nothing waits on them. */
export function recipientAction(type: string, status: string, requireSignature: boolean): string | null {
  const kind = kindOf(type, null) ?? null;
  if (!awaitsRecipient(type as never, status)) return null;
  if (type === 'bid_request') return status === 'submitted' ? null : 'Submit a bid';
  if (type === 'customer_invoice') return 'Pay';
  if (type === 'vendor_order') return requireSignature ? 'Review and sign' : 'Accept';
  if (type === 'customer_order') return requireSignature ? 'Review and sign' : 'Approve';
  return kind ? kind.action : null;
}

function portalRow(r: ReturnType<typeof assemblePortalList>[number]): PortalRow {
  const s = withPayments(JSON.parse(r.snapshot!) as DocumentSnapshot, []);
  const paid = r.paid;
  const balance = s.totals.total - paid;
  const invoice = r.type === 'customer_invoice';
  return {
    id: r.id,
    number: r.number,
    title: s.title,
    typeLabel: s.typeLabel,
    status: r.status,
    statusLabel: STATUS_LABELS[r.status] ?? r.status,
    amountLabel: invoice ? 'Amount due' : 'Total',
    amount: s.amountColumn === 'bid' ? null : invoice ? balance : s.totals.total,
    currency: s.currency,
    sentAt: r.sentAt ?? 0,
    issueDate: s.issueDate,
    action: recipientAction(r.type, r.status, s.requireSignature),
    jobId: r.jobId,
    jobName: r.jobName,
    jobAddress: r.jobAddress,
  };
}

/** Black or white, whichever reads better on the brand colour (WCAG relative luminance). */
export function inkOn(hex: string): string {
  const [r, g, b] = [0, 2, 4].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (1.05 / (l + 0.05) >= (l + 0.05) / 0.05) ? '#fff' : '#111';
}

export const publicPortalRoutes = new Hono<AppEnv>()
  .get('/brand.css', (c) => {
    const color = c.req.query('c') ?? '';
    const hex = /^[0-9a-fA-F]{6}$/.test(color) ? color : '1f5f8b';
    return c.body(`:root{--brand:#${hex};--brand-ink:${inkOn(hex)}}`, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=31536000, immutable' });
  })
  .get('/p/:token', async (c) => {
    const token = c.req.param('token');
    const result = await verifyPortalToken(c.env.PORTAL_TOKEN_SECRET, token);
    if (!result.ok) return linkProblem(c, token);
    const db = c.get('db');
    const { claims } = result;
    const [contact] = await db.select().from(contacts).where(eq(contacts.id, claims.contactId));
    if (!contact || contact.accessVersion !== claims.accessVersion) return linkProblem(c, token);
    const [doc] = await db.select({ id: documents.id }).from(documents).where(and(visibleTo({ orgId: contact.orgId, accountId: contact.accountId }), eq(documents.id, claims.documentId)));
    if (!doc) return linkProblem(c, token);
    await startPortalSession(c, contact);
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(`/portal/documents/${doc.id}`, 303);
  })
  .post('/p/fresh-link', async (c) => {
    const raw = await readForm(c);
    const token = (raw.token ?? '').slice(0, 2000);
    const db = c.get('db');
    const byIp = await hitRateLimit(db, `fresh:ip:${clientIp(c.req)}`, 10, 3_600_000);
    if (!byIp.allowed) return linkProblem(c, token, true);
    const result = await verifyPortalToken(c.env.PORTAL_TOKEN_SECRET, token);
    const claims = result.ok ? result.claims : result.expired ?? null;
    if (claims) {
      const perDoc = await hitRateLimit(db, `fresh:doc:${claims.documentId}:${claims.contactId}`, 3, 3_600_000);
      const [contact] = perDoc.allowed ? await db.select().from(contacts).where(eq(contacts.id, claims.contactId)) : [];
      // A revoked contact gets nothing: only the contractor can give access back.
      if (contact && contact.accessVersion === claims.accessVersion) {
        const [row] = await db
          .select({ document: documents, snapshot: documentVersions.snapshot, org: orgs })
          .from(documents)
          .innerJoin(orgs, eq(orgs.id, documents.orgId))
          .innerJoin(documentVersions, and(eq(documentVersions.documentId, documents.id), eq(documentVersions.version, documents.sentVersion)))
          .where(and(visibleTo({ orgId: contact.orgId, accountId: contact.accountId }), eq(documents.id, claims.documentId)));
        if (row?.snapshot) {
          const snapshot = JSON.parse(row.snapshot) as DocumentSnapshot;
          const link = await portalLink(c.env, new URL(c.req.url).origin, contact, row.document.id, row.org.portalLinkDays);
          const mail = documentMail(snapshot, { link, recipientName: contact.name, resend: true, linkDays: row.org.portalLinkDays });
          await db.batch([
            queueMail(db, { orgId: contact.orgId, documentId: row.document.id, kind: 'fresh-link', to: { email: contact.email, name: contact.name }, fromName: row.org.name, replyTo: row.org.email || null, ...mail }),
            activityInsert(db, { orgId: contact.orgId, jobId: row.document.jobId, documentId: row.document.id, action: 'link_requested', actor: { side: 'recipient', contactId: contact.id, name: contact.name, ip: clientIp(c.req), userAgent: c.req.header('User-Agent') } }),
          ]);
          deliverSoon(c);
        }
      }
    }
    return linkProblem(c, token, true);
  });

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
    const room = c.env.DOCUMENT_ROOM.get(c.env.DOCUMENT_ROOM.idFromName(d.id));
    const view = { orgId: viewer.orgId, documentId: d.id, jobId: d.jobId, timeZone: viewer.org.timeZone, origin: new URL(c.req.url).origin, type: d.type, status: d.status, contactId: viewer.contactId, name: viewer.name, ip: clientIp(c.req), userAgent: c.req.header('User-Agent') ?? '' };
    c.executionCtx.waitUntil(room.viewed(view).catch((err) => console.error('view log', err)));
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
  return render(
    c,
    html`<${PortalDocumentPage} ctx=${ctx} doc=${{ id: d.id, status: d.status, statusLabel: STATUS_LABELS[d.status] ?? d.status }} snapshot=${snapshot}
      nextStep=${step.panel} bidInputs=${step.bidInputs} payments=${found.payments} paymentInstructions=${viewer.org.paymentInstructions} below=${below} scripts=${step.scripts} />`,
    errors ? 422 : 200,
  );
}

type Found = NonNullable<Awaited<ReturnType<typeof portalDocument>>>;

/** The one next step the recipient sees: sign or decline, bid, or what was decided. */
function nextStep(c: AppContext, found: Found, snapshot: DocumentSnapshot, errors?: PageErrors) {
  const viewer = portalViewer(c);
  const d = found.document;
  const base = `/portal/documents/${d.id}`;
  const versionHash = found.version.pdfSha256 ?? '';
  const scripts = ['/live.js'];
  const event = approvalEvent(d.type);
  const decided = found.signatures.find((s) => s.versionId === found.version.id);
  if (event && !decided && canTransition(d.type, d.status, event)) {
    const panel = html`<${SignPanel} action=${`${base}/sign`} declineAction=${`${base}/decline`} csrf=${c.get('csrf')} versionHash=${versionHash} idempotencyKey=${randomToken(16)}
      requireSignature=${d.requireSignature} verb=${event === 'approve' ? 'Approve' : 'Accept'} needsConsent=${d.requireSignature && !viewer.esignConsentAt}
      consent=${consentText(viewer.org.name, viewer.org.email)} name=${viewer.name} error=${errors?.sign} declineError=${errors?.decline} values=${errors?.values} />`;
    return { panel, scripts: d.requireSignature ? [...scripts, '/sign.js'] : scripts };
  }
  // A refusal that arrives after the decision was made (a second tab, a double click) still says why.
  const refusal = errors?.sign ?? errors?.decline;
  const notice = refusal ? html`<p class="form-summary" role="alert">${refusal}</p>` : null;
  if (decided) {
    const o = { outcome: decided.outcome, signerName: decided.signerName, signedAt: decided.signedAt, reason: decided.reason, sealed: !!decided.sealedAt && !!decided.sealedPdfKey, signedPdfHref: decided.sealedPdfKey ? `${base}/signed.pdf` : null };
    return { panel: html`${notice}<${OutcomePanel} o=${o} timeZone=${viewer.org.timeZone} />`, scripts };
  }
  if (notice && d.type !== 'bid_request') return { panel: notice, scripts };
  if (d.type === 'bid_request') {
    const open = canTransition(d.type, d.status, 'submit_bid');
    const mine = found.bid;
    const values = errors?.values ?? {};
    const costOf = (lineId: string) => values[`cost.${lineId}`] ?? (mine ? (mine.lines.find((l) => l.lineId === lineId)?.unitCost ?? null) : null);
    const quantities = new Map(snapshot.lines.map((l) => [l.id, l.quantity]));
    const total = mine ? mine.lines.reduce((sum, l) => sum + (l.unitCost === null ? 0 : lineTotal(quantities.get(l.lineId) ?? 0, l.unitCost)), 0) : null;
    const intro = html`<${BidIntro} submitted=${mine ? { at: mine.submittedAt } : null} total=${total} currency=${snapshot.currency} timeZone=${viewer.org.timeZone} />`;
    if (!open) return { panel: intro, scripts };
    const bidInputs = (lineId: string) => {
      const cost = costOf(lineId);
      const note = values[`note.${lineId}`] ?? mine?.lines.find((l) => l.lineId === lineId)?.note ?? '';
      return html`<label class="visually-hidden" for=${`cost-${lineId}`}>Your unit cost</label>
        <input id=${`cost-${lineId}`} form="bid-form" name=${`cost.${lineId}`} class="num" inputmode="decimal" placeholder="No bid" value=${typeof cost === 'number' ? centsInput(cost) : (cost ?? '')} />
        <label class="visually-hidden" for=${`note-${lineId}`}>Note</label>
        <input id=${`note-${lineId}`} form="bid-form" name=${`note.${lineId}`} class="bid-note" placeholder="Note" maxlength="500" value=${note} />`;
    };
    const panel = html`${intro}<form id="bid-form" method="post" action=${`${base}/bid`} class="card"><${BidFooter} csrf=${c.get('csrf')} versionHash=${versionHash} note=${values.note ?? mine?.note ?? ''} error=${errors?.bid} submitted=${!!mine} /></form>`;
    return { panel, bidInputs, scripts };
  }
  return { panel: null, scripts };
}

registerPage('recipient', showPortalDocument);

export const portalRoutes = new Hono<AppEnv>()
  // The pages before the middleware run the same session check inside their own batch of reads.
  .get('/portal', async (c) => {
    const rows = assemblePortalList(await requirePortalWith(c, prepared(c.get('db'), sessionListQueries), {})).map(portalRow);
    rows.sort((a, b) => Number(!!b.action) - Number(!!a.action) || b.sentAt - a.sentAt);
    return render(c, html`<${PortalHomePage} ctx=${portalContext(c)} rows=${rows} />`);
  })
  .get('/portal/jobs/:id', async (c) => {
    const rows = assemblePortalList(await requirePortalWith(c, prepared(c.get('db'), sessionJobListQueries), { jobId: c.req.param('id') })).map(portalRow);
    if (!rows.length) notFound();
    return render(c, html`<${PortalHomePage} ctx=${portalContext(c)} rows=${rows} job=${{ name: rows[0].jobName, address: rows[0].jobAddress }} />`);
  })
  .get('/portal/documents/:id{[a-z0-9]+}', (c) => showPortalDocument(c, c.req.param('id')))
  .use('/portal/*', requirePortal)
  .get('/portal/logo', async (c) => {
    const viewer = portalViewer(c);
    const org = await c.get('db').query.orgs.findFirst({ columns: { logoKey: true, logoContentType: true }, where: eq(orgs.id, viewer.orgId) });
    const obj = org?.logoKey ? await c.env.FILES.get(org.logoKey) : null;
    if (!obj) notFound();
    return new Response(obj.body, { headers: { 'Content-Type': org!.logoContentType ?? 'application/octet-stream', 'Cache-Control': 'private, max-age=300' } });
  })
  .get('/portal/documents/:file{[a-z0-9]+\\.pdf}', async (c) => {
    const viewer = portalViewer(c);
    const found = await portalDocument(c.get('db'), viewer, c.req.param('file').replace(/\.pdf$/, ''));
    if (!found?.version.pdfKey) notFound();
    const obj = await c.env.FILES.get(found.version.pdfKey);
    if (!obj) notFound();
    return pdfResponse(obj.body, pdfFileName({ number: found.document.number, version: found.version.version }));
  });
