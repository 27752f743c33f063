import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentLines, documentVersions, signatures } from '../src/db/schema';
import { parseDisplay, recipientSnapshot } from '../src/documents/display';
import type { DocumentSnapshot } from '../src/documents/snapshot';
import { money } from '../views/format';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db } from './helpers';
import { fieldError, unescape } from './pages';
import { editDraft, sentSnapshot } from './portal-fixtures';
import { makeSnapshot } from './pdf-snapshot';

// Issue 20, display options: a number the document hides is absent from every surface the recipient can
// reach (the portal page and its live refresh, the PDF, the emails, the live socket, the sealed PDF with its
// certificate) while the totals it makes are shown; choices and allowances keep their own amounts.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let other: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Display Builders' });
  other = await companyWithBudget({ company: 'Elsewhere Remodeling' });
});

// Distinctive numbers that appear nowhere else: the two demolition lines' unit prices, quantities and totals.
const CABINETS = { quantity: '13.75', unit: '89.83', total: '1,235.16' };
const DUMPSTER = { quantity: '2.625', unit: '246.13', total: '646.09' };
const DEMOLITION_SUBTOTAL = '$1,881.25';
const ALLOWANCE = '$3,017.00';
const OPTION = '$4,956.19';

type Display = { mode: string; unitPrices?: boolean; quantities?: boolean; lineTotals?: boolean };

const draftVersion = async (id: string) => {
  const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) });
  return (await db().query.documentVersions.findFirst({
    where: (v, { and, eq }) => and(eq(v.documentId, id), eq(v.version, doc!.currentVersion)),
  }))!;
};

/** The editor's fields with the display fieldset set to `d` (checkboxes ticked only when true). */
function withDisplay(fields: [string, string][], d: Display): [string, string][] {
  const kept = fields.filter(
    ([k]) => !['displayMode', 'showUnitPrices', 'showQuantities', 'showLineTotals'].includes(k),
  );
  return [
    ...kept,
    ['displayMode', d.mode],
    ...(d.unitPrices ? [['showUnitPrices', 'on'] as [string, string]] : []),
    ...(d.quantities ? [['showQuantities', 'on'] as [string, string]] : []),
    ...(d.lineTotals ? [['showLineTotals', 'on'] as [string, string]] : []),
  ];
}

/**
 * An estimate of the whole budget with distinctive amounts, its display set through the editor, one
 * allowance and one optional line marked in D1 (the editor's choice fields are part A1's), sent and opened.
 */
async function sentWith(d: Display) {
  const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
  const lines = await db()
    .select()
    .from(documentLines)
    .where(eq(documentLines.versionId, (await draftVersion(id)).id));
  const idOf = (name: string) => lines.find((l) => l.name.startsWith(name))!.id;
  const set: Record<string, string> = {
    [`quantity.${idOf('Remove cabinets')}`]: CABINETS.quantity,
    [`amount.${idOf('Remove cabinets')}`]: CABINETS.unit,
    [`quantity.${idOf('Dumpster')}`]: DUMPSTER.quantity,
    [`amount.${idOf('Dumpster')}`]: DUMPSTER.unit,
    [`quantity.${idOf('Recessed')}`]: '1',
    [`amount.${idOf('Recessed')}`]: '3017.00',
    [`quantity.${idOf('Kitchen circuits')}`]: '1',
    [`amount.${idOf('Kitchen circuits')}`]: '4956.19',
  };
  await editDraft(co.browser, id, (f) =>
    withDisplay(
      f.map(([k, v]) => [k, set[k] ?? v]),
      d,
    ),
  );
  const versionId = (await draftVersion(id)).id;
  const mark = (name: string, values: Partial<typeof documentLines.$inferInsert>) =>
    db()
      .update(documentLines)
      .set(values)
      .where(and(eq(documentLines.versionId, versionId), eq(documentLines.name, name)));
  await mark('Recessed lights — Zürich “LED”', { allowance: true });
  await mark('Kitchen circuits', { choice: 'optional' });
  const { link } = await sendDocument(co.browser, id);
  const r = new Browser();
  await r.get(link);
  return { id, r, snapshot: await sentSnapshot(id) };
}

const pdfText = async (bytes: ArrayBuffer) =>
  (await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true })).text.replace(/\s+/g, ' ');

/** Every surface the recipient can reach, as text. */
async function surfaces(id: string, r: Browser) {
  const page = unescape(await (await r.get(`/portal/documents/${id}`)).text());
  const refresh = unescape(
    await (await r.fetch(`/portal/documents/${id}`, { headers: { 'X-Live-Refresh': '1' } })).text(),
  );
  const pdfRes = await r.get(`/portal/documents/${id}.pdf`);
  expect(pdfRes.status).toBe(200);
  const pdf = await pdfText(await pdfRes.arrayBuffer());
  const mails = await db().query.outbox.findMany({ where: (o, { eq }) => eq(o.documentId, id) });
  const mail = unescape(mails.map((m) => `${m.subject}\n${m.text}\n${m.html}`).join('\n'));
  // "Your choices" hands its island amounts in data attributes: as money, they are one more surface.
  const data = [...page.matchAll(/data-(?:base-subtotal|base-taxable|adds|adds-taxable)="(\d+)"/g)]
    .map((m) => money(Number(m[1]), 'USD'))
    .join('\n');
  return { page, refresh, pdf, mail, data };
}

function expectHidden(texts: Record<string, string>, hidden: string[]) {
  for (const [surface, text] of Object.entries(texts))
    for (const h of hidden) expect(text.includes(h), `${surface} holds ${h}`).toBe(false);
}

/** The surfaces a total is shown on (the data attributes hold amounts to add, not the total). */
const pagesAndMail = ({ data: _, ...rest }: Record<string, string>) => rest;

function expectShown(texts: Record<string, string>, shown: string[]) {
  for (const [surface, text] of Object.entries(texts))
    for (const s of shown) expect(text.includes(s), `${surface} lacks ${s}`).toBe(true);
}

const everyNumber = [
  CABINETS.quantity,
  CABINETS.unit,
  CABINETS.total,
  DUMPSTER.quantity,
  DUMPSTER.unit,
  DUMPSTER.total,
];

describe('hidden numbers are hidden on every surface, the totals are right', () => {
  it('itemized with unit prices, quantities and line totals all off', async () => {
    const { id, r, snapshot } = await sentWith({ mode: 'itemized' });
    expect(snapshot.display).toEqual({ mode: 'itemized', unitPrices: false, quantities: false, lineTotals: false });
    const s = await surfaces(id, r);
    const total = money(snapshot.totals.total, snapshot.currency);
    expectHidden(s, [...everyNumber, DEMOLITION_SUBTOTAL]);
    // The totals, in the page, the refresh, the PDF and the email; the marks on the page and in the PDF.
    expectShown(pagesAndMail(s), [total]);
    expectShown({ page: s.page, refresh: s.refresh, pdf: s.pdf }, [
      money(snapshot.totals.subtotal, snapshot.currency),
      OPTION,
      `Allowance: ${ALLOWANCE} for Recessed lights`,
      'selected later',
      'Optional · Not included',
    ]);
    // The optional line is offered, not counted: the total is the demolition lines and the allowance.
    expect(snapshot.totals.subtotal).toBe(123_516 + 64_609 + 301_700);
    // The contractor's own page shows every number, and says what the customer does not see.
    const desk = unescape(await (await co.browser.get(`/documents/${id}`)).text());
    for (const n of everyNumber) expect(desk).toContain(n);
    expect(desk).toContain('The customer does not see the unit prices, quantities or line totals.');
  });

  it('itemized with only unit prices hidden shows quantities and line totals', async () => {
    const { id, r } = await sentWith({ mode: 'itemized', quantities: true, lineTotals: true });
    const s = await surfaces(id, r);
    const { mail, data: _data, ...pages } = s;
    expectHidden(s, [`$${CABINETS.unit}`, `$${DUMPSTER.unit}`]);
    expectShown(pages, [CABINETS.quantity, DUMPSTER.quantity, `$${CABINETS.total}`, `$${DUMPSTER.total}`]);
    expect(mail).not.toContain(CABINETS.total);
  });

  it('group subtotals: no line numbers, each group its subtotal', async () => {
    const { id, r, snapshot } = await sentWith({ mode: 'group_subtotals', unitPrices: true, quantities: true });
    const s = await surfaces(id, r);
    expectHidden(s, everyNumber);
    const { mail: _, data: _data, ...pages } = s;
    expectShown(pages, [DEMOLITION_SUBTOTAL, money(snapshot.totals.total, snapshot.currency), OPTION]);
    expect(s.page).toContain('Remove cabinets');
  });

  it('lump sum: one total with the scope, no line or group numbers besides the option and the allowance', async () => {
    const { id, r, snapshot } = await sentWith({
      mode: 'lump_sum',
      unitPrices: true,
      quantities: true,
      lineTotals: true,
    });
    const s = await surfaces(id, r);
    expectHidden(s, [...everyNumber, DEMOLITION_SUBTOTAL]);
    expectShown(pagesAndMail(s), [money(snapshot.totals.total, snapshot.currency)]);
    const { mail: _, data: _data, ...pages } = s;
    expectShown(pages, ['Remove cabinets', 'Dumpster', OPTION, ALLOWANCE]);
  });

  it('untaxed lump sum: the choices data attributes hold no hidden line total', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const versionId = (await draftVersion(id)).id;
    const lumpSum = { mode: 'lump_sum', unitPrices: true, quantities: true, lineTotals: true };
    await db()
      .update(documentVersions)
      .set({ taxRate: 0, display: JSON.stringify(lumpSum) })
      .where(eq(documentVersions.id, versionId));
    const mark = (name: string, values: Partial<typeof documentLines.$inferInsert>) =>
      db()
        .update(documentLines)
        .set(values)
        .where(and(eq(documentLines.versionId, versionId), eq(documentLines.name, name)));
    // Only the cabinets and the lights stay taxable: their taxable part would be their own totals.
    await mark('Dumpster', { taxable: false });
    await mark('Electrical', { choice: 'optional' });
    await mark('Kitchen circuits', { taxable: false });
    const { link } = await sendDocument(co.browser, id);
    const r = new Browser();
    await r.get(link);
    const s = await surfaces(id, r);
    const snapshot = await sentSnapshot(id);
    const hidden = snapshot.lines
      .filter((l) => l.name === 'Remove cabinets' || l.name.startsWith('Recessed'))
      .map((l) => money(l.total, snapshot.currency));
    expect(s.page).toContain('data-base-taxable="0"');
    expect(s.page).toContain('data-adds-taxable="0"');
    expectHidden({ data: s.data }, hidden);
  });

  it('the live socket, the signature and the sealed PDF with its certificate hold no hidden number', async () => {
    const { id, r, snapshot } = await sentWith({ mode: 'lump_sum' });
    const res = await r.fetch(`/portal/documents/${id}/live`, { headers: { Upgrade: 'websocket' } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const heard: string[] = [];
    ws.addEventListener('message', (m) => typeof m.data === 'string' && heard.push(m.data));
    const page = await (await r.get(`/portal/documents/${id}`)).text();
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    const signed = await r.post(`/portal/documents/${id}`, {
      intent: 'sign',
      versionHash: hash,
      idempotencyKey: `display-${Date.now()}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
      // The document offers an option: the sign form always carries the choice (here: none added).
      choices: '1',
    });
    expect(signed.status).toBe(303);
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    await expect
      .poll(async () => (await db().select().from(signatures).where(eq(signatures.id, sig.id)))[0].sealedPdfKey, {
        timeout: 20_000,
        interval: 100,
      })
      .toBeTruthy();
    const [sealed] = await db().select().from(signatures).where(eq(signatures.id, sig.id));
    const certified = await pdfText(await (await env.FILES.get(sealed.sealedPdfKey!))!.arrayBuffer());
    expect(heard.length).toBeGreaterThan(0);
    const mails = await db().query.outbox.findMany({ where: (o, { eq }) => eq(o.documentId, id) });
    const texts = {
      socket: heard.join('\n'),
      certified,
      signedPage: unescape(await (await r.get(`/portal/documents/${id}`)).text()),
      mails: unescape(mails.map((m) => `${m.text}\n${m.html}`).join('\n')),
    };
    expectHidden(texts, [...everyNumber, DEMOLITION_SUBTOTAL]);
    expect(certified).toContain(money(snapshot.totals.total, snapshot.currency));
    expect(certified).toMatch(/certificate/i);
    ws.close();
  });

  it('a revision changing only the display (lump sum to itemized) says no line changed', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const setDisplay = async (d: Display) =>
      db()
        .update(documentVersions)
        .set({ display: JSON.stringify(d) })
        .where(eq(documentVersions.id, (await draftVersion(id)).id));
    await setDisplay({ mode: 'lump_sum', unitPrices: true, quantities: true, lineTotals: true });
    const { link } = await sendDocument(co.browser, id);
    const r = new Browser();
    await r.get(link);
    await r.get(`/portal/documents/${id}`);
    expect((await co.browser.post(`/documents/${id}/revise`, {})).status).toBe(303);
    await setDisplay({ mode: 'itemized', unitPrices: true, quantities: true, lineTotals: true });
    await sendDocument(co.browser, id);
    const page = unescape(await (await r.get(`/portal/documents/${id}`)).text());
    const changes = /<section id="changes"[\s\S]*?<\/section>/.exec(page)?.[0] ?? '';
    expect(page).toContain('rev 2');
    expect(changes).not.toContain('Changed');
  });

  it('what changed since the last version names no number either version hides', async () => {
    const { id, r } = await sentWith({ mode: 'itemized', quantities: true, lineTotals: true });
    await r.get(`/portal/documents/${id}`);
    const revised = await co.browser.post(`/documents/${id}/revise`, {});
    expect(revised.status).toBe(303);
    const lines = await db()
      .select()
      .from(documentLines)
      .where(eq(documentLines.versionId, (await draftVersion(id)).id));
    const cabinets = lines.find((l) => l.name === 'Remove cabinets')!.id;
    // Revision 2 hides the quantities and line totals too, and changes the cabinets' numbers.
    await editDraft(co.browser, id, (f) =>
      withDisplay(
        f.map(([k, v]) => [k, k === `quantity.${cabinets}` ? '11.5' : k === `amount.${cabinets}` ? '97.31' : v]),
        { mode: 'itemized' },
      ),
    );
    await sendDocument(co.browser, id);
    const page = unescape(await (await r.get(`/portal/documents/${id}`)).text());
    expect(page).toContain('What changed');
    for (const hidden of [CABINETS.quantity, '11.5', '$97.31', '$89.83', CABINETS.total, '1,119.07'])
      expect(page.includes(hidden), hidden).toBe(false);
  });
});

describe('the editor saves the display options', () => {
  it('a new draft shows everything; a save stores the options, a revision keeps them', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    expect(parseDisplay((await draftVersion(id)).display)).toEqual({
      mode: 'itemized',
      unitPrices: true,
      quantities: true,
      lineTotals: true,
    });
    const editor = unescape(await (await co.browser.get(`/documents/${id}`)).text());
    expect(editor).toContain('What the customer sees');
    expect(editor).toMatch(/name="displayMode" value="itemized" checked/);
    await editDraft(co.browser, id, (f) => withDisplay(f, { mode: 'group_subtotals', lineTotals: true }));
    const saved = { mode: 'group_subtotals', unitPrices: false, quantities: false, lineTotals: true };
    expect(parseDisplay((await draftVersion(id)).display)).toEqual(saved);
    expect(unescape(await (await co.browser.get(`/documents/${id}`)).text())).toMatch(
      /name="displayMode" value="group_subtotals" checked/,
    );
    await sendDocument(co.browser, id);
    expect((await sentSnapshot(id)).display).toEqual(saved);
    expect((await co.browser.post(`/documents/${id}/revise`, {})).status).toBe(303);
    const draft = await draftVersion(id);
    expect(draft.version).toBe(2);
    expect(parseDisplay(draft.display)).toEqual(saved);
    expect(draft.selection).toBeNull();
  });

  it('an unknown mode is refused on its field, the form kept, nothing saved', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const before = await draftVersion(id);
    const page = await co.browser.get(`/documents/${id}`);
    const { formFields } = await import('./portal-fixtures');
    const fields = withDisplay(formFields(await page.text(), `/documents/${id}`), { mode: 'secret_mode' }).map(
      ([k, v]) => [k, k === 'title' ? 'A title typed in' : v] as [string, string],
    );
    const grouped: Record<string, string[]> = {};
    for (const [k, v] of fields.filter(([k]) => k !== '_csrf')) (grouped[k] ??= []).push(v);
    const res = await co.browser.post(`/documents/${id}`, grouped);
    expect(res.status).toBe(422);
    const body = unescape(await res.text());
    expect(fieldError(body, 'displayMode') ?? body).toContain(
      'Choose how the lines are shown: itemized, group subtotals only or lump sum.',
    );
    expect(body).toContain('value="A title typed in"');
    const after = await draftVersion(id);
    expect(after.display).toBe(before.display);
    expect(after.title).toBe(before.title);
  });

  it("another company's user cannot save it (404), and nothing changes", async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const before = await draftVersion(id);
    const res = await other.browser.post(`/documents/${id}`, { displayMode: 'lump_sum', title: 'Mine now' });
    expect(res.status).toBe(404);
    const after = await draftVersion(id);
    expect(after.display).toBe(before.display);
    expect(after.updatedAt).toBe(before.updatedAt);
  });

  it('two saves at once: each is whole, the draft ends as one of them', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const page = await co.browser.get(`/documents/${id}`);
    const { formFields } = await import('./portal-fixtures');
    const base = formFields(await page.text(), `/documents/${id}`).filter(([k]) => k !== '_csrf');
    const post = (d: Display, title: string) => {
      const grouped: Record<string, string[]> = {};
      for (const [k, v] of withDisplay(base, d)) (grouped[k] ??= []).push(k === 'title' ? title : v);
      return co.browser.post(`/documents/${id}`, grouped);
    };
    const results = await Promise.all([
      post({ mode: 'lump_sum' }, 'Lump sum version'),
      post({ mode: 'group_subtotals', lineTotals: true }, 'Subtotals version'),
    ]);
    for (const res of results) expect([303, 409]).toContain(res.status);
    expect(results.some((res) => res.status === 303)).toBe(true);
    const v = await draftVersion(id);
    const d = parseDisplay(v.display);
    // Never one save's title with the other's display.
    expect(
      (v.title === 'Lump sum version' && d.mode === 'lump_sum') ||
        (v.title === 'Subtotals version' && d.mode === 'group_subtotals'),
    ).toBe(true);
  });

  it('a purchase order offers no display options and always shows every number', async () => {
    const id = await createDocument(co.browser, co.jobId, 'purchase_order', { group: co.groups.electrical });
    const editor = await (await co.browser.get(`/documents/${id}`)).text();
    expect(editor).not.toContain('What the customer sees');
    expect(editor).not.toContain('name="displayMode"');
    const snapshotOf = async () => {
      const v = await draftVersion(id);
      return v;
    };
    expect((await snapshotOf()).display).toBe('{}');
  });
});

describe('marks on the portal and in the PDF', () => {
  it('allowance and optional marks read on a fully itemized document too', async () => {
    const { id, r, snapshot } = await sentWith({
      mode: 'itemized',
      unitPrices: true,
      quantities: true,
      lineTotals: true,
    });
    const s = await surfaces(id, r);
    for (const text of [s.page, s.pdf]) {
      expect(text).toContain(`Allowance: ${ALLOWANCE} for Recessed lights`);
      expect(text).toContain('Optional · Not included');
      expect(text).toContain(`$${CABINETS.unit}`);
    }
    const stored: DocumentSnapshot = snapshot;
    expect(stored.lines.find((l) => l.name === 'Kitchen circuits')).toMatchObject({ choice: 'optional' });
    const [v] = await db().select().from(documentVersions).where(eq(documentVersions.documentId, id));
    expect(v.pdfSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('recipientSnapshot', () => {
  const line = (id: string, kind: 'item' | 'group', total: number, extra: object = {}) => ({
    id,
    kind,
    name: id,
    description: '',
    quantity: kind === 'item' ? 10_000 : 0,
    unit: 'ea',
    unitAmount: total,
    total,
    taxable: false,
    ...extra,
  });
  const snapshot = makeSnapshot({
    lines: [
      line('Framing', 'group', 0),
      line('Studs', 'item', 100_000),
      line('Heated floor', 'group', 0, { choice: 'optional', choiceSet: '', preselected: false }),
      line('Mat', 'item', 30_000),
      line('Thermostat', 'item', 12_000),
    ],
    display: { mode: 'lump_sum', unitPrices: true, quantities: true, lineTotals: true },
  });

  it('lump sum: no line numbers; an optional group keeps what choosing it adds; the totals stay', () => {
    const shown = recipientSnapshot(snapshot);
    const byName = new Map(shown.lines.map((l) => [l.name, l]));
    for (const name of ['Studs', 'Mat', 'Thermostat']) {
      expect(byName.get(name)).not.toHaveProperty('total');
      expect(byName.get(name)).not.toHaveProperty('unitAmount');
      expect(byName.get(name)).not.toHaveProperty('quantity');
    }
    expect(byName.get('Framing')).not.toHaveProperty('subtotal');
    expect(byName.get('Heated floor')).toMatchObject({ subtotal: 42_000, included: false });
    expect(shown.totals.lineTotals).toEqual([]);
    expect(shown.totals.total).toBe(snapshot.totals.total);
    expect(recipientSnapshot(shown)).toEqual(shown);
  });

  it('a vendor document and a full display are passed as they are', () => {
    const full = makeSnapshot({});
    expect(recipientSnapshot(full)).toBe(full);
    const vendor = { ...snapshot, side: 'vendor' as const, amountColumn: 'cost' as const };
    expect(recipientSnapshot(vendor).lines.find((l) => l.name === 'Studs')).toMatchObject({ total: 100_000 });
  });
});
