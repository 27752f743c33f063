import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { money } from '../views/format';
import { documents, portalSessions } from '../src/db/schema';
import { signPortalToken } from '../src/portal/links';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, createJob, db, location, signUp, uniqueEmail, viaEdge } from './helpers';
import { addGroup, addItem, fieldError } from './pages';
import {
  editDraft,
  formFields,
  gzipSize,
  jobWithItem,
  normalized,
  openLink,
  SECRET,
  sentSnapshot,
  sha256,
  statusOf,
  tokenOf,
} from './portal-fixtures';

// Issue 4 end to end through the Worker: send, the email, the link, the portal, fresh links, revocation.

const DAY = 86_400_000;

async function outboxFor(documentId: string) {
  return db().query.outbox.findMany({
    where: (o, { eq }) => eq(o.documentId, documentId),
    orderBy: (o, { asc }) => asc(o.createdAt),
  });
}

async function activityFor(documentId: string, action: string) {
  return db().query.activity.findMany({
    where: (a, { and, eq }) => and(eq(a.documentId, documentId), eq(a.action, action)),
    orderBy: (a, { asc }) => asc(a.createdAt),
  });
}

/** Saves the settings form as rendered, with some fields changed. */
async function saveSettings(browser: Browser, changes: Record<string, string>) {
  const page = await (await browser.get('/settings')).text();
  const fields = Object.fromEntries(formFields(page, '/settings').filter(([k]) => k !== '_csrf'));
  const res = await browser.post('/settings', { ...fields, ...changes });
  if (res.status !== 303) throw new Error(`settings: ${res.status} ${(await res.text()).slice(0, 1000)}`);
}

/** Issue 20: the estimate's terms, as its default template's (Settings → Templates). */
async function estimateTerms(browser: Browser, terms: string) {
  const res = await browser.post('/settings/templates', {
    kind: 'estimate',
    name: 'Standard',
    terms,
    displayMode: 'itemized',
    showUnitPrices: 'on',
    showQuantities: 'on',
    showLineTotals: 'on',
    depositKind: 'none',
    requireSignature: 'on',
    reminders: 'company',
    isDefault: 'on',
  });
  if (res.status !== 303) throw new Error(`template: ${res.status} ${(await res.text()).slice(0, 1000)}`);
}

const linkIn = (text: string) => new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(text)![0]).pathname;

describe('sending', () => {
  it('writes the email to the outbox: subject, both bodies with the portal button, the total and the message', async () => {
    const co = await companyWithBudget();
    await estimateTerms(co.browser, 'Payment due within 30 days of completion.');
    const id = await createDocument(co.browser, co.jobId, 'estimate', {
      group: co.groups.demolition,
      item: co.items[2].id,
    });
    const { mail, link } = await sendDocument(co.browser, id, {
      message: 'Here is the kitchen estimate we discussed.',
    });
    const s = await sentSnapshot(id);
    const total = money(s.totals.total, 'USD');
    const contact = co.customerContact;

    expect(mail.subject).toBe('Estimate EST-0001 from Oak & Stone Builders');
    expect(mail.kind).toBe('document');
    expect(mail.status).toBe('queued');
    expect(mail.toEmail).toBe(contact.email);
    expect(mail.toName).toBe(contact.name);
    expect(mail.fromName).toBe('Oak & Stone Builders');
    expect(link).toMatch(/^\/p\/[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(mail.html).toContain(`href="http://localhost${link}"`);
    expect(mail.text).toContain(`http://localhost${link}`);
    for (const body of [mail.html, mail.text]) {
      expect(body).toContain('EST-0001');
      expect(body).toContain(total);
      expect(body).toContain('Here is the kitchen estimate we discussed.');
      expect(body).toContain('Review and sign');
    }
    expect(s.totals.total).toBeGreaterThan(0);

    // Sending froze the version: snapshot, PDF in R2 with its hash, status sent, logged.
    const version = await db().query.documentVersions.findFirst({
      where: (v, { and, eq }) => and(eq(v.documentId, id), eq(v.version, 1)),
    });
    expect(version!.state).toBe('sent');
    const pdf = await env.FILES.get(version!.pdfKey!);
    expect(pdf).not.toBeNull();
    expect(pdf!.customMetadata?.sha256).toBe(version!.pdfSha256);
    await pdf!.arrayBuffer();
    expect(await statusOf(id)).toBe('sent');
    const sent = await activityFor(id, 'sent');
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0].data!).to).toBe(`${contact.name} <${contact.email}>`);

    // The dashboard mailbox shows it in development and tests.
    const box = await co.browser.get('/dev/mail');
    expect(await box.text()).toContain('Estimate EST-0001 from Oak &amp; Stone Builders');
  });

  it('sending with an edited name and email saves them to the contact and mails the new address', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const email = uniqueEmail('dana');
    const { mail, link } = await sendDocument(co.browser, id, { name: 'Dana Reyes', email });
    expect(mail.toEmail).toBe(email);
    expect(mail.toName).toBe('Dana Reyes');
    const contact = await db().query.contacts.findFirst({ where: (c, { eq }) => eq(c.id, co.customerContact.id) });
    expect(contact).toMatchObject({ name: 'Dana Reyes', email });
    const { html } = await openLink(link);
    expect(html).toContain('Dana Reyes');
    expect(html).toContain(email);
  });

  it('the send form validates (422, nothing sent) and another organization gets 404', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const form = await co.browser.get(`/documents/${id}/send`);
    const page = await form.text();
    expect(form.status).toBe(200);
    expect(page).toContain(co.customerContact.email);
    expect(page).toContain('Estimate EST-0001 from Oak &amp; Stone Builders');

    const noName = await co.browser.post(`/documents/${id}/send`, {
      name: '',
      email: co.customerContact.email,
      message: '',
    });
    expect(noName.status).toBe(422);
    expect(fieldError(await noName.text(), 'name')).toBeTruthy();
    const badEmail = await co.browser.post(`/documents/${id}/send`, {
      name: 'Dana',
      email: 'not-an-email',
      message: '',
    });
    expect(badEmail.status).toBe(422);
    expect(fieldError(await badEmail.text(), 'email')).toBeTruthy();
    const longMessage = await co.browser.post(`/documents/${id}/send`, {
      name: 'Dana',
      email: co.customerContact.email,
      message: 'x'.repeat(2001),
    });
    expect(longMessage.status).toBe(422);
    expect(await statusOf(id)).toBe('draft');
    expect(await outboxFor(id)).toHaveLength(0);

    const other = await signUp({ company: 'Other Co' });
    expect((await other.browser.get(`/documents/${id}/send`)).status).toBe(404);
    expect((await other.browser.get(`/documents/${id}/send/preview`)).status).toBe(404);
    expect(
      (await other.browser.post(`/documents/${id}/send`, { name: 'X', email: uniqueEmail('x'), message: '' })).status,
    ).toBe(404);
    expect(await statusOf(id)).toBe('draft');
    await sendDocument(co.browser, id);
    expect((await other.browser.post(`/documents/${id}/resend`)).status).toBe(404);
    expect(
      (
        await other.browser.post(`/accounts/${co.customerId}/contacts/${co.customerContact.id}/revoke`, {
          confirm: 'yes',
        })
      ).status,
    ).toBe(404);
    expect(await outboxFor(id)).toHaveLength(1);
    const contact = await db().query.contacts.findFirst({ where: (c, { eq }) => eq(c.id, co.customerContact.id) });
    expect(contact!.accessVersion).toBe(1);
  });

  it('a sent version cannot be sent again; Resend queues a new email with a fresh link, and both links work', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const first = await sendDocument(co.browser, id);
    expect(
      (await co.browser.post(`/documents/${id}/send`, { name: 'Dana', email: co.customerContact.email, message: '' }))
        .status,
    ).toBe(409);
    const res = await co.browser.post(`/documents/${id}/resend`);
    expect(res.status).toBe(303);
    const mails = await outboxFor(id);
    expect(mails).toHaveLength(2);
    const second = linkIn(mails[1].text);
    expect(second).not.toBe(first.link);
    expect(mails[1].toEmail).toBe(co.customerContact.email);
    expect(mails[1].subject).toBe('Estimate EST-0001 from Oak & Stone Builders');
    expect(mails[1].text).toContain('fresh link');
    expect(await activityFor(id, 'resent')).toHaveLength(1);
    for (const link of [first.link, second]) {
      const { page } = await openLink(link);
      expect(page.status).toBe(200);
    }
  });

  it('Resend refuses a voided document instead of mailing a link that cannot open', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
    const res = await co.browser.post(`/documents/${id}/resend`);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('voided');
    expect(await outboxFor(id)).toHaveLength(1);
    expect(await activityFor(id, 'resent')).toHaveLength(0);
  });
});

describe('the link and the portal session', () => {
  it('opens in a fresh browser: 303 to the document without the token, no-referrer, its own HttpOnly Lax cookie', async () => {
    const co = await companyWithBudget();
    await estimateTerms(co.browser, 'Prices hold for 30 days.');
    const id = await createDocument(co.browser, co.jobId, 'estimate', {
      group: [co.groups.demolition, co.groups.electrical],
    });
    const { link } = await sendDocument(co.browser, id);
    const recipient = new Browser();
    const open = await recipient.get(link);
    expect(open.status).toBe(303);
    expect(location(open)).toBe(`/portal/documents/${id}`);
    expect(location(open)).not.toContain(tokenOf(link).slice(0, 20));
    expect(open.headers.get('Referrer-Policy')).toBe('no-referrer');
    const cookie = open.headers.getSetCookie().find((c) => c.startsWith('cp_portal='))!;
    expect(cookie).toBeTruthy();
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    // The cookie outlives the 30-day session (a year), so an ended session can still say whose it was (issue 13).
    expect(cookie).toMatch(/;\s*Max-Age=31536000/i);
    expect(open.headers.getSetCookie().some((c) => c.startsWith('cp_session='))).toBe(false);
    expect(recipient.cookies.has('cp_session')).toBe(false);
    expect(co.browser.cookies.has('cp_portal')).toBe(false);
    expect(recipient.cookies.get('cp_portal')).not.toBe(co.browser.cookies.get('cp_session'));

    const page = await recipient.get(location(open));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(html).not.toContain(tokenOf(link));
    const s = await sentSnapshot(id);
    for (const name of ['Remove cabinets', 'Dumpster', 'Kitchen circuits', 'Demolition', 'Electrical'])
      expect(html).toContain(name);
    expect(html).toContain('Recessed lights — Zürich “LED”');
    expect(html).toContain('Subtotal');
    expect(html).toContain(money(s.totals.subtotal));
    expect(html).toContain(money(s.totals.total));
    for (const l of s.lines.filter((x) => x.kind === 'item')) expect(html).toContain(money(l.total));
    expect(html).toContain('Prices hold for 30 days.');
    expect(html).toContain('Oak &amp; Stone Builders');
    expect(html).toContain(`/portal/documents/${id}.pdf`);
    // Reading needs no script: the document is in the HTML; scripts are only module enhancements.
    for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) expect(tag).toMatch(/type="module" src="\/[\w.-]+\.js"/);
    expect(html).not.toMatch(/<script\b[^>]*>[^<]/i);

    const pdf = await recipient.get(`/portal/documents/${id}.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('Content-Type')).toContain('application/pdf');
    expect(new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))).toBe('%PDF-');

    // Opening the link again starts a new session (the old cookie is replaced, not reused).
    const before = recipient.cookies.get('cp_portal');
    expect((await recipient.get(link)).status).toBe(303);
    expect(recipient.cookies.get('cp_portal')).not.toBe(before);
    expect((await recipient.get('/portal')).status).toBe(200);
  });

  it('the portal session slides for 30 days and ends when it lapses', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { browser } = await openLink((await sendDocument(co.browser, id)).link);
    const sessions = await db().query.portalSessions.findMany({
      where: (p, { eq }) => eq(p.contactId, co.customerContact.id),
    });
    expect(sessions).toHaveLength(1);
    expect(sessions[0].expiresAt).toBeGreaterThan(Date.now() + 29 * DAY);
    // Ten days left: the next visit renews the cookie and the row to thirty.
    await db()
      .update(portalSessions)
      .set({ expiresAt: Date.now() + 10 * DAY })
      .where(eq(portalSessions.id, sessions[0].id));
    const visit = await browser.get('/portal');
    expect(visit.status).toBe(200);
    expect(visit.headers.getSetCookie().some((c) => c.startsWith('cp_portal=') && /Max-Age=31536000/i.test(c))).toBe(
      true,
    );
    await vi.waitFor(async () => {
      const row = await db().query.portalSessions.findFirst({ where: (p, { eq }) => eq(p.id, sessions[0].id) });
      expect(row!.expiresAt).toBeGreaterThan(Date.now() + 29 * DAY);
    });
    // The document page checks the session inside its own batch; it slides the same way.
    await db()
      .update(portalSessions)
      .set({ expiresAt: Date.now() + 10 * DAY })
      .where(eq(portalSessions.id, sessions[0].id));
    const page = await browser.get(`/portal/documents/${id}`);
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie().some((c) => c.startsWith('cp_portal=') && /Max-Age=31536000/i.test(c))).toBe(
      true,
    );
    await vi.waitFor(async () => {
      const row = await db().query.portalSessions.findFirst({ where: (p, { eq }) => eq(p.id, sessions[0].id) });
      expect(row!.expiresAt).toBeGreaterThan(Date.now() + 29 * DAY);
    });
    // Lapsed: the same 404 as no session at all, and nothing logged as a view.
    const views = async () =>
      (
        await db().query.activity.findMany({
          where: (a, { and, eq }) => and(eq(a.documentId, id), eq(a.action, 'viewed')),
        })
      ).length;
    // The link's redirect; this visit, from the same device soon after, is the same view.
    await vi.waitFor(async () => expect(await views()).toBe(1));
    await db()
      .update(portalSessions)
      .set({ expiresAt: Date.now() - 1 })
      .where(eq(portalSessions.id, sessions[0].id));
    const viewsBefore = await views();
    expect((await browser.get('/portal')).status).toBe(404);
    const lapsed = await browser.get(`/portal/documents/${id}`);
    expect(lapsed.status).toBe(404);
    // Issue 13: the 404 is the company's "this page has expired" page, offering a new link; nothing of the document.
    const ended = await lapsed.text();
    expect(ended).toContain('<h1>This page has expired</h1>');
    expect(ended).toContain('<span>Oak &amp; Stone Builders</span>');
    expect(ended).toContain('Email me a new link');
    expect(ended).not.toContain('EST-0001');
    await new Promise((r) => setTimeout(r, 200));
    expect(await views()).toBe(viewsBefore);
  });

  it('sending a revision replaces what the recipient sees; earlier links open the new version', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const first = await sendDocument(co.browser, id);
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    await editDraft(co.browser, id, (fields) =>
      fields.map(([k, v]) => [k, k.startsWith('name.') && v === 'Dumpster' ? 'Roll-off container (REV2)' : v]),
    );
    const second = await sendDocument(co.browser, id);
    expect(second.mail.subject).toBe('Estimate EST-0001 rev 2 from Oak & Stone Builders');
    const { browser, html } = await openLink(first.link);
    expect(html).toContain('rev 2');
    expect(html).toContain('Roll-off container (REV2)');
    expect(html).not.toContain('>Dumpster<');
    const v2 = await db().query.documentVersions.findFirst({
      where: (v, { and, eq }) => and(eq(v.documentId, id), eq(v.version, 2)),
    });
    const pdf = await browser.get(`/portal/documents/${id}.pdf`);
    expect(await sha256(await pdf.arrayBuffer())).toBe(v2!.pdfSha256);
  });

  it('portal home lists documents from two jobs, grouped by job, with what needs action first; a job page lists its own', async () => {
    const co = await companyWithBudget();
    const second = await jobWithItem(co.browser, 'Bathroom refresh', co.customerId, { name: 'Vanity install' });
    const est1 = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const inv = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.electrical });
    const est2 = await createDocument(co.browser, second.jobId, 'estimate', { group: second.groupId });
    const draft = await createDocument(co.browser, second.jobId, 'proposal', { group: second.groupId });
    const { link } = await sendDocument(co.browser, inv);
    await sendDocument(co.browser, est1);
    await sendDocument(co.browser, est2);
    // A fully paid invoice waits on nobody.
    const balance = (await sentSnapshot(inv)).totals.balance;
    const paid = await co.browser.post(`/documents/${inv}/payments`, {
      amount: (balance / 100).toFixed(2),
      paidOn: '2026-01-15',
      method: 'Check',
      reference: '1042',
    });
    expect(paid.status).toBe(303);
    expect(await statusOf(inv)).toBe('paid');

    const { browser } = await openLink(link);
    const home = await browser.get('/portal');
    const html = await home.text();
    expect(home.status).toBe(200);
    expect(html).toContain('Documents from Oak &amp; Stone Builders');
    expect(html).not.toContain('PRO-0001');
    expect(html).not.toContain(draft);

    const waiting = html.indexOf('Waiting for you');
    const job1 = html.indexOf(`href="/portal/jobs/${co.jobId}"`);
    expect(waiting).toBeGreaterThan(0);
    expect(job1).toBeGreaterThan(waiting);
    const waitingPart = html.slice(waiting, job1);
    expect(waitingPart).toContain('EST-0001');
    expect(waitingPart).toContain('EST-0002');
    expect(waitingPart).not.toContain('INV-0001');
    expect(waitingPart).toContain('Review and sign');
    // Issue 13: each document is listed once. A waiting one names its job; the rest are listed by job.
    for (const n of ['EST-0001', 'EST-0002', 'INV-0001'])
      expect(html.split(`Estimate ${n}<`).length - 1 + html.split(`Invoice ${n}<`).length - 1).toBe(1);
    expect(waitingPart).toContain('Kitchen remodel');
    expect(waitingPart).toContain('Bathroom refresh');
    const section = (start: number) => html.slice(start, html.indexOf('</section>', start));
    expect(section(job1)).toContain('Kitchen remodel');
    expect(section(job1)).toContain('INV-0001');
    expect(section(job1)).toContain('Paid');
    expect(section(job1)).not.toContain('EST-0001');
    expect(section(job1)).not.toContain('EST-0002');
    // Every document of the second job waits on the viewer: it has no section of its own below.
    expect(html).not.toContain(`href="/portal/jobs/${second.jobId}"`);
    expect(html).toContain(money((await sentSnapshot(est2)).totals.total));

    const jobPage = await browser.get(`/portal/jobs/${second.jobId}`);
    const jobHtml = await jobPage.text();
    expect(jobPage.status).toBe(200);
    expect(jobHtml).toContain('Bathroom refresh');
    expect(jobHtml).toContain('EST-0002');
    expect(jobHtml).not.toContain('EST-0001');
    expect(jobHtml).not.toContain('INV-0001');
    expect(jobHtml).not.toContain('PRO-0001');
  });

  it('every view is logged with time, IP and user agent; the first moves sent to viewed', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    expect(await statusOf(id)).toBe('sent');
    // Through Cloudflare's edge, which reports the client's address (a bare header would not be believed).
    const ua = { 'User-Agent': 'Mozilla/5.0 (iPhone) TestPhone/1.0' };
    const { browser } = await openLink(link, viaEdge('203.0.113.7', ua));
    await vi.waitFor(async () => expect(await statusOf(id)).toBe('viewed'));
    // Each device's view lands before the next load, as a person moving from phone to laptop and back would.
    await browser.fetch(`/portal/documents/${id}`, viaEdge('198.51.100.4', ua));
    await vi.waitFor(async () => expect(await activityFor(id, 'viewed')).toHaveLength(2));
    await browser.fetch(`/portal/documents/${id}`, viaEdge('203.0.113.7', ua));
    const views = await vi.waitFor(async () => {
      const rows = await activityFor(id, 'viewed');
      expect(rows).toHaveLength(3);
      return rows;
    });
    expect(views.map((v) => v.ip).sort()).toEqual(['198.51.100.4', '203.0.113.7', '203.0.113.7']);
    for (const v of views) {
      expect(v).toMatchObject({
        side: 'recipient',
        contactId: co.customerContact.id,
        actorName: co.customerContact.name,
        userAgent: ua['User-Agent'],
      });
      expect(v.createdAt).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(new Set(views.map((v) => v.seq)).size).toBe(3);
    expect(await statusOf(id)).toBe('viewed');
    // The portal shows where the document stands in the recipient's words, never the contractor's "Viewed".
    const again = await (await browser.get(`/portal/documents/${id}`)).text();
    expect(again).toContain('Awaiting your signature');
    expect(again).not.toMatch(/>Viewed</);
  });

  it('a reload from the same device within 10 minutes is the same view; later, or from another device, a new one', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const phone = viaEdge('203.0.113.7', { 'User-Agent': 'Mozilla/5.0 (iPhone) TestPhone/1.0' });
    const { browser } = await openLink(link, phone);
    await vi.waitFor(async () => expect(await activityFor(id, 'viewed')).toHaveLength(1));
    for (let i = 0; i < 3; i++) expect((await browser.fetch(`/portal/documents/${id}`, phone)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await activityFor(id, 'viewed')).toHaveLength(1);
    // The same address in another browser is another device.
    await browser.fetch(`/portal/documents/${id}`, viaEdge('203.0.113.7', { 'User-Agent': 'Desktop/2.0' }));
    await vi.waitFor(async () => expect(await activityFor(id, 'viewed')).toHaveLength(2));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 11 * 60_000);
      expect((await browser.fetch(`/portal/documents/${id}`, phone)).status).toBe(200);
      await vi.waitFor(async () => expect(await activityFor(id, 'viewed')).toHaveLength(3));
    } finally {
      vi.useRealTimers();
    }
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toMatch(new RegExp(`Viewed by ${co.customerContact.name} · 3 times · last `));
  });

  it('a view that moves the status is logged even from the same device soon after (a refund back to sent)', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser } = await openLink(link);
    await vi.waitFor(async () => expect(await statusOf(id)).toBe('viewed'));
    // As a full refund puts an invoice back: sent again, same version.
    await db().update(documents).set({ status: 'sent' }).where(eq(documents.id, id));
    const [a, b] = await Promise.all([browser.get(`/portal/documents/${id}`), browser.get(`/portal/documents/${id}`)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await vi.waitFor(async () => expect(await statusOf(id)).toBe('viewed'));
    await vi.waitFor(async () => expect(await activityFor(id, 'viewed')).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 300));
    expect(await activityFor(id, 'viewed')).toHaveLength(2);
  });

  it("the contractor's document page shows who viewed it, how often and when last", async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser } = await openLink(link);
    // From two more devices (a reload from the same device soon after is the same view).
    await browser.fetch(`/portal/documents/${id}`, viaEdge('198.51.100.7'));
    await browser.fetch(`/portal/documents/${id}`, viaEdge('198.51.100.8'));
    await vi.waitFor(async () => expect(await activityFor(id, 'viewed')).toHaveLength(3));
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toMatch(new RegExp(`Viewed by ${co.customerContact.name} · 3 times · last `));
  });

  it('an expired link offers a fresh one, mailed only to the address on file, answering the same either way, rate limited', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    const contact = co.customerContact;
    const expired = await signPortalToken(
      SECRET(),
      { contactId: contact.id, documentId: id, accessVersion: 1 },
      90,
      Date.now() - 91 * DAY,
    );
    const ip = viaEdge('192.0.2.41');

    const visitor = new Browser();
    const page = await visitor.fetch(`/p/${expired}`, ip);
    const html = await page.text();
    expect(page.status).toBe(403);
    expect(html).toContain('This link has expired');
    // Issue 13: in the company's branding, to the address on file, masked.
    expect(html).toContain('<span>Oak &amp; Stone Builders</span>');
    expect(html).toContain(`We can email you a new link at <strong>${contact.email[0]}•••@example.test</strong>`);
    expect(html).not.toContain(contact.email);
    expect(html).toContain('action="/p/fresh-link"');
    expect(html).not.toContain('EST-0001');
    expect(visitor.cookies.has('cp_portal')).toBe(false);

    const before = (await outboxFor(id)).length;
    const attacker = uniqueEmail('attacker');
    const asked = await visitor.post(
      '/p/fresh-link',
      { token: expired, email: attacker, to: attacker, toEmail: attacker },
      ip,
    );
    const answer = await asked.text();
    expect(asked.status).toBe(200);
    expect(answer).toContain(`We are emailing a new link to <strong>${contact.email[0]}•••@example.test</strong>`);
    expect(answer).not.toContain(attacker);

    // A link that is not ours gets the plain answer, the same whether or not anything could be sent.
    const stranger = new Browser();
    const garbage = await stranger.post(
      '/p/fresh-link',
      { token: 'not-a-token', email: attacker },
      viaEdge('192.0.2.42'),
    );
    expect(garbage.status).toBe(asked.status);
    const plain = normalized(await garbage.text());
    expect(plain).toContain('If this link came from us, a new one is on its way');
    expect(plain).not.toContain('Oak &amp; Stone');

    const mails = await outboxFor(id);
    expect(mails).toHaveLength(before + 1);
    const fresh = mails[mails.length - 1];
    expect(fresh.kind).toBe('fresh-link');
    expect(fresh.toEmail).toBe(contact.email);
    expect(fresh.subject).toBe('Estimate EST-0001 from Oak & Stone Builders');
    expect(await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, attacker) })).toBeUndefined();
    const requested = await activityFor(id, 'link_requested');
    expect(requested).toHaveLength(1);
    expect(requested[0].ip).toBe('192.0.2.41');

    // The fresh link works.
    const { page: opened, html: doc } = await openLink(linkIn(fresh.text));
    expect(opened.status).toBe(200);
    expect(doc).toContain('EST-0001');

    // Per document and contact: three an hour, then the same answer and no mail.
    for (let i = 0; i < 3; i++) {
      const res = await new Browser().post('/p/fresh-link', { token: expired }, viaEdge(`192.0.2.${50 + i}`));
      expect(res.status).toBe(200);
      expect(normalized(await res.text(), expired)).toBe(normalized(answer, expired));
    }
    expect(await outboxFor(id)).toHaveLength(before + 3);

    // Per IP: ten an hour, whatever the token.
    const other = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.electrical });
    await sendDocument(co.browser, other);
    const otherExpired = await signPortalToken(
      SECRET(),
      { contactId: contact.id, documentId: other, accessVersion: 1 },
      90,
      Date.now() - 91 * DAY,
    );
    const busy = viaEdge('192.0.2.99');
    for (let i = 0; i < 10; i++) await new Browser().post('/p/fresh-link', { token: `garbage-${i}` }, busy);
    const limited = await new Browser().post('/p/fresh-link', { token: otherExpired }, busy);
    expect(limited.status).toBe(200);
    expect(normalized(await limited.text(), otherExpired)).toBe(normalized(answer, expired));
    const garbageLimited = await new Browser().post('/p/fresh-link', { token: 'not-a-token' }, busy);
    expect(normalized(await garbageLimited.text())).toBe(plain);
    expect(await outboxFor(other)).toHaveLength(1);
  });

  it('revoking a contact kills every link and session of it at once, logs it, and a new send gives a working link', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const first = await sendDocument(co.browser, id);
    await co.browser.post(`/documents/${id}/resend`);
    const mails = await outboxFor(id);
    const second = linkIn(mails[1].text);
    const phone = await openLink(first.link);
    const laptop = await openLink(second);
    const bid = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
    const vendor = await openLink((await sendDocument(co.browser, bid)).link);
    expect((await phone.browser.get('/portal')).status).toBe(200);

    const res = await co.browser.post(`/accounts/${co.customerId}/contacts/${co.customerContact.id}/revoke`, {
      confirm: 'yes',
    });
    expect(res.status).toBe(303);
    expect(location(res)).toContain(`/accounts/${co.customerId}`);

    for (const session of [phone.browser, laptop.browser]) {
      expect((await session.get('/portal')).status).toBe(404);
      const gone = await session.get(`/portal/documents/${id}`);
      expect(gone.status).toBe(404);
      // Issue 13: the company's page saying the link was turned off; no new link offered, no address.
      const body = await gone.text();
      expect(body).toContain('<h1>This link no longer works</h1>');
      expect(body).not.toContain('action="/p/fresh-link"');
      expect(body).not.toContain('•••');
    }
    for (const link of [first.link, second]) {
      const again = new Browser();
      const opened = await again.get(link);
      expect(opened.status).toBe(403);
      expect(await opened.text()).toContain('This link no longer works');
      expect(again.cookies.has('cp_portal')).toBe(false);
    }
    // A revoked contact cannot mail themselves a fresh link either.
    const before = (await outboxFor(id)).length;
    await new Browser().post('/p/fresh-link', { token: tokenOf(first.link) }, viaEdge('192.0.2.77'));
    expect(await outboxFor(id)).toHaveLength(before);

    const logged = await db().query.activity.findMany({
      where: (a, { and, eq }) => and(eq(a.orgId, co.orgId), eq(a.action, 'link_revoked')),
    });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ side: 'contractor', userId: co.userId });
    expect(JSON.parse(logged[0].data!).contactId).toBe(co.customerContact.id);
    // Other contacts keep their access.
    expect((await vendor.browser.get('/portal')).status).toBe(200);

    // Sending (here: Resend) gives them a new, working link.
    await co.browser.post(`/documents/${id}/resend`);
    const latest = (await outboxFor(id)).at(-1)!;
    const { page } = await openLink(linkIn(latest.text));
    expect(page.status).toBe(200);
  });
});

describe('each document type in the portal', () => {
  it('an invoice shows the amount due, the payments and the payment instructions from settings', async () => {
    const co = await companyWithBudget();
    await saveSettings(co.browser, {
      paymentInstructions: 'Pay by check to Oak & Stone Builders, or ACH to account 000123.',
    });
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    const { mail, link } = await sendDocument(co.browser, id);
    const total = (await sentSnapshot(id)).totals.total;
    expect(mail.subject).toBe('Invoice INV-0001 from Oak & Stone Builders');
    expect(mail.text).toContain(`Amount due: ${money(total)}`);
    const paid = await co.browser.post(`/documents/${id}/payments`, {
      amount: '100.00',
      paidOn: '2026-02-03',
      method: 'ACH',
      reference: 'TX-77',
    });
    expect(paid.status).toBe(303);

    const { browser, html } = await openLink(link);
    expect(html).toContain('Amount due');
    expect(html).toContain(money(total - 10_000));
    expect(html).toContain('Payments');
    expect(html).toContain('ACH · TX-77');
    expect(html).toContain(money(10_000));
    expect(html).toContain('How to pay');
    expect(html).toContain('Pay by check to Oak &amp; Stone Builders, or ACH to account 000123.');
    const home = await (await browser.get('/portal')).text();
    expect(home).toContain('Amount due');
    expect(home).toContain(money(total - 10_000));
    // No online payment exists: the next step is reading how to pay (issue 13), never "Pay →".
    expect(home).toContain('See how to pay →');
    expect(home).not.toContain('Pay →');
  });

  it('a bid request shows quantities and asks for costs, with no prices or costs shown', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
    const { mail, link } = await sendDocument(co.browser, id);
    expect(mail.toEmail).toBe(co.vendorContact.email);
    expect(mail.subject).toBe('Bid Request BID-0001 from Oak & Stone Builders');
    expect(mail.text).not.toMatch(/\$\d/);
    expect(mail.text).toContain('Submit your bid');
    const { html } = await openLink(link);
    expect(html).toContain('Kitchen circuits');
    expect(html).toContain('Recessed lights — Zürich “LED”');
    expect(html).toContain('Your unit cost');
    // Each line is a block of the bid form (issue 13): its name, then its quantity and unit.
    const lines = html.slice(
      html.indexOf('data-bid-lines'),
      html.indexOf('</section>', html.indexOf('data-bid-lines')),
    );
    expect(lines).toMatch(/Recessed lights — Zürich “LED”<\/span> <span class="bid-qty">10 hr<\/span>/);
    expect(lines).toMatch(/Kitchen circuits<\/span> <span class="bid-qty">1 hr<\/span>/);
    expect(html).not.toMatch(/\$\d/);
    expect(html).not.toContain('4,200');
    expect(html).not.toContain('48.00');
  });

  it('page weight: the portal page of a 120-line estimate is under 30 KB gzipped', async () => {
    const co = await companyWithBudget();
    const jobId = await createJob(co.browser, 'Whole house renovation', co.customerId);
    const groups = [];
    for (const name of ['Site work', 'Framing', 'Electrical', 'Plumbing', 'Finishes', 'Exterior'])
      groups.push(await addGroup(co.browser, jobId, name));
    for (let i = 0; i < 120; i++) {
      await addItem(co.browser, jobId, groups[i % groups.length], {
        name: `Line item ${i + 1} — materials and labour`,
        quantity: String(1 + (i % 9)),
        unitCost: `${(i * 13.37 + 10).toFixed(2)}`,
      });
    }
    const id = await createDocument(co.browser, jobId, 'estimate', { all: '1' });
    const { link } = await sendDocument(co.browser, id);
    const { page, html } = await openLink(link);
    expect(page.status).toBe(200);
    expect((html.match(/Line item \d+ —/g) ?? []).length).toBe(120);
    const size = await gzipSize(html);
    console.log(`portal document page, 120-line estimate: ${html.length} bytes of HTML, ${size} bytes gzipped`);
    expect(size).toBeLessThan(30 * 1024);
  }, 120_000);
});
