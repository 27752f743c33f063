import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activity, documents, documentVersions, orgs, orgTerms, outbox, signatures } from '../src/db/schema';
import { dateTime } from '../views/format';
import { Browser, db, location, signUp } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { fieldError, inputValue, unescape } from './pages';
import { formFields } from './portal-fixtures';

// Issue 14, "never send what you didn't mean to": Send saves the editor first, a new draft asks for
// a specific title, each document type has its own default terms, and emails write dates like pages.

let co: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget();
});

/** The editor's fields as the browser would submit them, grouped by name, with `change` applied. */
async function editorFields(browser: Browser, id: string, change: Record<string, string> = {}) {
  const page = await (await browser.get(`/documents/${id}`)).text();
  const grouped: Record<string, string[]> = {};
  for (const [k, v] of formFields(page, `/documents/${id}`)) if (k !== '_csrf') (grouped[k] ??= []).push(v);
  for (const [k, v] of Object.entries(change)) grouped[k] = [v];
  return grouped;
}

const versionOf = async (id: string) =>
  (await db().query.documentVersions.findFirst({ where: eq(documentVersions.documentId, id) }))!;
const mailsOf = (id: string) => db().select().from(outbox).where(eq(outbox.documentId, id));

describe('Send saves the draft first', () => {
  it('the editor’s Send is a submit button of its form, and the editor loads the unsaved-changes warning', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toMatch(
      /<form[^>]*id="editor"[^>]*action="\/documents\/[a-z0-9]+"|<form[^>]*action="[^"]*"[^>]*id="editor"/,
    );
    expect(page).toMatch(/<button[^>]*form="editor"[^>]*name="then"[^>]*value="send"[^>]*>Send to Customer<\/button>/);
    expect(page).not.toContain(`href="/documents/${id}/send"`);
    expect(page).toContain('src="/unsaved.js"');
  });

  it('one post saves the edited title and lines, then the send page shows what was saved', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const fields = await editorFields(co.browser, id, { title: 'Kitchen — revised numbers', then: 'send' });
    // Keep one item line, priced so the total is known: 2 × $100.00, not taxable.
    const items = co.items.filter((i) => i.name !== 'Dumpster').map((i) => i.name);
    const lines = await db().query.documentLines.findMany({ where: (t, { eq }) => eq(t.documentId, id) });
    for (const l of lines) {
      if (l.kind === 'item' && items.includes(l.name)) fields[`remove.${l.id}`] = ['1'];
      if (l.name === 'Dumpster') {
        fields[`quantity.${l.id}`] = ['2'];
        fields[`amount.${l.id}`] = ['100.00'];
        delete fields[`taxable.${l.id}`];
      }
    }
    const res = await co.browser.post(`/documents/${id}`, fields);
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`/documents/${id}/send`);
    expect((await versionOf(id)).title).toBe('Kitchen — revised numbers');
    const send = await co.browser.get(`/documents/${id}/send`);
    expect(send.status).toBe(200);
    const body = unescape(await send.text());
    expect(body).toMatch(/<dt>Title<\/dt><dd>Kitchen — revised numbers<\/dd>/);
    expect(body).toMatch(/<dt>Total<\/dt><dd>\$200\.00<\/dd>/);
    expect(body).toMatch(/<dt>Lines<\/dt><dd>1 line<\/dd>/);
    expect(await mailsOf(id)).toHaveLength(0); // nothing is sent before the send page's own button
  });

  it('a refused save shows the editor again with its message, and nothing is saved or sent', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const before = (await versionOf(id)).title;
    const fields = await editorFields(co.browser, id, { title: '   ', number: 'EST-9999', then: 'send' });
    const res = await co.browser.post(`/documents/${id}`, fields);
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(fieldError(body, 'title')).toMatch(/Title/);
    expect(inputValue(body, 'number')).toBe('EST-9999');
    expect((await versionOf(id)).title).toBe(before);
    const doc = await db().query.documents.findFirst({ where: eq(documents.id, id) });
    expect(doc).toMatchObject({ status: 'draft', sentVersion: null });
    expect(doc!.number).not.toBe('EST-9999');
    expect(await mailsOf(id)).toHaveLength(0);
  });

  it('answers no session with 401 (sign in again) and another company’s draft with 404, changing nothing', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const fields = await editorFields(co.browser, id, { title: 'Not theirs', then: 'send' });
    const res = await new Browser().post(`/documents/${id}`, fields);
    expect(res.status).toBe(401); // the app's answer to a post without a session: sign in again
    const other = await signUp();
    expect((await other.browser.post(`/documents/${id}`, fields)).status).toBe(404);
    expect((await versionOf(id)).title).not.toBe('Not theirs');
  });

  it('two identical Send clicks save once and send nothing', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const fields = await editorFields(co.browser, id, { title: 'Twice clicked', then: 'send' });
    const answers = await Promise.all([1, 2, 3].map(() => co.browser.post(`/documents/${id}`, fields)));
    for (const a of answers) {
      expect(a.status).toBe(303);
      expect(location(a)).toBe(`/documents/${id}/send`);
    }
    expect((await versionOf(id)).title).toBe('Twice clicked');
    const lines = await db().query.documentLines.findMany({ where: (t, { eq }) => eq(t.documentId, id) });
    expect(lines).toHaveLength(6); // two headings and four items, never doubled
    // One edit on the timeline: a save that changes nothing (the second and third click) writes nothing.
    expect(await db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'edited')))).toBe(1);
    const doc = await db().query.documents.findFirst({ where: eq(documents.id, id) });
    expect(doc).toMatchObject({ status: 'draft', sentVersion: null });
    expect(await mailsOf(id)).toHaveLength(0);
  });
});

describe('a new draft asks for a specific title', () => {
  it('the item step has a labelled title field prefilled with the job and the kind, and uses what is typed', async () => {
    const page = await (await co.browser.get(`/jobs/${co.jobId}/documents/new?kind=change_order`)).text();
    expect(page).toMatch(/<label[^>]*for="f-title"[^>]*>Title/);
    expect(inputValue(page, 'title')).toBe('Kitchen remodel — change order');
    expect(page).toContain('src="/draft-title.js"');
    const id = await createDocument(co.browser, co.jobId, 'change_order', {
      group: co.groups.electrical,
      item: co.items.filter((i) => i.groupId === co.groups.electrical).map((i) => i.id),
      title: '  Kitchen lighting upgrade  ',
    });
    expect((await versionOf(id)).title).toBe('Kitchen lighting upgrade');
  });

  it('without a title field, names the draft after the chosen groups and the kind, never the bare job name', async () => {
    const one = await createDocument(co.browser, co.jobId, 'estimate', {
      item: co.items.filter((i) => i.groupId === co.groups.demolition).map((i) => i.id),
    });
    expect((await versionOf(one)).title).toBe('Demolition — estimate');
    const both = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
    expect((await versionOf(both)).title).toBe('Demolition and Electrical — invoice');
  });

  it('refuses a blank or too long title with 422, keeping the choice and what was typed, and creates nothing', async () => {
    const count = () => db().$count(documents, eq(documents.orgId, co.orgId));
    const before = await count();
    const demolition = co.items.filter((i) => i.groupId === co.groups.demolition).map((i) => i.id);
    const blank = await co.browser.post(`/jobs/${co.jobId}/documents`, {
      kind: 'estimate',
      item: demolition,
      title: ' ',
    });
    expect(blank.status).toBe(422);
    const blankBody = await blank.text();
    expect(blankBody).toContain('Give the estimate a title');
    for (const item of demolition) expect(blankBody).toMatch(new RegExp(`value="${item}"[^>]*checked`));
    const long = 'Kitchen '.repeat(30);
    const tooLong = await co.browser.post(`/jobs/${co.jobId}/documents`, {
      kind: 'estimate',
      item: demolition,
      title: long,
    });
    expect(tooLong.status).toBe(422);
    const longBody = await tooLong.text();
    expect(longBody).toContain('at most 200 characters');
    expect(inputValue(longBody, 'title')).toBe(long);
    expect(await count()).toBe(before);
  });

  it('answers no session with 401 (sign in again) and another company’s job with 404', async () => {
    const fields = { kind: 'estimate', all: '1', title: 'Not theirs' };
    expect((await new Browser().post(`/jobs/${co.jobId}/documents`, fields)).status).toBe(401);
    const other = await signUp();
    expect((await other.browser.post(`/jobs/${co.jobId}/documents`, fields)).status).toBe(404);
    expect(await db().$count(documentVersions, eq(documentVersions.title, 'Not theirs'))).toBe(0);
  });

  it('the same item form posted twice at once (or again later) makes one draft', async () => {
    const page = await (await co.browser.get(`/jobs/${co.jobId}/documents/new?kind=proposal`)).text();
    const requestKey = inputValue(page, 'requestKey')!;
    expect(requestKey).toMatch(/^[a-z0-9]{16,40}$/);
    const count = () => db().$count(documents, eq(documents.orgId, co.orgId));
    const before = await count();
    const fields = { kind: 'proposal', all: '1', title: 'Both at once', requestKey };
    const answers = await Promise.all([1, 2, 3].map(() => co.browser.post(`/jobs/${co.jobId}/documents`, fields)));
    expect(answers.map((a) => a.status)).toEqual([303, 303, 303]);
    const ids = new Set(answers.map((a) => location(a).split('/documents/')[1]));
    expect(ids.size).toBe(1);
    expect(await count()).toBe(before + 1);
    const again = await co.browser.post(`/jobs/${co.jobId}/documents`, fields);
    expect(location(again)).toBe(`/documents/${[...ids][0]}`);
    expect(await count()).toBe(before + 1);
    expect((await versionOf([...ids][0])).title).toBe('Both at once');
  });
});

const TERMS = {
  estimate: 'A 30% deposit is due at signing.',
  customer_invoice: 'Pay within 15 days by check or ACH.',
  purchase_order: 'Deliver to 14 Elm Street before 8 AM.',
  bid_request: 'Bids hold for 60 days.',
};

/** Issue 20: a kind's terms are its default template's (Settings → Templates; test/templates.test.ts). */
async function defaultTemplate(browser: Browser, kind: string, terms: string) {
  const res = await browser.post('/settings/templates', {
    kind,
    name: 'Standard',
    terms,
    displayMode: 'itemized',
    showUnitPrices: 'on',
    showQuantities: 'on',
    showLineTotals: 'on',
    depositKind: 'none',
    reminders: 'company',
    isDefault: 'on',
  });
  expect(res.status).toBe(303);
}

describe('default terms per document type', () => {
  it('each type’s draft starts with its own default template’s terms', async () => {
    const c = await companyWithBudget();
    for (const [kind, terms] of Object.entries(TERMS)) await defaultTemplate(c.browser, kind, terms);
    const estimate = await createDocument(c.browser, c.jobId, 'estimate', { all: '1' });
    const invoice = await createDocument(c.browser, c.jobId, 'customer_invoice', { all: '1' });
    const po = await createDocument(c.browser, c.jobId, 'purchase_order', { group: c.groups.electrical });
    const bid = await createDocument(c.browser, c.jobId, 'bid_request', { all: '1' });
    expect((await versionOf(estimate)).terms).toBe(TERMS.estimate);
    expect((await versionOf(invoice)).terms).toBe(TERMS.customer_invoice);
    expect((await versionOf(po)).terms).toBe(TERMS.purchase_order);
    expect((await versionOf(bid)).terms).toBe(TERMS.bid_request);
  });

  it('a new company’s invoices, orders and bills never carry the estimate’s deposit terms', async () => {
    const c = await companyWithBudget();
    for (const kind of ['customer_invoice', 'purchase_order', 'bill']) {
      const id = await createDocument(c.browser, c.jobId, kind, { group: c.groups.electrical });
      const terms = (await versionOf(id)).terms;
      expect(terms, kind).not.toBe('');
      expect(terms, kind).not.toMatch(/deposit/i);
    }
  });

  it('Settings no longer writes per-kind terms (org_terms): a save leaves it empty', async () => {
    const { browser, orgId } = await signUp();
    const page = await (await browser.get('/settings')).text();
    const fields = Object.fromEntries(formFields(page, '/settings').filter(([k]) => k !== '_csrf'));
    expect((await browser.post('/settings', { ...fields, 'terms.estimate': 'Old way' })).status).toBe(303);
    expect(await db().$count(orgTerms, eq(orgTerms.orgId, orgId))).toBe(0);
  });
});

describe('dates in emails are written like on the page, in the company’s time zone', () => {
  it('a valid-until date shows as “Dec 28, 2026” in the email text and HTML', async () => {
    const c = await companyWithBudget();
    await db().update(orgs).set({ timeZone: 'America/Los_Angeles' }).where(eq(orgs.id, c.orgId));
    const id = await createDocument(c.browser, c.jobId, 'estimate', { all: '1' });
    const fields = await editorFields(c.browser, id, { dueDate: '2026-12-28' });
    expect((await c.browser.post(`/documents/${id}`, fields)).status).toBe(303);
    const { mail } = await sendDocument(c.browser, id);
    expect(mail.text).toContain('Valid until: Dec 28, 2026');
    expect(mail.html).toContain('Dec 28, 2026');
    expect(mail.text + mail.html).not.toContain('2026-12-28');
  });

  it('the signed notice names the moment in the company’s time zone, not the server’s', async () => {
    const c = await companyWithBudget();
    await db().update(orgs).set({ timeZone: 'America/Los_Angeles' }).where(eq(orgs.id, c.orgId));
    const id = await createDocument(c.browser, c.jobId, 'estimate', { all: '1' });
    const { link } = await sendDocument(c.browser, id);
    const r = new Browser();
    await r.get(link);
    const page = await (await r.get(`/portal/documents/${id}`)).text();
    const versionHash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    const signed = await r.post(`/portal/documents/${id}/sign`, {
      versionHash,
      idempotencyKey: 'k-mail-date-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(signed.status).toBe(303);
    await expect
      .poll(
        async () =>
          (
            await db()
              .select()
              .from(outbox)
              .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'signed')))
          ).length,
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThan(0);
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    const [mail] = await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'signed')));
    const when = dateTime(sig.signedAt, 'America/Los_Angeles');
    expect(mail.text).toContain(`on ${when}.`);
    expect(mail.html).toContain(when);
    expect(mail.text).not.toContain('GMT');
  });
});
