import { describe, expect, it } from 'vitest';
import { money } from '../views/format';
import { contractSum } from '../src/documents/snapshot';
import { nextStepLabel, partiesLine, recipientStatus, shortDate, type StatusFacts } from '../src/portal/wording';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db, location } from './helpers';
import { pngDataUrl } from './hostile';
import { editDraft, formFields, openLink, sentSnapshot, statusOf } from './portal-fixtures';

// Issue 13, "Read first, then sign" and "Wording and confirmation": the portal document page reads
// summary → document → decision → conversation, statuses are the recipient's words, change orders
// state the contract's arithmetic, bills read from the vendor's side, home lists each document once.

const hashIn = (html: string) => /name="versionHash" value="([0-9a-f]{64})"/.exec(html)?.[1] ?? '';

/** The HTML of one region, from its opening tag to the next region (or the end). */
function region(html: string, id: string) {
  const start = html.indexOf(`id="${id}"`);
  expect(start, `region #${id}`).toBeGreaterThan(0);
  return html.slice(start);
}

/** Sends a document of `kind` to the vendor's account (bills, purchase orders) and opens its link. */
async function sentToVendor(co: Awaited<ReturnType<typeof companyWithBudget>>, kind: string) {
  const id = await createDocument(co.browser, co.jobId, kind, { group: co.groups.electrical });
  await editDraft(co.browser, id, (f) =>
    f.map(([k, v]) => [k, k === 'accountId' ? co.vendorId : k === 'contactId' ? co.vendorContact.id : v]),
  );
  const { link } = await sendDocument(co.browser, id);
  return { id, ...(await openLink(link)) };
}

/** Approves (typed signature, with consent) the document open in `r`'s portal session. */
async function approve(r: Browser, id: string) {
  const page = await (await r.get(`/portal/documents/${id}`)).text();
  const res = await r.post(`/portal/documents/${id}/sign`, {
    versionHash: hashIn(page),
    idempotencyKey: `k-${id}`,
    name: 'Dana Reyes',
    method: 'typed',
    consent: 'yes',
  });
  expect(res.status).toBe(303);
  expect(await statusOf(id)).toBe('approved');
}

describe('the recipient’s words (src/portal/wording.ts)', () => {
  const base: StatusFacts = {
    type: 'customer_order',
    status: 'sent',
    requireSignature: true,
    dueDate: '2026-12-28',
    today: '2026-12-01',
    timeZone: 'America/New_York',
    companyName: 'Oak & Stone Builders',
  };
  // 2026-12-02 15:00 UTC is Dec 2 in New York.
  const dec2 = Date.UTC(2026, 11, 2, 15);
  const cases: [Partial<StatusFacts>, string, string][] = [
    [{}, 'Awaiting your signature', 'waiting'],
    [{ status: 'viewed' }, 'Awaiting your signature', 'waiting'],
    [{ requireSignature: false }, 'Awaiting your approval', 'waiting'],
    [{ type: 'vendor_order', requireSignature: false }, 'Awaiting your acceptance', 'waiting'],
    [
      {
        status: 'approved',
        decision: { outcome: 'signed', signerName: 'Dana Reyes', signedAt: dec2, byYou: true },
      },
      'Signed by you on Dec 2',
      'done',
    ],
    [
      {
        status: 'approved',
        decision: { outcome: 'approved', signerName: 'Dana Reyes', signedAt: dec2, byYou: false },
      },
      'Approved by Dana Reyes on Dec 2',
      'done',
    ],
    [{ status: 'approved' }, 'Approved', 'done'],
    [{ status: 'declined' }, 'Declined', 'stop'],
    [
      {
        type: 'vendor_order',
        status: 'accepted',
        decision: { outcome: 'accepted', signerName: 'Sam', signedAt: dec2, byYou: true },
      },
      'Accepted by you on Dec 2',
      'done',
    ],
    [{ type: 'bid_request' }, 'Bids due Dec 28', 'waiting'],
    [{ type: 'bid_request', today: '2026-12-29' }, 'Bids closed Dec 28', 'stop'],
    [{ type: 'bid_request', dueDate: null }, 'Awaiting your bid', 'waiting'],
    [{ type: 'bid_request', status: 'submitted' }, 'Bid submitted', 'info'],
    [{ type: 'bid_request', status: 'rejected' }, 'Bid not accepted', 'stop'],
    [{ type: 'customer_invoice' }, 'Due Dec 28', 'waiting'],
    [{ type: 'customer_invoice', dueDate: '2027-01-15' }, 'Due Jan 15, 2027', 'waiting'],
    [{ type: 'customer_invoice', today: '2026-12-29' }, 'Overdue since Dec 28', 'stop'],
    [{ type: 'customer_invoice', dueDate: null }, 'Awaiting payment', 'waiting'],
    [{ type: 'customer_invoice', status: 'partially_paid' }, 'Partly paid · rest due Dec 28', 'waiting'],
    [{ type: 'customer_invoice', status: 'paid', today: '2027-03-01' }, 'Paid', 'done'],
    [{ type: 'customer_invoice', status: 'void' }, 'Void — no longer valid', 'stop'],
    [{ type: 'bill', status: 'received' }, 'Received by Oak & Stone Builders', 'info'],
    [{ type: 'bill', status: 'approved' }, 'Approved for payment by Oak & Stone Builders', 'info'],
    [{ type: 'bill', status: 'paid' }, 'Paid', 'done'],
  ];
  it.each(cases)('%o → %s', (facts, text, tone) => {
    expect(recipientStatus({ ...base, ...facts })).toEqual({ text, tone });
  });

  it('never says the contractor’s "Sent" or "Viewed"', () => {
    for (const type of ['customer_order', 'vendor_order', 'bid_request', 'customer_invoice'] as const)
      for (const status of ['sent', 'viewed'])
        for (const requireSignature of [true, false]) {
          const { text } = recipientStatus({ ...base, type, status, requireSignature });
          expect(text).not.toMatch(/\b(Sent|Viewed)\b/);
        }
  });

  it('names the next step without promising an online payment', () => {
    expect(nextStepLabel('customer_order', 'sent', true)).toBe('Review & sign');
    expect(nextStepLabel('customer_order', 'viewed', false)).toBe('Review & approve');
    expect(nextStepLabel('vendor_order', 'sent', false)).toBe('Accept');
    expect(nextStepLabel('vendor_order', 'sent', true)).toBe('Review & sign');
    expect(nextStepLabel('bid_request', 'viewed', false)).toBe('Submit bid');
    expect(nextStepLabel('customer_invoice', 'partially_paid', false)).toBe('How to pay');
    for (const [type, status] of [
      ['customer_order', 'approved'],
      ['bid_request', 'submitted'],
      ['customer_invoice', 'paid'],
      ['bill', 'received'],
    ] as const)
      expect(nextStepLabel(type, status, true)).toBeNull();
    expect(partiesLine('bill', 'Bill', 'Oak & Stone Builders')).toBe('Bill from you to Oak & Stone Builders');
    expect(partiesLine('vendor_order', 'Purchase Order', 'Oak & Stone Builders')).toBe(
      'Purchase Order from Oak & Stone Builders to you',
    );
    expect(shortDate('2026-02-03', '2026-12-01')).toBe('Feb 3');
    expect(shortDate('2025-02-03', '2026-12-01')).toBe('Feb 3, 2025');
  });

  it('adds up a change order’s contract', () => {
    expect(contractSum({ original: [1_000_00, 250_50], approvedChanges: [99_99] }, -50_00)).toEqual({
      original: 1_250_50,
      approvedChanges: 99_99,
      approvedCount: 1,
      change: -50_00,
      newTotal: 1_300_49,
    });
  });
});

describe('read first, then sign', () => {
  it('an estimate reads summary → document → decision → conversation; the summary has total, deposit, date, status, one action', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    await editDraft(co.browser, id, (f) =>
      f.map(([k, v]) => [k, k === 'depositKind' ? 'percent' : k === 'depositValue' ? '25' : v]),
    );
    const { link } = await sendDocument(co.browser, id);
    const s = await sentSnapshot(id);
    const { html } = await openLink(link);

    const at = (needle: string) => html.indexOf(needle);
    const summary = at('id="summary" data-region="summary"');
    const document = at('id="document" data-region="document"');
    const firstLine = at('Remove cabinets');
    const decide = at('id="decide" data-region="decide"');
    const sign = at('id="sign"');
    const conversation = at('id="thread-h"');
    expect(summary).toBeGreaterThan(0);
    expect(document).toBeGreaterThan(summary);
    expect(firstLine).toBeGreaterThan(document);
    expect(decide).toBeGreaterThan(firstLine);
    expect(sign).toBeGreaterThan(decide);
    expect(conversation).toBeGreaterThan(sign);

    const head = html.slice(summary, document);
    expect(s.totals.deposit).toBeGreaterThan(0);
    expect(head).toContain('Estimate EST-0001');
    expect(head).toContain('Estimate from Oak &amp; Stone Builders to you');
    expect(head).toContain('<dt>Total</dt>');
    expect(head).toContain(money(s.totals.total));
    expect(head).toContain('Deposit due on approval');
    expect(head).toContain(money(s.totals.deposit));
    expect(head).toContain('Valid until');
    expect(head).toMatch(/<dd>[A-Z][a-z]{2} \d{1,2}, \d{4}<\/dd>/);
    expect(head).toContain('Awaiting your signature');
    expect(head).not.toMatch(/>(Sent|Viewed)</);
    expect(head.match(/href="#decide"/g)).toHaveLength(1);
    expect(head).toContain('>Review &amp; sign</a>');
    // The phone's bar jumps to the decision too, and sits just before it.
    expect(html.slice(firstLine, decide)).toMatch(/class="decide-bar"><a class="btn primary big" href="#decide">/);

    // Consent: one checkbox, the disclosure behind "Read the consent".
    const form = region(html, 'sign');
    expect(form.match(/type="checkbox"/g)).toHaveLength(1);
    expect(form).toMatch(/<input type="checkbox" id="consent" name="consent" value="yes" required\/?>/);
    expect(form).toMatch(/<details><summary>Read the consent<\/summary><p class="small">You agree that Oak/);
    // The small print names this version, now above the form.
    expect(form).toContain('this version of Estimate EST-0001 (rev 1), shown above');
    expect(html).not.toContain('version shown above');
    // The forms post to the document's own address with their intent.
    expect(form).toContain(`action="/portal/documents/${id}#sign"`);
    expect(form).toContain('name="intent" value="sign"');
    expect(form).toContain(`action="/portal/documents/${id}#decline"`);
  });

  it("the contractor's attachments are listed in the document; the recipient's own stay in Files", async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const form = new FormData();
    form.append(
      'files',
      new File([new TextEncoder().encode('%PDF-1.4 plans')], 'kitchen-plan.pdf', { type: 'application/pdf' }),
    );
    expect((await co.browser.postMultipart(`/documents/${id}/files`, form)).status).toBe(303);
    const { browser: r } = await openLink(link);
    const mine = new FormData();
    mine.append('files', new File([new TextEncoder().encode('photo')], 'my-wall.txt', { type: 'text/plain' }));
    await r.postMultipart(`/portal/documents/${id}/files?_csrf=${r.cookies.get('cp_csrf')}`, mine);
    const page = await (await r.get(`/portal/documents/${id}`)).text();
    const article = page.slice(page.indexOf('id="document"'), page.indexOf('id="decide"'));
    expect(article).toContain('Attached by Oak &amp; Stone Builders');
    const file = await db().query.files.findFirst({ where: (f, { eq }) => eq(f.name, 'kitchen-plan.pdf') });
    expect(article).toContain(`href="/portal/documents/${id}/files/${file!.id}" download>kitchen-plan.pdf</a> <span`);
    expect(article).not.toContain('my-wall.txt');
    const download = await r.get(`/portal/documents/${id}/files/${file!.id}`);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('%PDF-1.4 plans');
  });

  it('an invoice puts the amount due and How to pay first; nothing offers to "Pay"', async () => {
    const co = await companyWithBudget();
    const settings = await (await co.browser.get('/settings')).text();
    const fields = Object.fromEntries(formFields(settings, '/settings').filter(([k]) => k !== '_csrf'));
    await co.browser.post('/settings', { ...fields, paymentInstructions: 'Zelle to pay@oakstone.test' });
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const s = await sentSnapshot(id);
    const { browser, html } = await openLink(link);
    const head = html.slice(html.indexOf('id="summary"'), html.indexOf('id="document"'));
    const due = head.indexOf('Amount due');
    expect(due).toBeGreaterThan(0);
    expect(head.indexOf(money(s.totals.total))).toBeGreaterThan(due);
    expect(head.indexOf('How to pay')).toBeGreaterThan(due);
    expect(head).toContain('Zelle to pay@oakstone.test');
    expect(head).toMatch(/Due [A-Z][a-z]{2} \d{1,2}/);
    // The instructions are right there: no button in the summary, the phone's bar leads to them at #decide.
    expect(head).not.toContain('href="#decide"');
    expect(html).toContain('class="decide-bar"><a class="btn primary big" href="#decide">How to pay</a>');
    expect(region(html, 'decide')).toContain('Zelle to pay@oakstone.test');
    expect(html).not.toMatch(/>Pay\b/);
    const home = await (await browser.get('/portal')).text();
    expect(home).toContain('See how to pay →');
    expect(home).not.toMatch(/>Pay\b/);
  });

  it('a bill reads from the vendor’s side; a purchase order from the company to the vendor', async () => {
    const co = await companyWithBudget();
    const bill = await sentToVendor(co, 'bill');
    expect(bill.page.status).toBe(200);
    expect(bill.html).toContain('Bill from you to Oak &amp; Stone Builders');
    expect(bill.html).toContain('Received by Oak &amp; Stone Builders');
    expect(bill.html).not.toContain('Prepared for');
    expect(bill.html).not.toContain('Prepared by');
    const facts = bill.html.slice(bill.html.indexOf('<dl class="facts">'));
    expect(facts.indexOf('Summit Electric')).toBeLessThan(facts.indexOf('<dt>To</dt>'));
    expect(facts.indexOf('Oak &amp; Stone Builders')).toBeGreaterThan(facts.indexOf('<dt>To</dt>'));
    expect(bill.html).toContain('Payments to you');

    const po = await sentToVendor(co, 'purchase_order');
    expect(po.html).toContain('Purchase Order from Oak &amp; Stone Builders to you');
    expect(po.html).toContain('Awaiting your signature');
    const poFacts = po.html.slice(po.html.indexOf('<dl class="facts">'));
    expect(poFacts.indexOf('Oak &amp; Stone Builders')).toBeLessThan(poFacts.indexOf('<dt>To</dt>'));
  });
});

/** A w×h PNG with one dark stroke across it, as a data URL: a drawn signature the route accepts. */
async function drawing(w = 300, h = 100) {
  const raw = new Uint8Array(h * (1 + w * 4));
  for (let x = 4; x < w - 4; x++) raw.set([17, 24, 39, 255], Math.floor(h / 2) * (1 + w * 4) + 1 + x * 4);
  const stream = new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'));
  return pngDataUrl(w, h, new Uint8Array(await new Response(stream).arrayBuffer()));
}

describe('a refused sign keeps the drawing', () => {
  it('the sign form comes back with the drawn signature in its field and "Draw it" chosen', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser: r, html } = await openLink(link);
    const signature = await drawing();
    const fields = Object.fromEntries(formFields(html, `/portal/documents/${id}#sign`).filter(([k]) => k !== '_csrf'));
    // No consent: refused, nothing signed, the drawing handed back.
    const res = await r.post(`/portal/documents/${id}`, {
      ...fields,
      method: 'drawn',
      signature,
      name: 'Dana Q. Reyes',
    });
    expect(res.status).toBe(422);
    const page = await res.text();
    const form = region(page, 'sign-h');
    expect(form).toContain(`<input type="hidden" name="signature" value="${signature}" data-signature-data`);
    expect(form).toMatch(/<input type="radio" name="method" value="drawn" checked/);
    expect(form).toContain('data-method="drawn"');
    expect(form).toContain('value="Dana Q. Reyes"');
    expect(form).toMatch(/<p class="form-summary"[^>]* role="alert" tabindex="-1" data-focus-error[^>]*>/);
    expect(await statusOf(id)).not.toBe('approved');
    // A first visit carries no drawing.
    const fresh = await (await r.get(`/portal/documents/${id}`)).text();
    expect(region(fresh, 'sign-h')).toContain('<input type="hidden" name="signature" value data-signature-data');
  });
});

describe('change orders state the contract', () => {
  it('original contract + approved changes + this change = new contract total, as sent, on the page and in the snapshot', async () => {
    const co = await companyWithBudget();
    const est = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const estSent = await sendDocument(co.browser, est);
    const { browser: r } = await openLink(estSent.link);
    await approve(r, est);
    const original = (await sentSnapshot(est)).totals.total;

    // An estimate that is only sent, not approved, is not part of the contract.
    const pending = await createDocument(co.browser, co.jobId, 'proposal', { group: co.groups.electrical });
    await sendDocument(co.browser, pending);

    const co1 = await createDocument(co.browser, co.jobId, 'change_order', { group: co.groups.electrical });
    await sendDocument(co.browser, co1);
    const first = await sentSnapshot(co1);
    expect(first.contract).toEqual({
      original,
      approvedChanges: 0,
      approvedCount: 0,
      change: first.totals.total,
      newTotal: original + first.totals.total,
    });
    await approve(r, co1);

    const co2 = await createDocument(co.browser, co.jobId, 'change_order', { group: co.groups.demolition });
    await sendDocument(co.browser, co2);
    const second = await sentSnapshot(co2);
    expect(second.contract).toEqual({
      original,
      approvedChanges: first.totals.total,
      approvedCount: 1,
      change: second.totals.total,
      newTotal: original + first.totals.total + second.totals.total,
    });

    const html = await (await r.get(`/portal/documents/${co2}`)).text();
    const head = html.slice(html.indexOf('id="summary"'), html.indexOf('id="document"'));
    expect(head).toContain('New contract total');
    expect(head).toContain(money(second.contract!.newTotal));
    const sum = html.slice(html.indexOf('class="totals-table contract-sum"'));
    const row = (label: string, cents: number) =>
      expect(sum).toMatch(new RegExp(`${label}</th>\\s*<td class="num">${money(cents).replace(/[$.]/g, '\\$&')}<`));
    row('Original contract', original);
    row('Approved change orders \\(1\\)', first.totals.total);
    row('This change order', second.totals.total);
    row('New contract total', second.contract!.newTotal);
    // The contractor's own page of the sent change order states the same contract.
    const desk = await (await co.browser.get(`/documents/${co2}`)).text();
    const deskSum = desk.slice(desk.indexOf('class="totals-table contract-sum"'));
    expect(deskSum).toContain('New contract total');
    expect(deskSum).toContain(money(second.contract!.newTotal));
    // Its PDF renders with the arithmetic.
    const pdf = await r.get(`/portal/documents/${co2}.pdf`);
    expect(pdf.status).toBe(200);
    await pdf.arrayBuffer();
    // An estimate carries no contract arithmetic.
    expect((await sentSnapshot(est)).contract).toBeUndefined();
  });

  it('a change order on a job with no approved estimate or proposal states no contract (never "Original contract $0.00")', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'change_order', { group: co.groups.electrical });
    const { link } = await sendDocument(co.browser, id);
    expect((await sentSnapshot(id)).contract).toBeUndefined();
    const html = await (await (await openLink(link)).browser.get(`/portal/documents/${id}`)).text();
    expect(html).not.toContain('Original contract');
    expect(html).not.toContain('New contract total');
  });

  it("another company's approved work never counts; a foreign org cannot send it; two sends at once make one", async () => {
    const co = await companyWithBudget();
    const other = await companyWithBudget({ company: 'Elsewhere Remodeling' });
    const theirs = await createDocument(other.browser, other.jobId, 'estimate', { group: other.groups.demolition });
    const { link } = await sendDocument(other.browser, theirs);
    await approve((await openLink(link)).browser, theirs);

    const id = await createDocument(co.browser, co.jobId, 'change_order', { group: co.groups.electrical });
    const form = await (await co.browser.get(`/documents/${id}/send`)).text();
    const fields = {
      name: /name="name"[^>]*value="([^"]*)"/.exec(form)?.[1] ?? '',
      email: /name="email"[^>]*value="([^"]*)"/.exec(form)?.[1] ?? '',
      message: '',
    };
    expect((await other.browser.post(`/documents/${id}/send`, fields)).status).toBe(404);
    const bad = await co.browser.post(`/documents/${id}/send`, { ...fields, email: 'not an address' });
    expect(bad.status).toBe(422);
    const answers = await Promise.all([1, 2].map(() => co.browser.post(`/documents/${id}/send`, fields)));
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    const s = await sentSnapshot(id);
    // The other company's approved estimate would have made a contract here; this job has none.
    expect(s.contract).toBeUndefined();
  });
});

describe('portal home and job page', () => {
  it('lists each document once: waiting first (with its job), then the rest by job, each with its next step', async () => {
    const co = await companyWithBudget();
    const est = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const inv = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.electrical });
    const done = await createDocument(co.browser, co.jobId, 'proposal', { group: co.groups.electrical });
    const { link } = await sendDocument(co.browser, est);
    await sendDocument(co.browser, inv);
    await sendDocument(co.browser, done);
    const { browser } = await openLink(link);
    await approve(browser, done);

    const home = await (await browser.get('/portal')).text();
    for (const n of ['EST-0001', 'INV-0001', 'PRO-0001'])
      expect(home.match(new RegExp(`>[A-Za-z ]+ ${n}<`, 'g')), n).toHaveLength(1);
    const waiting = home.indexOf('id="waiting-h"');
    const job = home.indexOf(`href="/portal/jobs/${co.jobId}"`);
    expect(waiting).toBeGreaterThan(0);
    expect(job).toBeGreaterThan(waiting);
    const waitingPart = home.slice(waiting, job);
    expect(waitingPart).toContain('EST-0001');
    expect(waitingPart).toContain('Awaiting your signature');
    expect(waitingPart).toContain('Review and sign →');
    expect(waitingPart).toContain('INV-0001');
    expect(waitingPart).toContain('See how to pay →');
    expect(waitingPart).toContain('Kitchen remodel');
    const rest = home.slice(job);
    expect(rest).toContain('PRO-0001');
    expect(rest).toMatch(/Signed by you on [A-Z][a-z]{2} \d{1,2}/);
    expect(home).not.toMatch(/>(Sent|Viewed)</);
    expect(home).not.toContain('Pay →');

    const jobPage = await (await browser.get(`/portal/jobs/${co.jobId}`)).text();
    for (const n of ['EST-0001', 'INV-0001', 'PRO-0001'])
      expect(jobPage.match(new RegExp(`>[A-Za-z ]+ ${n}<`, 'g')), n).toHaveLength(1);
    expect(jobPage.indexOf('EST-0001')).toBeLessThan(jobPage.indexOf('Other documents'));
    expect(jobPage.indexOf('PRO-0001')).toBeGreaterThan(jobPage.indexOf('Other documents'));
  });
});

describe('decline asks first', () => {
  it('a decline without confirm=yes asks "Decline …?" with the reason; Yes, decline declines; Keep it open leaves it', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser: r, html } = await openLink(link);
    const first = formFields(html, `/portal/documents/${id}#decline`).filter(([k]) => k !== '_csrf');
    const posted = Object.fromEntries(first.map(([k, v]) => [k, k === 'reason' ? 'Too dear for now' : v]));
    expect(posted.intent).toBe('decline');
    const ask = await r.post(`/portal/documents/${id}`, posted);
    expect(ask.status).toBe(200);
    const page = await ask.text();
    expect(await statusOf(id)).not.toBe('declined');
    const box = region(page, 'decline');
    expect(box).toContain('Decline Estimate EST-0001?');
    expect(box).toContain('Oak &amp; Stone Builders will be told');
    expect(box).toContain('Too dear for now');
    expect(box).toContain(`href="/portal/documents/${id}?#decide"`);
    expect(box).toContain('Keep it open');
    expect(page.indexOf('id="decline"')).toBeGreaterThan(page.indexOf('id="decide"'));

    const confirm = Object.fromEntries(
      formFields(page, `/portal/documents/${id}#decline`).filter(([k]) => k !== '_csrf'),
    );
    expect(confirm).toMatchObject({ intent: 'decline', confirm: 'yes', reason: 'Too dear for now' });
    const done = await r.post(`/portal/documents/${id}`, confirm);
    expect(done.status).toBe(303);
    expect(location(done)).toContain(`/portal/documents/${id}`);
    expect(await statusOf(id)).toBe('declined');
    const after = await (await r.get(`/portal/documents/${id}`)).text();
    expect(after).toMatch(/Declined by you on [A-Z][a-z]{2} \d{1,2}/);
  });
  it('never asks about a version the recipient was not shown, nor about a document already decided (409)', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser: r, html } = await openLink(link);
    const posted = Object.fromEntries(
      formFields(html, `/portal/documents/${id}#decline`).filter(([k]) => k !== '_csrf'),
    );
    // The contractor sends rev 2 while the rev 1 page is open: "Decline" on rev 1 is not asked about.
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'title' ? 'Kitchen, revised' : v]));
    await sendDocument(co.browser, id);
    const stale = await r.post(`/portal/documents/${id}`, posted);
    expect(stale.status).toBe(409);
    const stalePage = await stale.text();
    expect(stalePage).toContain('This document was revised; please review the new version.');
    expect(stalePage).not.toContain('name="confirm"');
    // A "Yes, decline" made on rev 1 (two at once) declines nothing either.
    const yes = await Promise.all([1, 2].map(() => r.post(`/portal/documents/${id}`, { ...posted, confirm: 'yes' })));
    expect(yes.map((x) => x.status)).toEqual([409, 409]);
    expect(await statusOf(id)).not.toBe('declined');

    // On the current version: asked, confirmed; asking again after the decision says it is decided.
    const current = Object.fromEntries(
      formFields(await (await r.get(`/portal/documents/${id}`)).text(), `/portal/documents/${id}#decline`).filter(
        ([k]) => k !== '_csrf',
      ),
    );
    expect((await r.post(`/portal/documents/${id}`, current)).status).toBe(200);
    expect((await r.post(`/portal/documents/${id}`, { ...current, confirm: 'yes' })).status).toBe(303);
    const again = await r.post(`/portal/documents/${id}`, current);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('no longer awaiting your decision');
    // A stranger's post asks nothing and declines nothing.
    expect((await new Browser().post(`/portal/documents/${id}`, current)).status).toBe(404);
  });
});
