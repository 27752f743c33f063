import { env } from 'cloudflare:workers';
import { asc, eq, sql } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentTotals, lineTotal } from '../src/budget/totals';
import {
  activity,
  costGroups,
  costItems,
  documentLines,
  documents,
  documentVersions,
  payments,
} from '../src/db/schema';
import { KINDS, kindKey } from '../src/documents/kinds';
import { calendarDate, centsInput, money } from '../views/format';
import { type Browser, createJob, db, location } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { fieldError, inputValue, selectedOption, unescape } from './pages';

type Company = Awaited<ReturnType<typeof companyWithBudget>>;
type Fields = Record<string, string | string[]>;

/** The page as a person reads it: tags dropped, entities decoded, whitespace collapsed. */
const visibleText = (body: string) => unescape(body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.replace(/^<\w+/, '').matchAll(/([\w.:-]+)(?:="([^"]*)")?/g)) out[m[1]] = unescape(m[2] ?? '');
  return out;
}

/** The fields the editor form of a document would submit, in page order, as a browser submits them. */
function formFields(body: string, action: string): [string, string][] {
  const form = new RegExp(`<form[^>]*action="${action.replace(/[.?]/g, '\\$&')}"[^>]*>([\\s\\S]*?)</form>`).exec(body);
  if (!form) throw new Error(`no form posting to ${action}`);
  const out: [string, string][] = [];
  for (const m of form[1].matchAll(
    /<input\b[^>]*>|<textarea\b[^>]*>([\s\S]*?)<\/textarea>|<select\b[^>]*>([\s\S]*?)<\/select>/g,
  )) {
    const a = attrs(m[0].slice(0, m[0].indexOf('>') + 1));
    if (!a.name || a.name === '_csrf' || a.disabled !== undefined) continue;
    if (m[0].startsWith('<textarea')) out.push([a.name, unescape(m[1])]);
    else if (m[0].startsWith('<select')) {
      const options = [...m[2].matchAll(/<option\b[^>]*>/g)].map((o) => attrs(o[0]));
      const chosen = options.find((o) => o.selected !== undefined) ?? options[0];
      out.push([a.name, chosen?.value ?? '']);
    } else if (a.type === 'checkbox' || a.type === 'radio') {
      if (a.checked !== undefined) out.push([a.name, a.value ?? 'on']);
    } else out.push([a.name, a.value ?? '']);
  }
  return out;
}

function toFields(pairs: [string, string][]): Fields {
  const out: Fields = {};
  for (const [k, v] of pairs) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** Opens the draft editor and returns what submitting it unchanged would send. */
async function editorFields(browser: Browser, id: string): Promise<Fields> {
  const res = await browser.get(`/documents/${id}`);
  const body = await res.text();
  expect(res.status, body.slice(0, 1000)).toBe(200);
  return toFields(formFields(body, `/documents/${id}`));
}

/** Submits the editor with some fields changed (undefined removes a field). */
async function saveDraft(browser: Browser, id: string, changes: Record<string, string | string[] | undefined> = {}) {
  const fields = await editorFields(browser, id);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete fields[k];
    else fields[k] = v;
  }
  return browser.post(`/documents/${id}`, fields);
}

async function linesOf(documentId: string, version?: number) {
  const doc = await db().query.documents.findFirst({ where: eq(documents.id, documentId) });
  const v = await db().query.documentVersions.findFirst({
    where: (t, { and, eq }) => and(eq(t.documentId, documentId), eq(t.version, version ?? doc!.currentVersion)),
  });
  return db()
    .select()
    .from(documentLines)
    .where(eq(documentLines.versionId, v!.id))
    .orderBy(asc(documentLines.position));
}

async function versionRow(documentId: string, version: number) {
  return (await db().query.documentVersions.findFirst({
    where: (t, { and, eq }) => and(eq(t.documentId, documentId), eq(t.version, version)),
  }))!;
}

async function documentRow(documentId: string) {
  return (await db().query.documents.findFirst({ where: eq(documents.id, documentId) }))!;
}

/** Everything a refused request must leave as it was. */
async function stored(documentId?: string) {
  const count = async (
    table: typeof documents | typeof documentVersions | typeof documentLines | typeof payments | typeof activity,
  ) => (await db().select({ n: sql<number>`count(*)` }).from(table))[0].n;
  const [docs, versions, lines, paid, acts] = await Promise.all([
    count(documents),
    count(documentVersions),
    count(documentLines),
    count(payments),
    count(activity),
  ]);
  const detail = documentId
    ? {
        document: await documentRow(documentId),
        versions: await db()
          .select()
          .from(documentVersions)
          .where(eq(documentVersions.documentId, documentId))
          .orderBy(asc(documentVersions.version)),
        lines: await db()
          .select()
          .from(documentLines)
          .where(eq(documentLines.documentId, documentId))
          .orderBy(asc(documentLines.versionId), asc(documentLines.position)),
        payments: await db().select().from(payments).where(eq(payments.documentId, documentId)),
      }
    : null;
  return { counts: { docs, versions, lines, paid, acts }, detail };
}

async function pdfPages(res: Response): Promise<string[]> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
  const { text } = await extractText(await getDocumentProxy(bytes.slice()), { mergePages: false });
  return text.map((t) => t.replace(/\s+/g, ' '));
}

async function pdfOf(browser: Browser, path: string) {
  const res = await browser.get(path);
  expect(res.status, res.status === 200 ? '' : (await res.clone().text()).slice(0, 500)).toBe(200);
  expect(res.headers.get('Content-Type')).toBe('application/pdf');
  return pdfPages(res);
}

async function sha256(bytes: ArrayBuffer) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

const item = (co: Company, name: string) => co.items.find((i) => i.name === name)!;
const lineNamed = <T extends { name: string }>(lines: T[], name: string) => lines.find((l) => l.name === name)!;
const kindOfKey = (key: string) => KINDS.find((k) => kindKey(k) === key)!;

describe('creating each kind of document from the budget', () => {
  let co: Company;
  beforeAll(async () => {
    co = await companyWithBudget();
  });

  // How each kind picks its items: single items, a whole group, or everything.
  const selections: Record<string, { fields: (co: Company) => Fields; lines: string[] }> = {
    bid_request: {
      fields: (co) => ({ group: co.groups.electrical }),
      lines: ['Electrical', 'Kitchen circuits', 'Recessed lights — Zürich “LED”'],
    },
    estimate: {
      fields: (co) => ({ item: [item(co, 'Remove cabinets').id, item(co, 'Recessed lights — Zürich “LED”').id] }),
      lines: ['Demolition', 'Remove cabinets', 'Electrical', 'Recessed lights — Zürich “LED”'],
    },
    proposal: {
      fields: () => ({ all: '1' }),
      lines: [
        'Demolition',
        'Remove cabinets',
        'Dumpster',
        'Electrical',
        'Kitchen circuits',
        'Recessed lights — Zürich “LED”',
      ],
    },
    change_order: {
      fields: (co) => ({ group: co.groups.demolition }),
      lines: ['Demolition', 'Remove cabinets', 'Dumpster'],
    },
    customer_invoice: {
      fields: (co) => ({ item: item(co, 'Dumpster').id, group: co.groups.electrical }),
      lines: ['Demolition', 'Dumpster', 'Electrical', 'Kitchen circuits', 'Recessed lights — Zürich “LED”'],
    },
    purchase_order: {
      fields: (co) => ({ group: co.groups.electrical }),
      lines: ['Electrical', 'Kitchen circuits', 'Recessed lights — Zürich “LED”'],
    },
    work_order: {
      fields: () => ({ all: '1' }),
      lines: [
        'Demolition',
        'Remove cabinets',
        'Dumpster',
        'Electrical',
        'Kitchen circuits',
        'Recessed lights — Zürich “LED”',
      ],
    },
    bill: { fields: (co) => ({ item: item(co, 'Kitchen circuits').id }), lines: ['Electrical', 'Kitchen circuits'] },
  };

  it('covers all eight kinds', () => {
    expect(KINDS.map(kindKey).sort()).toEqual(Object.keys(selections).sort());
  });

  for (const key of Object.keys(selections)) {
    it(`creates ${key}, numbers it, opens the editor and renders its PDF with the right amounts`, async () => {
      const kind = kindOfKey(key);
      const chooser = await co.browser.get(`/jobs/${co.jobId}/documents/new?kind=${key}`);
      expect(chooser.status).toBe(200);
      const chooserBody = await chooser.text();
      for (const i of co.items) expect(chooserBody).toContain(`value="${i.id}"`);

      const id = await createDocument(co.browser, co.jobId, key, selections[key].fields(co));
      const doc = await documentRow(id);
      expect(doc.number).toBe(`${kind.prefix}-0001`);
      expect(doc.type).toBe(kind.type);
      expect(doc.subtype).toBe(kind.subtype);
      expect(doc.status).toBe(key === 'bill' ? 'received' : 'draft');
      expect(doc.currentVersion).toBe(1);
      expect(doc.sentVersion).toBeNull();
      expect(doc.requireSignature).toBe(kind.defaultRequireSignature);
      // The recipient is filled in when the budget says who it is.
      if (kind.side === 'customer') expect(doc.accountId).toBe(co.customerId);
      else if (key !== 'work_order') expect(doc.accountId).toBe(co.vendorId);

      const lines = await linesOf(id);
      expect(lines.map((l) => l.name)).toEqual(selections[key].lines);
      for (const l of lines.filter((x) => x.kind === 'item')) {
        const source = item(co, l.name);
        expect(l.costItemId).toBe(source.id);
        expect([l.quantity, l.unitCost, l.unitPrice, l.taxable]).toEqual([
          source.quantity,
          source.unitCost,
          source.unitPrice,
          source.taxable,
        ]);
      }
      expect(lines.filter((l) => l.kind === 'group').map((l) => l.name)).toEqual(
        selections[key].lines.filter((n) => n === 'Demolition' || n === 'Electrical'),
      );

      const editor = await co.browser.get(`/documents/${id}`);
      const body = await editor.text();
      expect(editor.status).toBe(200);
      expect(body).toContain(`${kind.label} ${kind.prefix}-0001`);
      expect(inputValue(body, 'number')).toBe(`${kind.prefix}-0001`);

      const shown = lines.find((l) => l.kind === 'item')!;
      const price = money(shown.unitPrice);
      const cost = money(shown.unitCost);
      const pages = await pdfOf(co.browser, `/documents/${id}.pdf`);
      const pdf = pages.join(' ');
      expect(pdf).toContain(`${kind.prefix}-0001`);
      expect(pdf).toContain(kind.label);
      expect(pdf).toContain(shown.name);
      expect(pdf).toContain(selections[key].lines.at(-1));
      expect(pages[0]).toContain(`Page 1 of ${pages.length}`);

      if (kind.amountColumn === 'price') {
        expect(inputValue(body, `amount.${shown.id}`)).toBe(centsInput(shown.unitPrice));
        expect(visibleText(body)).toContain(money(lineTotal(shown.quantity, shown.unitPrice)));
        expect(body).toContain('Unit price');
        expect(pdf).toContain('Unit price');
        expect(pdf).toContain(price);
        expect(pdf).toContain(money(lineTotal(shown.quantity, shown.unitPrice)));
        expect(pdf).not.toContain(cost);
      } else if (kind.amountColumn === 'cost') {
        expect(inputValue(body, `amount.${shown.id}`)).toBe(centsInput(shown.unitCost));
        expect(visibleText(body)).toContain(money(lineTotal(shown.quantity, shown.unitCost)));
        expect(body).not.toContain('Unit price');
        expect(pdf).toContain('Unit cost');
        expect(pdf).toContain(cost);
        expect(pdf).not.toContain(price);
        expect(pdf).not.toContain('Unit price');
      } else {
        // A bid request asks the vendor for costs: no amount inputs, no amounts printed.
        expect(body).not.toMatch(/name="amount\./);
        expect(visibleText(body)).not.toContain(cost);
        expect(visibleText(body)).not.toContain(price);
        expect(body).toContain('the vendor fills in their costs');
        expect(pdf).toContain('Unit cost');
        expect(pdf).not.toContain('$');
        expect(pdf).toContain('Bid total');
      }
    });
  }
});

describe('numbering', () => {
  it('numbers per org and per prefix, and a second org starts again at 0001', async () => {
    const a = await companyWithBudget({ company: 'First Numbering Co' });
    const pick = { item: a.items[0].id };
    const made: string[] = [];
    for (const key of [
      'estimate',
      'estimate',
      'change_order',
      'estimate',
      'proposal',
      'change_order',
      'customer_invoice',
      'purchase_order',
      'purchase_order',
      'work_order',
    ]) {
      made.push((await documentRow(await createDocument(a.browser, a.jobId, key, pick))).number);
    }
    expect(made).toEqual([
      'EST-0001',
      'EST-0002',
      'CO-0001',
      'EST-0003',
      'PRO-0001',
      'CO-0002',
      'INV-0001',
      'PO-0001',
      'PO-0002',
      'WO-0001',
    ]);

    const b = await companyWithBudget({ company: 'Second Numbering Co' });
    const first = await documentRow(await createDocument(b.browser, b.jobId, 'estimate', { item: b.items[0].id }));
    const co = await documentRow(await createDocument(b.browser, b.jobId, 'change_order', { all: '1' }));
    expect([first.number, co.number]).toEqual(['EST-0001', 'CO-0001']);
    // The first org's sequence is not disturbed by the second's.
    expect((await documentRow(await createDocument(a.browser, a.jobId, 'estimate', pick))).number).toBe('EST-0004');
  });

  it('skips a number the contractor already gave to another document by hand', async () => {
    const co = await companyWithBudget();
    const first = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    expect((await saveDraft(co.browser, first, { number: 'EST-0002' })).status).toBe(303);
    const second = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    expect((await documentRow(second)).number).toBe('EST-0003');
  });
});

describe('draft editor', () => {
  let co: Company;
  beforeAll(async () => {
    co = await companyWithBudget();
  });

  it('saves the header: title, number, dates, description, terms, tax, deposit, recipient', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const res = await saveDraft(co.browser, id, {
      title: 'Kitchen remodel — phase 1',
      number: 'EST-0100',
      issueDate: '2026-03-02',
      dueDate: '2026-04-01',
      description: 'Remove the old kitchen.\nInstall new circuits.',
      terms: 'Net 15. Señor Muñoz signs.',
      footer: 'Thanks — Oak & Stone',
      taxRate: '8.875',
      depositKind: 'percent',
      depositValue: '25',
      accountId: co.customerId,
      contactId: co.customerContact.id,
      requireSignature: undefined,
    });
    expect(res.status, (await res.clone().text()).slice(0, 2000)).toBe(303);
    expect(location(res)).toContain(`/documents/${id}`);

    const doc = await documentRow(id);
    expect(doc).toMatchObject({
      number: 'EST-0100',
      accountId: co.customerId,
      contactId: co.customerContact.id,
      requireSignature: false,
    });
    const v = await versionRow(id, 1);
    expect(v).toMatchObject({
      title: 'Kitchen remodel — phase 1',
      issueDate: '2026-03-02',
      dueDate: '2026-04-01',
      description: 'Remove the old kitchen.\nInstall new circuits.',
      terms: 'Net 15. Señor Muñoz signs.',
      footer: 'Thanks — Oak & Stone',
      taxRate: 8875,
      depositKind: 'percent',
      depositValue: 25000,
      preparedForName: co.customerContact.name,
      preparedForEmail: co.customerContact.email,
      state: 'draft',
    });

    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(inputValue(page, 'title')).toBe('Kitchen remodel — phase 1');
    expect(inputValue(page, 'number')).toBe('EST-0100');
    expect(inputValue(page, 'issueDate')).toBe('2026-03-02');
    expect(inputValue(page, 'dueDate')).toBe('2026-04-01');
    expect(inputValue(page, 'taxRate')).toBe('8.875');
    expect(inputValue(page, 'depositValue')).toBe('25');
    expect(selectedOption(page, 'depositKind')).toBe('percent');
    expect(selectedOption(page, 'accountId')).toBe(co.customerId);
    expect(selectedOption(page, 'contactId')).toBe(co.customerContact.id);
    expect(inputValue(page, 'description')).toBe('Remove the old kitchen.\nInstall new circuits.');
    // The contact's email is shown so it can be checked before sending.
    expect(visibleText(page)).toContain(`Will be sent to ${co.customerContact.name} at ${co.customerContact.email}`);

    const pdf = (await pdfOf(co.browser, `/documents/${id}.pdf`)).join(' ');
    for (const text of [
      'EST-0100',
      'Kitchen remodel — phase 1',
      'Net 15. Señor Muñoz signs.',
      co.customerContact.name,
      'Mar 2, 2026',
      'Apr 1, 2026',
    ])
      expect(pdf).toContain(text);
  });

  it('edits, removes, adds and reorders lines and group headings', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const before = await linesOf(id);
    const cabinets = lineNamed(before, 'Remove cabinets');
    const dumpster = lineNamed(before, 'Dumpster');

    // Edit one line.
    let res = await saveDraft(co.browser, id, {
      [`name.${cabinets.id}`]: 'Remove upper and lower cabinets',
      [`description.${cabinets.id}`]: 'Including hardware — haul away',
      [`quantity.${cabinets.id}`]: '12.5',
      [`unit.${cabinets.id}`]: 'hrs',
      [`amount.${cabinets.id}`]: '90.10',
      [`taxable.${cabinets.id}`]: undefined,
    });
    expect(res.status, (await res.clone().text()).slice(0, 2000)).toBe(303);
    let lines = await linesOf(id);
    expect(lines).toHaveLength(before.length);
    expect(lineNamed(lines, 'Remove upper and lower cabinets')).toMatchObject({
      id: cabinets.id,
      description: 'Including hardware — haul away',
      quantity: 125_000,
      unit: 'hrs',
      unitPrice: 9010,
      unitCost: cabinets.unitCost,
      taxable: false,
      costItemId: cabinets.costItemId,
    });

    // Remove one.
    res = await saveDraft(co.browser, id, { [`remove.${dumpster.id}`]: '1' });
    expect(res.status).toBe(303);
    lines = await linesOf(id);
    expect(lines.map((l) => l.name)).toEqual([
      'Demolition',
      'Remove upper and lower cabinets',
      'Electrical',
      'Kitchen circuits',
      'Recessed lights — Zürich “LED”',
    ]);

    // Add a line that is not in the budget.
    res = await saveDraft(co.browser, id, {
      'name._new': 'Permit fee',
      'description._new': 'City of Springfield',
      'quantity._new': '1',
      'unit._new': 'ls',
      'amount._new': '350',
      'taxable._new': 'on',
    });
    expect(res.status).toBe(303);
    lines = await linesOf(id);
    expect(lines.at(-1)).toMatchObject({
      kind: 'item',
      name: 'Permit fee',
      description: 'City of Springfield',
      quantity: 10_000,
      unit: 'ls',
      unitPrice: 35_000,
      taxable: true,
      costItemId: null,
      position: lines.length,
    });

    // Add a group heading.
    res = await saveDraft(co.browser, id, { 'kind._new': 'group', 'name._new': 'Allowances' });
    expect(res.status).toBe(303);
    lines = await linesOf(id);
    expect(lines.at(-1)).toMatchObject({ kind: 'group', name: 'Allowances', quantity: 0, unitPrice: 0 });
    expect(lines.map((l) => l.name)).toEqual([
      'Demolition',
      'Remove upper and lower cabinets',
      'Electrical',
      'Kitchen circuits',
      'Recessed lights — Zürich “LED”',
      'Permit fee',
      'Allowances',
    ]);

    // Move the heading up above the permit, then the permit down below it... and back.
    const allowances = lineNamed(lines, 'Allowances');
    const permit = lineNamed(lines, 'Permit fee');
    res = await saveDraft(co.browser, id, { move: `up:${allowances.id}` });
    expect(res.status).toBe(303);
    expect((await linesOf(id)).map((l) => l.name).slice(-2)).toEqual(['Allowances', 'Permit fee']);
    res = await saveDraft(co.browser, id, { move: `down:${allowances.id}` });
    expect(res.status).toBe(303);
    expect((await linesOf(id)).map((l) => l.name).slice(-2)).toEqual(['Permit fee', 'Allowances']);
    // Moving the first line up or the last line down changes nothing.
    const first = (await linesOf(id))[0];
    await saveDraft(co.browser, id, { move: `up:${first.id}` });
    await saveDraft(co.browser, id, { move: `down:${allowances.id}` });
    lines = await linesOf(id);
    expect(lines.map((l) => l.name)).toEqual([
      'Demolition',
      'Remove upper and lower cabinets',
      'Electrical',
      'Kitchen circuits',
      'Recessed lights — Zürich “LED”',
      'Permit fee',
      'Allowances',
    ]);
    expect(lines.map((l) => l.position)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // A move also keeps what was typed in the same submit.
    res = await saveDraft(co.browser, id, { move: `up:${permit.id}`, [`name.${permit.id}`]: 'Building permit' });
    lines = await linesOf(id);
    expect(lines.map((l) => l.name).slice(-3)).toEqual([
      'Building permit',
      'Recessed lights — Zürich “LED”',
      'Allowances',
    ]);

    const page = await (await co.browser.get(`/documents/${id}`)).text();
    const order = [
      'Remove upper and lower cabinets',
      'Kitchen circuits',
      'Building permit',
      'Recessed lights — Zürich “LED”',
      'Allowances',
    ].map((n) => page.indexOf(`value="${n}"`));
    expect(order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1]))).toBe(true);

    const pdf = (await pdfOf(co.browser, `/documents/${id}.pdf`)).join(' ');
    expect(pdf).toContain('Building permit');
    expect(pdf).toContain('Allowances');
    expect(pdf).not.toContain('Dumpster');
  });

  it('shows totals from the totals module: tax on taxable lines, rounded half away from zero, and the deposit', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { item: item(co, 'Remove cabinets').id });
    const cabinets = lineNamed(await linesOf(id), 'Remove cabinets');
    // 16 hr × $81.25 = $1,300.00 (taxable); 2.5 × $19.99 = $49.975 → $49.98 (not taxable).
    const res = await saveDraft(co.browser, id, {
      'name._new': 'Haul-away fee',
      'quantity._new': '2.5',
      'unit._new': 'load',
      'amount._new': '19.99',
      taxRate: '8.875',
      depositKind: 'percent',
      depositValue: '33.333',
    });
    expect(res.status, (await res.clone().text()).slice(0, 1500)).toBe(303);
    // subtotal 130000 + 4998 = 134998; tax 8.875% of 130000 = 11537.5 → 11538; total 146536;
    // deposit 33.333% of 146536 = 48844.84... → 48845.
    const expected = {
      subtotal: 134_998,
      taxableSubtotal: 130_000,
      tax: 11_538,
      total: 146_536,
      deposit: 48_845,
      paid: 0,
      balance: 146_536,
    };
    const lines = await linesOf(id);
    const computed = documentTotals(
      lines.map((l) => ({ kind: l.kind, quantity: l.quantity, unitAmount: l.unitPrice, taxable: l.taxable })),
      8875,
      { kind: 'percent', rate: 33_333 },
    );
    expect(computed).toMatchObject(expected);
    expect(computed.lineTotals).toEqual([0, 130_000, 4_998]);
    expect(lineNamed(lines, 'Remove cabinets').id).toBe(cabinets.id);

    const text = visibleText(await (await co.browser.get(`/documents/${id}`)).text());
    expect(text).toContain('Subtotal $1,349.98');
    expect(text).toContain('Tax (8.875%) $115.38');
    expect(text).toContain('Total $1,465.36');
    expect(text).toContain('Deposit / due now $488.45');
    expect(text).toContain('$49.98');

    const pdf = (await pdfOf(co.browser, `/documents/${id}.pdf`)).join(' ');
    for (const t of ['$1,349.98', '$115.38', '$1,465.36', '$488.45', '$49.98', '$1,300.00']) expect(pdf).toContain(t);

    // A fixed deposit larger than the total is capped at the total.
    await saveDraft(co.browser, id, { depositKind: 'fixed', depositValue: '5000' });
    expect(visibleText(await (await co.browser.get(`/documents/${id}`)).text())).toContain(
      'Deposit / due now $1,465.36',
    );
    const list = visibleText(await (await co.browser.get(`/documents?jobId=${co.jobId}&type=customer_order`)).text());
    expect(list).toContain('$1,465.36');
  });
});

describe('bad input is refused with a clear message and writes nothing', () => {
  let co: Company;
  let estimate: string;
  let other: string;
  let invoice: string;
  beforeAll(async () => {
    co = await companyWithBudget();
    other = await createDocument(co.browser, co.jobId, 'estimate', { item: co.items[0].id });
    estimate = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    invoice = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
  });

  async function refused(id: string, res: Response, field: string, message: RegExp | string) {
    const body = await res.text();
    expect(res.status, body.slice(0, 1500)).toBe(422);
    const lineError = new RegExp(`id="e-${field.replace(/\./g, '\\.')}">([^<]*)<`).exec(body)?.[1];
    const shown = fieldError(body, field) ?? (lineError === undefined ? visibleText(body) : unescape(lineError));
    if (typeof message === 'string') expect(shown).toContain(message);
    else expect(shown).toMatch(message);
    expect(body).toContain('role="alert"');
    return body;
  }

  async function unchanged(id: string, attempt: () => Promise<Response>, field: string, message: RegExp | string) {
    const before = await stored(id);
    const body = await refused(id, await attempt(), field, message);
    expect(await stored(id)).toEqual(before);
    return body;
  }

  it('no items selected on create', async () => {
    const before = await stored();
    const res = await co.browser.post(`/jobs/${co.jobId}/documents`, { kind: 'estimate' });
    const body = await res.text();
    expect(res.status).toBe(422);
    expect(visibleText(body)).toContain('Select at least one budget item (or a whole group) to put on the document.');
    // Items of another job (or made up) select nothing either.
    const res2 = await co.browser.post(`/jobs/${co.jobId}/documents`, {
      kind: 'estimate',
      item: 'zzzzzzzzzzzzzzzzzzzzzzzz',
      group: 'yyyyyyyyyyyyyyyyyyyyyyyy',
    });
    expect(res2.status).toBe(422);
    expect(await stored()).toEqual(before);
  });

  it('more than 1,000 lines from the budget', async () => {
    const jobId = await createJob(co.browser, 'Tower', co.customerId);
    const now = Date.now();
    const groupId = `biggroup${'0'.repeat(16)}`;
    const items = Array.from({ length: 1000 }, (_, i) => ({
      id: `bigitem${String(i).padStart(17, '0')}`,
      orgId: co.orgId,
      jobId,
      groupId,
      position: i + 1,
      name: `Unit ${i + 1}`,
      costType: 'labor' as const,
      quantity: 10_000,
      unitCost: 100,
      unitPrice: 120,
      createdAt: now,
      updatedAt: now,
    }));
    const d = db();
    await d.batch([
      d.insert(costGroups).values({ id: groupId, orgId: co.orgId, jobId, name: 'Units', position: 1, createdAt: now }),
      ...Array.from({ length: 200 }, (_, k) => d.insert(costItems).values(items.slice(k * 5, k * 5 + 5))),
    ]);
    // 1,000 items under one heading make 1,001 lines.
    const before = await stored();
    const res = await co.browser.post(`/jobs/${jobId}/documents`, { kind: 'estimate', all: '1' });
    expect(res.status).toBe(422);
    expect(visibleText(await res.text())).toContain(
      'A document can have at most 1,000 lines. Select fewer items and make several documents.',
    );
    expect(await stored()).toEqual(before);
  });

  it('a number that is not a number', async () => {
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { number: 'EST 0001; DROP' }),
      'number',
      'Number may use letters, digits, dots, dashes and slashes.',
    );
    await unchanged(estimate, () => saveDraft(co.browser, estimate, { number: '' }), 'number', 'Number is required.');
  });

  it('a vendor as the recipient of an invoice', async () => {
    await unchanged(
      invoice,
      () =>
        saveDraft(co.browser, invoice, {
          accountId: co.vendorId,
          contactId: co.vendorContact.id,
          title: 'Changed title',
        }),
      'accountId',
      'Choose a customer: this document goes to a customer, not a vendor.',
    );
  });

  it('a customer as the recipient of a purchase order', async () => {
    const po = await createDocument(co.browser, co.jobId, 'purchase_order', { group: co.groups.electrical });
    await unchanged(
      po,
      () => saveDraft(co.browser, po, { accountId: co.customerId, contactId: co.customerContact.id }),
      'accountId',
      'Choose a vendor: this document goes to a vendor, not a customer.',
    );
  });

  it('a contact that does not belong to the account', async () => {
    const body = await unchanged(
      estimate,
      () =>
        saveDraft(co.browser, estimate, {
          accountId: co.customerId,
          contactId: co.vendorContact.id,
          title: 'Changed title',
        }),
      'contactId',
      'That contact does not belong to Reyes Household',
    );
    // What was typed comes back in the form.
    expect(inputValue(body, 'title')).toBe('Changed title');
  });

  it('a number another estimate already has', async () => {
    const taken = (await documentRow(other)).number;
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { number: taken }),
      'number',
      `${taken} is already used by another estimate. Choose a different number.`,
    );
  });

  it('a negative quantity', async () => {
    const line = (await linesOf(estimate)).find((l) => l.kind === 'item')!;
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { [`quantity.${line.id}`]: '-1' }),
      `quantity.${line.id}`,
      'Quantity must be at least 0.',
    );
  });

  it('a quantity with five decimals', async () => {
    const line = (await linesOf(estimate)).find((l) => l.kind === 'item')!;
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { [`quantity.${line.id}`]: '1.23456' }),
      `quantity.${line.id}`,
      'Quantity must be a number with at most four decimals.',
    );
  });

  it('an absurd unit price', async () => {
    const line = (await linesOf(estimate)).find((l) => l.kind === 'item')!;
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { [`amount.${line.id}`]: '10000000.01' }),
      `amount.${line.id}`,
      'Unit price must be at most 10,000,000.',
    );
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { [`amount.${line.id}`]: '1e9' }),
      `amount.${line.id}`,
      'Unit price must be a number',
    );
    // A huge quantity times a large price overflows the per-line bound.
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { [`quantity.${line.id}`]: '1000000', [`amount.${line.id}`]: '9999999' }),
      `quantity.${line.id}`,
      'larger than we can handle',
    );
    // The cost a price line keeps from the budget goes to the budget too (a change order): bounded the same.
    await db().update(documentLines).set({ unitCost: 999_999_900 }).where(eq(documentLines.id, line.id));
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { [`quantity.${line.id}`]: '1000000', [`amount.${line.id}`]: '1' }),
      `quantity.${line.id}`,
      'larger than we can handle',
    );
  });

  it('a 5,000-line paste', async () => {
    const fields = await editorFields(co.browser, estimate);
    const keys = Array.from({ length: 5000 }, (_, i) => `pasted${String(i).padStart(6, '0')}`);
    const paste: Fields = { ...fields, line: keys };
    for (const k of keys) paste[`name.${k}`] = `Pasted line ${k}`;
    const body = await unchanged(
      estimate,
      () => co.browser.post(`/documents/${estimate}`, paste),
      '_form',
      /at most 1,000 lines/,
    );
    expect(visibleText(body)).toContain('A document can have at most 1,000 lines');
  });

  it('an empty document (every line removed)', async () => {
    const lines = await linesOf(estimate);
    const removals = Object.fromEntries(lines.map((l) => [`remove.${l.id}`, '1']));
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, removals),
      '_form',
      'A document needs at least one line item.',
    );
    // Keeping only the group headings is empty too.
    const onlyItems = Object.fromEntries(lines.filter((l) => l.kind === 'item').map((l) => [`remove.${l.id}`, '1']));
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, onlyItems),
      '_form',
      'A document needs at least one line item.',
    );
  });

  it('an invalid date', async () => {
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { issueDate: '2026-02-30' }),
      'issueDate',
      'Issue date must be a real date (YYYY-MM-DD).',
    );
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { dueDate: '2026-13-01' }),
      'dueDate',
      'Valid until must be a real date (YYYY-MM-DD).',
    );
    await unchanged(
      estimate,
      () => saveDraft(co.browser, estimate, { issueDate: '2026-05-01', dueDate: '2026-04-01' }),
      'dueDate',
      'Valid until cannot be before the issue date.',
    );
  });
});

describe('status machine through the routes', () => {
  let co: Company;
  beforeAll(async () => {
    co = await companyWithBudget();
  });

  it('voids an invoice draft', async () => {
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
    const res = await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' });
    expect(res.status).toBe(303);
    expect((await documentRow(id)).status).toBe('void');
    // A void draft reads as void, not as an editable draft, and refuses edits.
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(visibleText(page)).toMatch(/Invoice INV-\d{4} Void/);
    expect(page).not.toContain('name="line"');
    expect(page).not.toContain(`/documents/${id}/send`);
    const before = await stored(id);
    const edit = await co.browser.post(`/documents/${id}`, {
      title: 'Back from the dead',
      number: 'INV-0999',
      issueDate: '2026-03-02',
    });
    expect(edit.status).toBe(409);
    expect(visibleText(await edit.text())).toContain('This invoice is void and can no longer be edited.');
    const sendForm = await co.browser.get(`/documents/${id}/send`);
    expect(sendForm.status).toBe(409);
    expect(visibleText(await sendForm.text())).toContain('This invoice is void and cannot be sent.');
    expect(
      (await co.browser.post(`/documents/${id}/send`, { name: 'Reyes', email: 'reyes@example.test', message: '' }))
        .status,
    ).toBe(409);
    expect(await stored(id)).toEqual(before);
    // Void is final.
    const again = await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' });
    expect(again.status).toBe(409);
    expect(visibleText(await again.text())).toContain('You cannot void a document that is void.');
  });

  it('refuses to void a customer order with 409 and a clear message', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const before = await stored(id);
    const res = await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' });
    expect(res.status).toBe(409);
    expect(visibleText(await res.text())).toContain('You cannot void a document that is draft.');
    expect(await stored(id)).toEqual(before);
    // approve-bill is for bills only.
    const bill = await co.browser.post(`/documents/${id}/approve-bill`);
    expect(bill.status).toBe(409);
    expect(await stored(id)).toEqual(before);
  });

  it('approves a bill, then records payments on it', async () => {
    const id = await createDocument(co.browser, co.jobId, 'bill', { item: item(co, 'Kitchen circuits').id });
    expect((await documentRow(id)).status).toBe('received');
    // No payment before the bill is approved.
    const before = await stored(id);
    const early = await co.browser.post(`/documents/${id}/payments`, {
      amount: '100',
      paidOn: '2026-03-05',
      method: 'Check',
      reference: '1001',
    });
    expect(early.status).toBe(422);
    expect(visibleText(await early.text())).toContain('Approve the bill before recording a payment.');
    expect(await stored(id)).toEqual(before);

    const res = await co.browser.post(`/documents/${id}/approve-bill`);
    expect(res.status).toBe(303);
    expect((await documentRow(id)).status).toBe('approved');
    // A bill shows costs: $4,200.00 for the kitchen circuits.
    expect(
      (
        await co.browser.post(`/documents/${id}/payments`, {
          amount: '1200',
          paidOn: '2026-03-05',
          method: 'ACH',
          reference: '',
        })
      ).status,
    ).toBe(303);
    expect((await documentRow(id)).status).toBe('partially_paid');
    expect(
      (
        await co.browser.post(`/documents/${id}/payments`, {
          amount: '3000',
          paidOn: '2026-03-06',
          method: 'ACH',
          reference: '',
        })
      ).status,
    ).toBe(303);
    expect((await documentRow(id)).status).toBe('paid');
    expect((await co.browser.post(`/documents/${id}/approve-bill`)).status).toBe(409);
  });

  it('records payments on a sent invoice: partial, then full; refuses an overpayment', async () => {
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { item: item(co, 'Remove cabinets').id });
    await saveDraft(co.browser, id, { taxRate: '0' });
    // Not before it is sent.
    let before = await stored(id);
    const early = await co.browser.post(`/documents/${id}/payments`, {
      amount: '100',
      paidOn: '2026-03-05',
      method: 'Check',
      reference: '1001',
    });
    expect(early.status).toBe(422);
    expect(visibleText(await early.text())).toContain('A payment can be recorded once the invoice is sent');
    expect(await stored(id)).toEqual(before);

    await sendDocument(co.browser, id);
    expect((await documentRow(id)).status).toBe('sent');
    // Total is 16 hr × $81.25 = $1,300.00.
    let res = await co.browser.post(`/documents/${id}/payments`, {
      amount: '500.00',
      paidOn: '2026-03-05',
      method: 'Check',
      reference: '#1042',
    });
    expect(res.status, (await res.clone().text()).slice(0, 1000)).toBe(303);
    expect((await documentRow(id)).status).toBe('partially_paid');
    let page = visibleText(await (await co.browser.get(`/documents/${id}`)).text());
    expect(page).toContain('#1042');
    expect(page).toContain('Balance $800.00');

    before = await stored(id);
    res = await co.browser.post(`/documents/${id}/payments`, {
      amount: '800.01',
      paidOn: '2026-03-06',
      method: 'ACH',
      reference: '',
    });
    expect(res.status).toBe(422);
    expect(visibleText(await res.text())).toContain('The payment is more than the balance of $800.00.');
    expect(await stored(id)).toEqual(before);
    for (const bad of [
      { amount: '-5' },
      { amount: '0' },
      { amount: '10.001' },
      { paidOn: '2026-02-30' },
      { method: 'Bitcoin' },
    ]) {
      const r = await co.browser.post(`/documents/${id}/payments`, {
        amount: '10',
        paidOn: '2026-03-06',
        method: 'ACH',
        reference: '',
        ...bad,
      });
      expect(r.status, JSON.stringify(bad)).toBe(422);
    }
    expect(await stored(id)).toEqual(before);

    res = await co.browser.post(`/documents/${id}/payments`, {
      amount: '800',
      paidOn: '2026-03-06',
      method: 'ACH',
      reference: '',
    });
    expect(res.status).toBe(303);
    expect((await documentRow(id)).status).toBe('paid');
    page = visibleText(await (await co.browser.get(`/documents/${id}`)).text());
    expect(page).toContain('Balance $0.00');
    // The sent invoice's PDF is the stored one: payments do not rewrite what was sent.
    expect(await sha256(await (await co.browser.get(`/documents/${id}.pdf`)).arrayBuffer())).toBe(
      (await versionRow(id, 1)).pdfSha256,
    );
    // A paid invoice takes no more payments and cannot be voided.
    expect(
      (await co.browser.post(`/documents/${id}/payments`, { amount: '1', paidOn: '2026-03-06', method: 'ACH' })).status,
    ).toBe(422);
    expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(409);
  });

  it('answers 404 to a payment on a type that takes none', async () => {
    for (const key of ['estimate', 'purchase_order', 'bid_request']) {
      const id = await createDocument(co.browser, co.jobId, key, { group: co.groups.electrical });
      const before = await stored(id);
      const res = await co.browser.post(`/documents/${id}/payments`, {
        amount: '10',
        paidOn: '2026-03-06',
        method: 'ACH',
      });
      expect(res.status, key).toBe(404);
      expect(await stored(id)).toEqual(before);
    }
  });
});

describe('revisions', () => {
  it('refuses to revise a document whose status takes no new version', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(409);
    await sendDocument(co.browser, id);
    expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
    const before = await stored(id);
    const res = await co.browser.post(`/documents/${id}/revise`);
    expect(res.status).toBe(409);
    expect(visibleText(await res.text())).toContain('You cannot send a document that is void.');
    expect(await stored(id)).toEqual(before);
  });

  it('revise makes version 2 and leaves the sent version and its stored PDF untouched', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    await saveDraft(co.browser, id, { taxRate: '5' });
    await sendDocument(co.browser, id);
    const v1 = await versionRow(id, 1);
    expect(v1.state).toBe('sent');
    expect(v1.snapshot).toBeTruthy();
    expect(v1.pdfKey).toMatch(new RegExp(`^org/${co.orgId}/doc/${id}/`));
    const stored1 = await env.FILES.get(v1.pdfKey!);
    expect(await sha256(await stored1!.arrayBuffer())).toBe(v1.pdfSha256);
    const v1Lines = await linesOf(id, 1);

    // A sent version cannot be edited. Its page shows every line from the snapshot (the page reads a sent
    // version's lines from there, not from its rows), and its mail is no longer previewed.
    const sentPage = await (await co.browser.get(`/documents/${id}`)).text();
    expect(sentPage).not.toContain('name="line"');
    for (const l of v1Lines) expect(visibleText(sentPage)).toContain(l.name);
    const preview = await co.browser.get(`/documents/${id}/send/preview`);
    expect(preview.status).toBe(409);
    expect(visibleText(await preview.text())).toContain('This version was already sent');
    const direct = await co.browser.post(`/documents/${id}`, {
      title: 'Sneaky',
      number: 'EST-0001',
      issueDate: '2026-03-02',
    });
    expect(direct.status).toBe(409);
    expect(visibleText(await direct.text())).toContain(
      'This version was sent and can no longer be edited. Use Revise to make a new version.',
    );

    const res = await co.browser.post(`/documents/${id}/revise`);
    expect(res.status, (await res.clone().text()).slice(0, 1500)).toBe(303);
    let doc = await documentRow(id);
    expect(doc).toMatchObject({ currentVersion: 2, sentVersion: 1, status: 'sent' });
    const v2 = await versionRow(id, 2);
    expect(v2).toMatchObject({ state: 'draft', snapshot: null, pdfKey: null, pdfSha256: null, taxRate: 5000 });
    expect(await versionRow(id, 1)).toEqual(v1);
    expect((await linesOf(id, 2)).map((l) => [l.name, l.quantity, l.unitPrice])).toEqual(
      v1Lines.map((l) => [l.name, l.quantity, l.unitPrice]),
    );

    // Revising again before sending is refused.
    const twice = await co.browser.post(`/documents/${id}/revise`);
    expect(twice.status).toBe(409);
    expect(visibleText(await twice.text())).toContain('A draft revision already exists; edit it instead.');
    expect((await db().select().from(documentVersions).where(eq(documentVersions.documentId, id))).length).toBe(2);

    // The editor now edits revision 2 only.
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(visibleText(page)).toContain('EST-0001 rev 2');
    const lines2 = await linesOf(id, 2);
    const cabinets = lineNamed(lines2, 'Remove cabinets');
    const dumpster = lineNamed(lines2, 'Dumpster');
    const edited = await saveDraft(co.browser, id, {
      [`amount.${cabinets.id}`]: '100.00',
      [`remove.${dumpster.id}`]: '1',
      'name._new': 'Backsplash tile',
      'quantity._new': '30',
      'unit._new': 'sq ft',
      'amount._new': '22.50',
      'taxable._new': 'on',
      [`name.${lineNamed(lines2, 'Recessed lights — Zürich “LED”').id}`]: 'LED downlights',
      title: 'Revised scope',
    });
    expect(edited.status, (await edited.clone().text()).slice(0, 1500)).toBe(303);
    expect(await versionRow(id, 1)).toEqual(v1);
    expect(await linesOf(id, 1)).toEqual(v1Lines);
    expect((await versionRow(id, 2)).title).toBe('Revised scope');

    // The stored v1 PDF is what the version history serves, byte for byte.
    const servedV1 = await co.browser.get(`/documents/${id}/versions/1.pdf`);
    expect(servedV1.status).toBe(200);
    expect(await sha256(await servedV1.arrayBuffer())).toBe(v1.pdfSha256);
    const draftPdf = (await pdfOf(co.browser, `/documents/${id}/versions/2.pdf`)).join(' ');
    expect(draftPdf).toContain('EST-0001 rev 2');
    expect(draftPdf).toContain('Backsplash tile');

    // What changed between the two versions.
    const compare = await co.browser.get(`/documents/${id}/compare?from=1&to=2`);
    expect(compare.status).toBe(200);
    const diff = visibleText(await compare.text());
    expect(diff).toContain('Added Backsplash tile');
    expect(diff).toContain('Removed Dumpster');
    expect(diff).toMatch(
      /Changed Remove cabinets was 16 hr × \$81\.25 = \$1,300\.00 now 16 hr × \$100\.00 = \$1,600\.00 \(unit price\)/,
    );
    // A renamed line is the same line, changed.
    expect(diff).toContain('Changed LED downlights was 10 hr × $62.40 = $624.00 now 10 hr × $62.40 = $624.00 (name)');
    expect(diff).not.toContain('Recessed lights');
    expect(diff).not.toMatch(/Changed Kitchen circuits/);
    // Totals before and after: v1 subtotal 1300 + 603.75 + 4956 + 624 = 7483.75; v2 = 1600 + 4956 + 624 + 675 = 7855.
    const before = documentTotals(
      v1Lines.map((l) => ({ kind: l.kind, quantity: l.quantity, unitAmount: l.unitPrice, taxable: l.taxable })),
      5000,
      { kind: 'none' },
    );
    const after = documentTotals(
      (await linesOf(id, 2)).map((l) => ({
        kind: l.kind,
        quantity: l.quantity,
        unitAmount: l.unitPrice,
        taxable: l.taxable,
      })),
      5000,
      { kind: 'none' },
    );
    expect(before.subtotal).toBe(748_375);
    expect(after.subtotal).toBe(785_500);
    expect(diff).toContain(
      `Subtotal ${money(before.subtotal)} ${money(after.subtotal)} +${money(after.subtotal - before.subtotal)}`,
    );
    expect(diff).toContain(`Total ${money(before.total)} ${money(after.total)}`);

    // Sending revision 2 supersedes revision 1; the v1 object in R2 is still there, unchanged.
    await sendDocument(co.browser, id);
    doc = await documentRow(id);
    expect(doc).toMatchObject({ currentVersion: 2, sentVersion: 2, status: 'sent' });
    const v1After = await versionRow(id, 1);
    expect(v1After).toMatchObject({
      state: 'superseded',
      snapshot: v1.snapshot,
      pdfKey: v1.pdfKey,
      pdfSha256: v1.pdfSha256,
      sentAt: v1.sentAt,
    });
    const stillThere = await env.FILES.get(v1.pdfKey!);
    expect(await sha256(await stillThere!.arrayBuffer())).toBe(v1.pdfSha256);
    const v2Sent = await versionRow(id, 2);
    expect(v2Sent.state).toBe('sent');
    expect(v2Sent.pdfKey).not.toBe(v1.pdfKey);
    expect(await sha256(await (await env.FILES.get(v2Sent.pdfKey!))!.arrayBuffer())).toBe(v2Sent.pdfSha256);
    expect(JSON.parse(v2Sent.snapshot!).totals.subtotal).toBe(785_500);
    expect(JSON.parse(v1.snapshot!).totals.subtotal).toBe(748_375);
    expect(await sha256(await (await co.browser.get(`/documents/${id}/versions/1.pdf`)).arrayBuffer())).toBe(
      v1.pdfSha256,
    );
    expect(await sha256(await (await co.browser.get(`/documents/${id}.pdf`)).arrayBuffer())).toBe(v2Sent.pdfSha256);

    // A revision of a version that is not current is impossible; and an unknown version is 404.
    expect((await co.browser.get(`/documents/${id}/compare?from=1&to=3`)).status).toBe(404);
    expect((await co.browser.get(`/documents/${id}/versions/3.pdf`)).status).toBe(404);
    // Revising again after sending works: version 3.
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    expect((await documentRow(id)).currentVersion).toBe(3);
  });
});

describe('lists', () => {
  it('the job page lists documents by type; /documents filters by type, status and job', async () => {
    const co = await companyWithBudget();
    const otherJob = await createJob(co.browser, 'Bathroom refresh', co.customerId);
    await db().insert(costGroups).values({
      id: 'grpbathroom00000000000001',
      orgId: co.orgId,
      jobId: otherJob,
      name: 'Tile',
      position: 1,
      createdAt: Date.now(),
    });
    await db().insert(costItems).values({
      id: 'itmbathroom00000000000001',
      orgId: co.orgId,
      jobId: otherJob,
      groupId: 'grpbathroom00000000000001',
      position: 1,
      name: 'Floor tile',
      costType: 'materials',
      quantity: 10_000,
      unitCost: 10_000,
      unitPrice: 12_000,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });

    const est = await createDocument(co.browser, co.jobId, 'estimate', { item: item(co, 'Remove cabinets').id });
    await saveDraft(co.browser, est, { taxRate: '0' });
    const inv = await createDocument(co.browser, co.jobId, 'customer_invoice', { item: item(co, 'Dumpster').id });
    await saveDraft(co.browser, inv, { taxRate: '0' });
    await sendDocument(co.browser, inv);
    const po = await createDocument(co.browser, co.jobId, 'purchase_order', { group: co.groups.electrical });
    const bill = await createDocument(co.browser, co.jobId, 'bill', { item: item(co, 'Kitchen circuits').id });
    const bid = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
    const elsewhere = await createDocument(co.browser, otherJob, 'estimate', { all: '1' });

    const job = await co.browser.get(`/jobs/${co.jobId}`);
    const jobHtml = (await job.text()).split('id="docs-h"')[1] ?? '';
    expect(job.status).toBe(200);
    const text = visibleText(jobHtml);
    const headings = [
      'Estimates, proposals and change orders',
      'Invoices',
      'Bid requests',
      'Purchase and work orders',
      'Bills',
    ];
    const at = headings.map((h) => text.indexOf(h));
    expect(
      at.every((p, i) => p > 0 && (i === 0 || p > at[i - 1])),
      JSON.stringify(at),
    ).toBe(true);
    const row = (number: string) => {
      const m = new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*>${number}</a>[\\s\\S]*?</tr>`).exec(jobHtml);
      return m ? visibleText(m[0]) : '';
    };
    expect(row('EST-0001')).toMatch(/EST-0001 Estimate .* Reyes Household Draft \$1,300\.00/);
    const estVersion = await versionRow(est, 1);
    expect(row('EST-0001')).toContain(
      `$1,300.00 ${calendarDate(estVersion.issueDate)} ${calendarDate(estVersion.dueDate)}`,
    );
    expect(row('INV-0001')).toMatch(/INV-0001 Invoice .* Reyes Household Sent \$603\.75/);
    expect(row('PO-0001')).toMatch(/PO-0001 Purchase Order .* Summit Electric Draft \$4,680\.00/);
    expect(row('BILL-0001')).toMatch(/BILL-0001 Bill .* Summit Electric Received \$4,200\.00/);
    expect(row('BID-0001')).toMatch(/BID-0001 Bid Request .* Summit Electric Draft —/);
    expect(text.slice(at[0], at[1])).toContain('EST-0001');
    expect(text.slice(at[1], at[2])).toContain('INV-0001');
    expect(text.slice(at[2], at[3])).toContain('BID-0001');
    expect(text.slice(at[3], at[4])).toContain('PO-0001');
    expect(text.slice(at[4])).toContain('BILL-0001');
    // The other job's estimate (EST-0002) is not on this job's page.
    expect(text).not.toContain('EST-0002');

    const list = async (q: string) => {
      const res = await co.browser.get(`/documents${q}`);
      expect(res.status).toBe(200);
      const body = await res.text();
      return [...body.matchAll(/href="\/documents\/([a-z0-9]+)"/g)].map((m) => m[1]).sort();
    };
    expect(await list('')).toEqual([est, inv, po, bill, bid, elsewhere].sort());
    expect(await list('?type=customer_order')).toEqual([est, elsewhere].sort());
    expect(await list('?type=customer_order&jobId=' + co.jobId)).toEqual([est]);
    expect(await list('?jobId=' + otherJob)).toEqual([elsewhere]);
    expect(await list('?status=sent')).toEqual([inv]);
    expect(await list('?status=received')).toEqual([bill]);
    expect(await list('?type=vendor_order&status=draft')).toEqual([po]);
    expect(await list('?type=bill&status=draft')).toEqual([]);
    // Unknown filter values are ignored rather than failing.
    expect(await list('?type=nonsense&status=%27%20or%201=1')).toEqual([est, inv, po, bill, bid, elsewhere].sort());
    const page = visibleText(await (await co.browser.get('/documents?status=sent')).text());
    expect(page).toContain('INV-0001');
    expect(page).toContain('Kitchen remodel');
  });
});

describe('org isolation', () => {
  it("answers 404 on every document route to another org's user and changes nothing", async () => {
    const owner = await companyWithBudget({ company: 'Owner Org' });
    const draft = await createDocument(owner.browser, owner.jobId, 'customer_invoice', { all: '1' });
    const sent = await createDocument(owner.browser, owner.jobId, 'customer_invoice', { item: owner.items[0].id });
    await sendDocument(owner.browser, sent);
    const bill = await createDocument(owner.browser, owner.jobId, 'bill', { item: item(owner, 'Kitchen circuits').id });
    const intruder = await companyWithBudget({ company: 'Intruder Org' });
    // The intruder has documents of its own, so ids of the same shape exist in its org.
    const own = await createDocument(intruder.browser, intruder.jobId, 'customer_invoice', { all: '1' });
    expect((await intruder.browser.get(`/documents/${own}`)).status).toBe(200);

    for (const id of [draft, sent, bill]) {
      const before = await stored(id);
      const r2 = await env.FILES.list({ prefix: `org/${owner.orgId}/` });
      const fields = { ...(await editorFields(intruder.browser, own)), number: 'INV-0999', title: 'Taken over' };
      const attempts: [string, () => Promise<Response>][] = [
        ['GET /documents/:id', () => intruder.browser.get(`/documents/${id}`)],
        ['GET .pdf', () => intruder.browser.get(`/documents/${id}.pdf`)],
        ['GET /versions/1.pdf', () => intruder.browser.get(`/documents/${id}/versions/1.pdf`)],
        ['GET /compare', () => intruder.browser.get(`/documents/${id}/compare?from=1&to=1`)],
        ['GET /send', () => intruder.browser.get(`/documents/${id}/send`)],
        ['GET /send/preview', () => intruder.browser.get(`/documents/${id}/send/preview?name=x`)],
        ['POST /documents/:id', () => intruder.browser.post(`/documents/${id}`, fields)],
        ['POST /revise', () => intruder.browser.post(`/documents/${id}/revise`)],
        [
          'POST /payments',
          () =>
            intruder.browser.post(`/documents/${id}/payments`, { amount: '1', paidOn: '2026-03-05', method: 'Check' }),
        ],
        ['POST /void', () => intruder.browser.post(`/documents/${id}/void`, { confirm: 'yes' })],
        ['POST /approve-bill', () => intruder.browser.post(`/documents/${id}/approve-bill`)],
        [
          'POST /send',
          () =>
            intruder.browser.post(`/documents/${id}/send`, { name: 'Evil', email: 'evil@example.test', message: '' }),
        ],
        ['POST /resend', () => intruder.browser.post(`/documents/${id}/resend`)],
      ];
      for (const [name, attempt] of attempts) {
        const res = await attempt();
        const body = await res.text();
        expect(res.status, `${name} on ${id}`).toBe(404);
        expect(body, name).not.toContain((await documentRow(id)).number);
      }
      expect(await stored(id), id).toEqual(before);
      expect((await env.FILES.list({ prefix: `org/${owner.orgId}/` })).objects.map((o) => o.key)).toEqual(
        r2.objects.map((o) => o.key),
      );
    }
    // The owner still reaches every one of them.
    for (const id of [draft, sent, bill]) expect((await owner.browser.get(`/documents/${id}`)).status).toBe(200);
    // Creating a document on another org's job is 404 too.
    const before = await stored();
    expect((await intruder.browser.post(`/jobs/${owner.jobId}/documents`, { kind: 'estimate', all: '1' })).status).toBe(
      404,
    );
    expect((await intruder.browser.get(`/jobs/${owner.jobId}/documents/new?kind=estimate`)).status).toBe(404);
    expect((await intruder.browser.get(`/documents?jobId=${owner.jobId}`)).status).toBe(200);
    expect(visibleText(await (await intruder.browser.get(`/documents?jobId=${owner.jobId}`)).text())).not.toContain(
      'Owner Org',
    );
    expect(await stored()).toEqual(before);
  });
});

describe('a 300-line document', () => {
  it('renders a multi-page PDF with non-Latin names, the first and last item, and page numbers', async () => {
    const co = await companyWithBudget({ company: 'Παπαδόπουλος & Рейес Builders' });
    const jobId = await createJob(co.browser, 'Многоквартирный дом', co.customerId);
    const now = Date.now();
    const groups = Array.from({ length: 10 }, (_, g) => ({
      id: `bulkgroup${String(g).padStart(15, '0')}`,
      orgId: co.orgId,
      jobId,
      name: g % 2 ? `Φάση ${g + 1} — Παπαδόπουλος` : `Этап ${g + 1} — Дана Рейес`,
      position: g + 1,
      createdAt: now,
    }));
    const items = Array.from({ length: 300 }, (_, i) => ({
      id: `bulkitem${String(i).padStart(16, '0')}`,
      orgId: co.orgId,
      jobId,
      groupId: groups[Math.floor(i / 30)].id,
      position: (i % 30) + 1,
      name:
        i === 0
          ? 'Первый пункт: Дана Рейес'
          : i === 299
            ? 'Τελευταίο στοιχείο: Παπαδόπουλος'
            : `Item ${i + 1} ${i % 2 ? 'Дана Рейес' : 'Παπαδόπουλος'}`,
      description: i % 3 === 0 ? `Описание работ ${i + 1} — Zürich, Señor Muñoz, €${i}` : '',
      costType: 'materials' as const,
      quantity: (i + 1) * 10_000,
      unit: 'ea',
      unitCost: 1_000 + i,
      unitPrice: 1_250 + i,
      taxable: i % 2 === 0,
      createdAt: now,
      updatedAt: now,
    }));
    const d = db();
    await d.batch([
      d.insert(costGroups).values(groups),
      ...Array.from({ length: 60 }, (_, k) => d.insert(costItems).values(items.slice(k * 5, k * 5 + 5))),
    ]);

    const id = await createDocument(co.browser, jobId, 'estimate', { all: '1' });
    const lines = await linesOf(id);
    expect(lines).toHaveLength(310);
    expect(lines.filter((l) => l.kind === 'item')).toHaveLength(300);
    expect(lines[1].name).toBe('Первый пункт: Дана Рейес');
    expect(lines.at(-1)!.name).toBe('Τελευταίο στοιχείο: Παπαδόπουλος');

    const editor = await co.browser.get(`/documents/${id}`);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain('Τελευταίο στοιχείο: Παπαδόπουλος');

    const pages = await pdfOf(co.browser, `/documents/${id}.pdf`);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages[0]).toContain(`Page 1 of ${pages.length}`);
    expect(pages.at(-1)).toContain(`Page ${pages.length} of ${pages.length}`);
    expect(pages[0]).toContain('EST-0001');
    expect(pages[0]).toContain('Первый пункт: Дана Рейес');
    const all = pages.join(' ');
    expect(all).toContain('Τελευταίο στοιχείο: Παπαδόπουλος');
    expect(all).toContain('Φάση 10 — Παπαδόπουλος');
    expect(all).toContain('Señor Muñoz, €297');
    expect(all).toContain('Παπαδόπουλος & Рейес Builders');
    // The totals printed are the totals module's.
    const totals = documentTotals(
      lines.map((l) => ({ kind: l.kind, quantity: l.quantity, unitAmount: l.unitPrice, taxable: l.taxable })),
      (await versionRow(id, 1)).taxRate,
      { kind: 'none' },
    );
    expect(all).toContain(money(totals.total));

    // Sending it stores the same multi-page PDF in R2.
    await sendDocument(co.browser, id);
    const v1 = await versionRow(id, 1);
    const obj = await env.FILES.get(v1.pdfKey!);
    expect(await sha256(await obj!.arrayBuffer())).toBe(v1.pdfSha256);
    const sentPages = await pdfOf(co.browser, `/documents/${id}/versions/1.pdf`);
    expect(sentPages.length).toBe(pages.length);
  }, 120_000);
});
