import { createId } from '../db/ids';
import { and, asc, desc, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { html } from '../../views/html';
import { CompareBidsPage, VerifyPage, type BidColumn } from '../../views/dashboard/decisions';
import { currentUser } from '../auth/session';
import { distinct } from '../db/client';
import { lineTotal } from '../budget/totals';
import { findJob } from '../budget/queries';
import { contractorActor, activityInsert } from '../conversation/activity';
import { nextNumber } from '../db/counters';
import { accounts, bidLines, bids, costItems, documentLines, documents, documentVersions, orgs, signatures } from '../db/schema';
import { addDays, lineInserts, todayIn } from '../documents/drafts';
import { formatNumber, kindOf } from '../documents/kinds';
import { loadDocument } from '../documents/routes';
import { snapshotOf } from '../documents/documents';
import { STATUS_LABELS } from '../documents/status';
import type { AppContext, AppEnv } from '../http/context';
import { sha256Hex } from '../http/crypto';
import { notFound } from '../http/errors';
import { clientIp, hitRateLimit } from '../http/rate-limit';
import { pageContext, redirectWith, render } from '../http/render';
import { signedPdf } from './portal-routes';

const room = (c: AppContext, id: string) => c.env.DOCUMENT_ROOM.get(c.env.DOCUMENT_ROOM.idFromName(id));

export const signingRoutes = new Hono<AppEnv>()
  .get('/documents/:id/signed.pdf', async (c) => {
    const { org } = currentUser(c);
    const { d } = await loadDocument(c);
    return signedPdf(c, d.document.id, org.id);
  })
  .post('/documents/:id/accept-bid', async (c) => {
    const { user, org } = currentUser(c);
    const { d } = await loadDocument(c);
    if (d.document.type !== 'bid_request') notFound();
    const result = await room(c, d.document.id).acceptBid({ orgId: org.id, documentId: d.document.id, jobId: d.job.id, timeZone: org.timeZone, origin: new URL(c.req.url).origin, actor: contractorActor(user) });
    if (!result.ok) throw new HTTPException(409, { message: result.message });
    return redirectWith(c, `/documents/${d.document.id}`, `Bid accepted: ${result.items} budget item${result.items === 1 ? '' : 's'} now carry this vendor and their costs.`);
  })
  .post('/documents/:id/deposit-invoice', async (c) => {
    const { user, org } = currentUser(c);
    const { d } = await loadDocument(c);
    if (d.document.type !== 'customer_order' || d.document.status !== 'approved') throw new HTTPException(409, { message: 'A deposit invoice can be made from an approved estimate, proposal or change order.' });
    const db = c.get('db');
    const existing = await db.query.documents.findFirst({ columns: { id: true }, where: and(eq(documents.orgId, org.id), eq(documents.sourceDocumentId, d.document.id), eq(documents.type, 'customer_invoice')) });
    if (existing) return redirectWith(c, `/documents/${existing.id}`, 'The deposit invoice already exists.');
    const snapshot = snapshotOf(d);
    if (snapshot.totals.deposit <= 0) throw new HTTPException(409, { message: 'This document has no deposit to invoice.' });
    const kind = kindOf('customer_invoice', null)!;
    const now = Date.now();
    const id = createId();
    const versionId = createId();
    const number = formatNumber(kind.prefix, await nextNumber(db, org.id, `doc:${kind.prefix}`));
    const issueDate = todayIn(org.timeZone);
    const label = `${kindOf(d.document.type, d.document.subtype)?.label} ${d.document.number}`;
    await db.batch([
      db.insert(documents).values({ id, orgId: org.id, jobId: d.job.id, type: 'customer_invoice', subtype: null, number, status: 'draft', accountId: d.document.accountId, contactId: d.document.contactId, requireSignature: false, currentVersion: 1, sourceDocumentId: d.document.id, createdBy: user.id, createdAt: now, updatedAt: now }),
      db.insert(documentVersions).values({ id: versionId, orgId: org.id, documentId: id, version: 1, state: 'draft', title: `Deposit for ${label}`, issueDate, dueDate: addDays(issueDate, 7), terms: d.org.defaultTerms, footer: d.org.defaultFooter, taxRate: 0, preparedForName: d.contact?.name ?? '', preparedForEmail: d.contact?.email ?? '', createdAt: now, updatedAt: now }),
      ...lineInserts(db, org.id, id, versionId, [{ id: createId(), kind: 'item', costItemId: null, name: `Deposit for ${label}`, description: snapshot.title, costCode: '', costType: null, quantity: 10_000, unit: 'ea', unitCost: 0, unitPrice: snapshot.totals.deposit, taxable: false }]),
      activityInsert(db, { orgId: org.id, jobId: d.job.id, documentId: id, action: 'created', actor: contractorActor(user), data: { number, from: d.document.number } }),
    ]);
    return redirectWith(c, `/documents/${id}`, `Invoice ${number} for the deposit was created as a draft.`);
  })
  .get('/jobs/:id/bids', async (c) => {
    const { org } = currentUser(c);
    const db = c.get('db');
    const job = await findJob(db, org.id, c.req.param('id'));
    if (!job) notFound();
    const [requests, items, lines, offers] = await db.batch([
      db
        .select(distinct({ id: documents.id, number: documents.number, status: documents.status, vendor: accounts.name }))
        .from(documents)
        .leftJoin(accounts, eq(accounts.id, documents.accountId))
        .where(and(eq(documents.orgId, org.id), eq(documents.jobId, job.id), eq(documents.type, 'bid_request')))
        .orderBy(asc(documents.number)),
      db.select().from(costItems).where(and(eq(costItems.orgId, org.id), eq(costItems.jobId, job.id))).orderBy(asc(costItems.position)),
      db.select(distinct({ id: documentLines.id, costItemId: documentLines.costItemId, quantity: documentLines.quantity })).from(documentLines).innerJoin(documents, eq(documents.id, documentLines.documentId)).where(and(eq(documents.orgId, org.id), eq(documents.jobId, job.id), eq(documents.type, 'bid_request'))),
      db.select(distinct({ bid: bids, line: bidLines })).from(bids).innerJoin(bidLines, eq(bidLines.bidId, bids.id)).innerJoin(documents, eq(documents.id, bids.documentId)).where(and(eq(bids.orgId, org.id), eq(documents.jobId, job.id))).orderBy(desc(bids.submittedAt)),
    ]);
    const lineItem = new Map(lines.map((l) => [l.id, l]));
    const columns: BidColumn[] = [];
    for (const r of requests) {
      const mine = offers.filter((o) => o.bid.documentId === r.id);
      if (!mine.length) continue;
      const bidId = mine[0].bid.id;
      const costs = new Map<string, number | null>();
      let total = 0;
      for (const o of mine.filter((m) => m.bid.id === bidId)) {
        const l = lineItem.get(o.line.lineId);
        if (!l?.costItemId) continue;
        costs.set(l.costItemId, o.line.unitCost);
        if (o.line.unitCost !== null) total += lineTotal(l.quantity, o.line.unitCost);
      }
      columns.push({ documentId: r.id, number: r.number, vendor: r.vendor ?? '—', status: STATUS_LABELS[r.status] ?? r.status, total, canAccept: r.status === 'submitted', costs });
    }
    const compared = items.filter((i) => columns.some((col) => col.costs.has(i.id))).map((i) => ({ id: i.id, name: i.name, quantity: i.quantity, unit: i.unit, budgetCost: i.unitCost }));
    return render(c, html`<${CompareBidsPage} ctx=${pageContext(c)} job=${job} items=${compared} columns=${columns} />`);
  });

const MAX_VERIFY_BYTES = 30 * 1024 * 1024;

/** The public verify page: is this file an unaltered document signed here? Nothing else is revealed. */
export const verifyRoutes = new Hono<AppEnv>()
  .get('/verify', (c) => render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} />`))
  .post('/verify', async (c) => {
    const limit = await hitRateLimit(c.get('db'), `verify:${clientIp(c.req)}`, 30, 3_600_000);
    if (!limit.allowed) return render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} error="Too many checks from your address. Try again in an hour." />`, 429);
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    let sha = typeof body.sha256 === 'string' ? body.sha256.trim().toLowerCase() : '';
    if (body.file instanceof File && body.file.size > 0) {
      if (body.file.size > MAX_VERIFY_BYTES) return render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} error="That file is larger than 30 MB; paste its SHA-256 instead." />`, 422);
      sha = await sha256Hex(new Uint8Array(await body.file.arrayBuffer()));
    }
    if (!/^[0-9a-f]{64}$/.test(sha)) return render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} error="Choose a PDF file or paste a SHA-256 (64 hexadecimal characters)." />`, 422);
    const rows = await c
      .get('db')
      .select({ number: documents.number, type: documents.type, subtype: documents.subtype, company: orgs.name, name: signatures.signerName, signedAt: signatures.signedAt, versionId: signatures.versionId })
      .from(signatures)
      .innerJoin(documents, eq(documents.id, signatures.documentId))
      .innerJoin(orgs, eq(orgs.id, signatures.orgId))
      .where(eq(signatures.sealedPdfSha256, sha));
    const result = rows[0] ? { number: rows[0].number, typeLabel: kindOf(rows[0].type, rows[0].subtype)?.label ?? '', company: rows[0].company, signers: rows.map((r) => ({ name: r.name, signedAt: r.signedAt })) } : null;
    return render(c, html`<${VerifyPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} result=${result} checked=${true} />`);
  });

