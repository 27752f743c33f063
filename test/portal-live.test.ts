import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { lineCents, unitCents } from '../public/bid.js';
import { bidTotal, lineTotal, MAX_UNIT_AMOUNT } from '../src/budget/totals';
import { activity, documents, signatures, versionViews } from '../src/db/schema';
import type { DocumentSnapshot, SnapshotLine } from '../src/documents/snapshot';
import { parseDecimal } from '../src/http/validate';
import { changesSince, versionChanges } from '../src/portal/changes';
import { buildSignedPdf } from '../src/signing/certificate';
import { finalizeSignature } from '../src/signing/finalize';
import { FONTS } from '../src/pdf/fonts';
import { money } from '../views/format';
import { countingD1, withRoomD1 } from './bindings';
import { Browser, db } from './helpers';
import { companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { makeSnapshot } from './pdf-snapshot';
import { editDraft, openLink } from './portal-fixtures';
import { unescape } from './pages';

// Issue 13, part C: the bid form that reads like a form, live outcomes (sealed, voided, paid,
// revised) and what changed since the version the recipient last opened.

type Company = Awaited<ReturnType<typeof companyWithBudget>>;
let co: Company;

beforeAll(async () => {
  co = await companyWithBudget();
});

const visibleText = (body: string) =>
  unescape(body.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .replace(/ ([,.;:)])/g, '$1');
/** The markup of the element that starts at `marker` (an attribute unique to it) up to its closing tag. */
function region(body: string, marker: string, tag: string) {
  const at = body.indexOf(marker);
  expect(at, `${marker} in the page`).toBeGreaterThan(-1);
  const start = body.lastIndexOf(`<${tag}`, at);
  let depth = 0;
  const re = new RegExp(`<${tag}\\b|</${tag}>`, 'g');
  re.lastIndex = start;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    depth += m[0].startsWith('</') ? -1 : 1;
    if (depth === 0) return body.slice(start, m.index + m[0].length);
  }
  throw new Error(`no end of ${marker}`);
}
const sentSnapshot = async (id: string) => {
  const doc = await db().query.documents.findFirst({ where: eq(documents.id, id) });
  const v = await db().query.documentVersions.findFirst({
    where: (t, { and, eq }) => and(eq(t.documentId, id), eq(t.version, doc!.sentVersion!)),
  });
  return { snapshot: JSON.parse(v!.snapshot!) as DocumentSnapshot, version: v! };
};
const seenVersions = async (documentId: string) =>
  (await db().select().from(versionViews).where(eq(versionViews.documentId, documentId))).map((r) => r.version);

/** A live page's socket: every event it hears, and the close code and reason once the room closes it. */
async function live(browser: Browser, path: string) {
  const res = await browser.fetch(path, { headers: { Upgrade: 'websocket' } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const events: { type: string; timeline?: string }[] = [];
  let closed: { code: number; reason: string } | null = null;
  ws.addEventListener('message', (m) => {
    if (typeof m.data === 'string' && m.data !== 'pong') events.push(JSON.parse(m.data));
  });
  ws.addEventListener('close', (e) => {
    closed = { code: e.code, reason: e.reason };
  });
  return { ws, types: () => events.map((e) => e.type), events, closed: () => closed };
}

// ---------------------------------------------------------------------------------------------
describe('the bid form reads like a form', () => {
  async function bidRequest() {
    const id = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
    const { link } = await sendDocument(co.browser, id);
    const { browser, html } = await openLink(link);
    const { snapshot, version } = await sentSnapshot(id);
    const items = snapshot.lines.filter((l) => l.kind === 'item');
    return { id, browser, html, snapshot, items, hash: version.pdfSha256! };
  }

  it('puts an input named for its line inside each line, says empty is "No bid", and ends with notes and submit', async () => {
    const { id, html, items } = await bidRequest();
    expect(items.length).toBe(2);
    const lines = region(html, 'data-bid-lines', 'section');
    // One block per requested line: its name, quantity, its own input and its total.
    const blocks = [...lines.matchAll(/<div class="bid-line"[\s\S]*?(?=<div class="bid-line"|<\/section>$)/g)];
    expect(blocks).toHaveLength(items.length);
    for (const [i, line] of items.entries()) {
      const block = blocks[i][0];
      expect(block).toContain(`<span class="item-name">${line.name.replace(/“/g, '“')}</span>`);
      expect(block).toContain(`name="cost.${line.id}"`);
      expect(block).toContain('form="bid-form"');
      // The accessible name names the line: label text "Your unit cost for <line>".
      const label = new RegExp(`<label for="cost-${line.id}">([\\s\\S]*?)</label>`).exec(block)?.[1] ?? '';
      expect(visibleText(label).trim()).toBe(`Your unit cost for ${line.name}`);
      expect(visibleText(block)).toContain('Line total No bid');
      expect(block).toContain('aria-describedby="bid-hint"');
    }
    expect(visibleText(lines)).toContain('Leave it empty for “No bid”.');
    // The decision: the form posts to the document's own address, running total, notes, then submit last.
    const form = region(html, 'id="bid-form"', 'form');
    expect(form).toContain(`action="/portal/documents/${id}#bid"`);
    expect(form).toContain('name="intent" value="bid"');
    const order = ['data-bid-total', 'name="note"', 'type="submit"'].map((s) => form.indexOf(s));
    expect(order.every((n, i) => n > 0 && (i === 0 || n > order[i - 1]))).toBe(true);
    expect(visibleText(form)).toContain('Your bid total No bid 0 of 2 lines priced');
    // The lines come in the document, before the decision.
    expect(html.indexOf('data-bid-lines')).toBeLessThan(html.indexOf('id="decide"'));
    expect(html).toContain('<script type="module" src="/bid.js"');
  });

  it('without scripts, the submitted bid shows each line total, "No bid" on blank lines and the running total', async () => {
    const { id, browser, items, hash } = await bidRequest();
    const [first, second] = items;
    // As the form posts it: to the document's own address with intent=bid.
    const res = await browser.post(`/portal/documents/${id}`, {
      intent: 'bid',
      versionHash: hash,
      [`cost.${first.id}`]: '1,234.57',
      [`cost.${second.id}`]: '',
      note: 'Firm for 30 days',
    });
    expect(res.status, (await res.clone().text()).slice(0, 500)).toBe(303);
    const html = await (await browser.get(`/portal/documents/${id}`)).text();
    const lines = region(html, 'data-bid-lines', 'section');
    const total = lineTotal(first.quantity, 123_457);
    const blocks = lines.split('<div class="bid-line"').slice(1);
    expect(visibleText(blocks[0])).toContain(`Line total ${money(total)}`);
    expect(blocks[0]).toContain('value="1234.57"');
    expect(visibleText(blocks[1])).toContain('Line total No bid');
    expect(blocks[1]).toMatch(new RegExp(`name="cost.${second.id}"`));
    expect(blocks[1]).not.toMatch(new RegExp(`name="cost.${second.id}"[^>]*value="[^"]`));
    const bid = bidTotal([
      { quantity: first.quantity, unitCost: 123_457 },
      { quantity: second.quantity, unitCost: null },
    ]);
    expect(bid).toBe(total);
    const form = visibleText(region(html, 'id="bid-form"', 'form'));
    expect(form).toContain(`Your bid total ${money(bid)} 1 of 2 lines priced`);
    expect(visibleText(region(html, 'id="bid"', 'section'))).toContain(`You submitted ${money(bid)} on`);
    expect(form).toContain('Update bid');
  });

  it('a refused bid keeps every value, marks the line it cannot take and says why inside the form', async () => {
    const { id, browser, items, hash } = await bidRequest();
    const [first, second] = items;
    const res = await browser.post(`/portal/documents/${id}/bid`, {
      versionHash: hash,
      [`cost.${first.id}`]: '12,50',
      [`cost.${second.id}`]: '40',
      [`note.${second.id}`]: 'Includes trim',
      note: 'Keep me',
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    const form = region(html, 'id="bid-form"', 'form');
    expect(form).toMatch(
      /<p class="form-summary" role="alert" tabindex="-1" data-focus-error(="true")?>[^<]*Unit cost for/,
    );
    expect(form).toContain('>Keep me</textarea>');
    const lines = region(html, 'data-bid-lines', 'section');
    expect(lines).toContain('value="12,50"');
    expect(lines).toMatch(new RegExp(`id="cost-${first.id}"[^>]*aria-invalid="true"`));
    expect(lines).toContain(`id="cost-${first.id}-error"`);
    expect(lines).toContain('value="40"');
    expect(lines).toContain('value="Includes trim"');
    // The line it can take still shows its total; the running total counts it.
    expect(visibleText(lines)).toContain(`Line total ${money(lineTotal(second.quantity, 4000))}`);
    expect(visibleText(form)).toContain('1 of 2 lines priced');
  });

  it('bid.js reads a typed cost as the server does and totals lines in integer cents like bidTotal', () => {
    const typed = [
      '',
      '  ',
      '12',
      '12.5',
      '12.50',
      '1,234.57',
      '$ 99.99',
      '0',
      '-0',
      '-1',
      '12,50',
      '1.234',
      'abc',
      '.',
    ];
    typed.push('10000000', '10000000.01', '+3', '1,000,000.00', '.5', '5.');
    for (const t of typed) {
      const server = t.trim() ? parseDecimal(t, 2) : null;
      const ok = server !== null && server >= 0 && server <= MAX_UNIT_AMOUNT;
      const expected = !t.trim() ? null : ok ? BigInt(server) : undefined;
      expect(unitCents(t), JSON.stringify(t)).toBe(expected);
    }
    // Rounding once per line, half away from zero, exactly as the server.
    const cases: [number, number][] = [
      [3333, 15], // 4.9995 cents → 5
      [5000, 1], // 0.5 → 1
      [4999, 1], // 0.4999 → 0
      [12_345_678, 99_999],
      [10_000_000, 100_000_000],
      [1, 1],
    ];
    for (const [q, c] of cases) expect(lineCents(q, BigInt(c)), `${q} × ${c}`).toBe(BigInt(lineTotal(q, c)));
    const lines = cases.slice(0, 5).map(([quantity, unitCost]) => ({ quantity, unitCost }));
    const sum = lines.reduce((n, l) => n + lineCents(l.quantity, BigInt(l.unitCost))!, 0n);
    expect(sum).toBe(BigInt(bidTotal(lines)));
    // Past $10 billion a line is refused, like costLineRefusal.
    expect(lineCents(10_000_001 * 10_000, 1_000_000_000n)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
describe('what changed: the diff of two snapshots', () => {
  const item = (id: string, name: string, quantity: number, unitAmount: number, extra: Partial<SnapshotLine> = {}) =>
    ({
      id,
      kind: 'item',
      name,
      description: '',
      quantity,
      unit: 'ea',
      unitAmount,
      total: lineTotal(quantity, unitAmount),
      taxable: true,
      ...extra,
    }) as SnapshotLine;
  const group = (id: string, name: string) =>
    ({
      id,
      kind: 'group',
      name,
      description: '',
      quantity: 0,
      unit: '',
      unitAmount: 0,
      total: 0,
      taxable: false,
    }) as SnapshotLine;
  const snap = (version: number, lines: SnapshotLine[], extra: Partial<DocumentSnapshot> = {}) => {
    const s = makeSnapshot({ version, lines, ...extra });
    const total = lines.reduce((n, l) => n + l.total, 0);
    return { ...s, totals: { ...s.totals, total, deposit: extra.totals?.deposit ?? 0 } };
  };
  // Revision ids keep the first 20 characters: the lineage.
  const rev = (id: string, n: number) => `${id.padEnd(20, 'x')}r${String(n).padStart(3, '0')}`;

  it('finds lines added, removed, and changed in quantity and price, per group, and the total difference', () => {
    const before = snap(1, [
      group(rev('g1', 1), 'Demolition'),
      item(rev('a', 1), 'Remove cabinets', 160_000, 8125),
      item(rev('b', 1), 'Dumpster', 10_000, 60_375),
      group(rev('g2', 1), 'Electrical'),
      item(rev('c', 1), 'Kitchen circuits', 10_000, 495_600),
      item(rev('d', 1), 'Recessed lights', 100_000, 6240),
    ]);
    const after = snap(2, [
      group(rev('g1', 2), 'Demolition'),
      item(rev('a', 2), 'Remove cabinets', 200_000, 8125), // quantity 16 → 20
      group(rev('g2', 2), 'Electrical'),
      item(rev('c', 2), 'Kitchen circuits', 10_000, 510_000), // price
      item(rev('d', 2), 'Recessed lights', 100_000, 6240), // unchanged
      item('newlinexxxxxxxxxxxxxx001', 'Under-cabinet lights', 40_000, 4500), // added
    ]);
    const c = versionChanges(before, after, 'f'.repeat(64));
    expect(c).toMatchObject({ from: 1, to: 2, fromSha256: 'f'.repeat(64), amountColumn: 'price' });
    expect(c.count).toEqual({ added: 1, removed: 1, changed: 2 });
    expect(
      c.groups.map((g) => [g.group, g.changes.map((x) => `${x.kind} ${'after' in x ? x.after.name : x.before.name}`)]),
    ).toEqual([
      ['Demolition', ['changed Remove cabinets', 'removed Dumpster']],
      ['Electrical', ['changed Kitchen circuits', 'added Under-cabinet lights']],
    ]);
    const cabinets = c.groups[0].changes[0];
    expect(cabinets.kind === 'changed' && cabinets.fields).toEqual(['quantity', 'total']);
    const circuits = c.groups[1].changes[0];
    expect(circuits.kind === 'changed' && circuits.fields).toEqual(['unitAmount', 'total']);
    expect(c.total.difference).toBe(after.totals.total - before.totals.total);
    expect(c.total).toEqual({ before: before.totals.total, after: after.totals.total, difference: c.total.difference });
    expect(c.other).toEqual([]);
  });

  it('reordering is not a change; a line moved to another group, a renamed group and other terms are', () => {
    const lines = [
      group(rev('g1', 1), 'Demolition'),
      item(rev('a', 1), 'Remove cabinets', 10_000, 100),
      item(rev('b', 1), 'Dumpster', 10_000, 200),
      group(rev('g2', 1), 'Electrical'),
      item(rev('c', 1), 'Circuits', 10_000, 300),
    ];
    const before = snap(1, lines, { terms: 'Net 30', dueDate: '2026-04-01', taxRate: 8000 });
    const reordered = snap(
      2,
      [lines[0], lines[2], lines[1], lines[3], lines[4]].map((l) => ({
        ...l,
        id: rev(l.id.slice(0, 2).replace(/x/g, ''), 2),
      })),
      {
        terms: 'Net 30',
        dueDate: '2026-04-01',
        taxRate: 8000,
      },
    );
    const same = versionChanges(before, reordered);
    expect(same.count).toEqual({ added: 0, removed: 0, changed: 0 });
    expect(same.groups).toEqual([]);
    const moved = snap(
      3,
      [
        group(rev('g1', 3), 'Demolition & haul-away'),
        item(rev('a', 3), 'Remove cabinets', 10_000, 100),
        group(rev('g2', 3), 'Electrical'),
        item(rev('c', 3), 'Circuits', 10_000, 300),
        item(rev('b', 3), 'Dumpster', 10_000, 200),
      ],
      { terms: 'Net 15', dueDate: '2026-05-01', taxRate: 8875 },
    );
    const c = versionChanges(before, moved);
    expect(c.count).toEqual({ added: 0, removed: 0, changed: 1 });
    const dumpster = c.groups[0].changes[0];
    expect(c.groups[0].group).toBe('Electrical');
    expect(dumpster.kind === 'changed' && dumpster.fields).toEqual(['group']);
    expect(c.other.map((o) => o.field).sort()).toEqual(['dueDate', 'group', 'taxRate', 'terms']);
    expect(c.other.find((o) => o.field === 'group')).toEqual({
      field: 'group',
      before: 'Demolition',
      after: 'Demolition & haul-away',
    });
  });

  it('nothing to compare with: no earlier version opened, or the same version', () => {
    const s = snap(2, [item(rev('a', 2), 'A', 10_000, 100)]);
    expect(changesSince(null, s)).toBeNull();
    expect(changesSince({ version: 2, pdfSha256: 'x', snapshot: JSON.stringify(s) }, s)).toBeNull();
    const one = snap(1, [item(rev('a', 1), 'A', 10_000, 90)]);
    expect(changesSince({ version: 1, pdfSha256: 'h', snapshot: JSON.stringify(one) }, s)?.count.changed).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
describe('what changed since the version the recipient last opened', () => {
  /** Revise a sent estimate: cabinets' price, the dumpster removed, a backsplash added; sends rev 2. */
  async function reviseAndSend(id: string) {
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    await editDraft(co.browser, id, (fields) => {
      const named = (name: string) => fields.find(([k, v]) => k.startsWith('name.') && v === name)![0].slice(5);
      const cabinets = named('Remove cabinets');
      const dumpster = named('Dumpster');
      return [
        ...fields.map(([k, v]): [string, string] => [k, k === `amount.${cabinets}` ? '100.00' : v]),
        [`remove.${dumpster}`, '1'],
        ['name._new', 'Backsplash tile'],
        ['quantity._new', '30'],
        ['unit._new', 'sq ft'],
        ['amount._new', '22.50'],
        ['taxable._new', 'on'],
      ];
    });
    return sendDocument(co.browser, id);
  }
  it('a contact who opened rev 1 sees, above the document and before signing, what changed and the total difference', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const first = await sendDocument(co.browser, id);
    const { browser } = await openLink(first.link);
    await expect.poll(() => seenVersions(id), { timeout: 5000 }).toEqual([1]);
    const rev1 = await sentSnapshot(id);
    await reviseAndSend(id);
    const rev2 = await sentSnapshot(id);
    const html = await (await browser.get(`/portal/documents/${id}`)).text();
    const changes = region(html, 'data-region="changes"', 'section');
    const text = visibleText(changes);
    expect(text).toContain('What changed since rev 1');
    expect(text).toContain('This is rev 2.');
    expect(text).toMatch(/Added Backsplash tile: 30 sq ft × \$22\.50 = \$675\.00/);
    expect(text).toMatch(/Removed Dumpster \(was 1 hr × \$603\.75 = \$603\.75\)/);
    expect(text).toMatch(
      /Changed Remove cabinets: unit price \$100\.00 \(was \$81\.25\); line total \$1,600\.00 \(was \$1,300\.00\)/,
    );
    const diff = rev2.snapshot.totals.total - rev1.snapshot.totals.total;
    expect(text).toContain(
      `Total ${money(rev2.snapshot.totals.total)}, ${diff > 0 ? 'up' : 'down'} ${money(Math.abs(diff))} from ${money(rev1.snapshot.totals.total)}.`,
    );
    // After the summary, before the document and the decision; the sign form says what was compared.
    const at = (s: string) => html.indexOf(s);
    expect(at('data-region="summary"')).toBeLessThan(at('data-region="changes"'));
    expect(at('data-region="changes"')).toBeLessThan(at('data-region="document"'));
    expect(at('data-region="document"')).toBeLessThan(at('data-region="decide"'));
    expect(region(html, 'data-sign-form', 'form')).toContain(`name="comparedTo" value="${rev1.version.pdfSha256}"`);
    // Opening rev 2 does not make the comparison disappear on the next visit.
    await expect.poll(() => seenVersions(id), { timeout: 5000 }).toEqual([1, 2]);
    expect(await (await browser.get(`/portal/documents/${id}`)).text()).toContain('What changed since rev 1');
  });

  it('a contact who never opened rev 1 is shown rev 2 as it is, with no comparison', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    const { link } = await reviseAndSend(id);
    const { html } = await openLink(link);
    expect(html).toContain('rev 2');
    expect(html).not.toContain('data-region="changes"');
    expect(html).not.toContain('name="comparedTo"');
  });

  it('the live page fetching itself again (X-Live-Refresh) is not logged as a view and takes no flash', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser } = await openLink(link);
    const views = () => db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'viewed')));
    await expect.poll(views, { timeout: 5000 }).toBe(1);
    for (let i = 0; i < 3; i++) {
      const res = await browser.fetch(`/portal/documents/${id}`, { headers: { 'X-Live-Refresh': '1' } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('data-region="decide"');
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await views()).toBe(1);
    // A stranger's live refresh is the same 404 as any request without a session.
    expect((await new Browser().fetch(`/portal/documents/${id}`, { headers: { 'X-Live-Refresh': '1' } })).status).toBe(
      404,
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe('the signature records the comparison it was shown', () => {
  async function revisedAndOpened() {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const first = await sendDocument(co.browser, id);
    const { browser } = await openLink(first.link);
    await expect.poll(() => seenVersions(id), { timeout: 5000 }).toEqual([1]);
    const rev1 = (await sentSnapshot(id)).version;
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'title' ? 'Kitchen, revised' : v]));
    await sendDocument(co.browser, id);
    const page = await (await browser.get(`/portal/documents/${id}`)).text();
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    return { id, browser, rev1, hash, page, sign: signing(browser, id, hash) };
  }
  /** Signs (typed, consenting) the version `versionHash`, saying the page compared it with `comparedTo`. */
  const signing =
    (browser: Browser, id: string, versionHash: string) =>
    (comparedTo: string, key = 'k-compare-1') =>
      browser.post(`/portal/documents/${id}/sign`, {
        versionHash,
        idempotencyKey: key,
        name: 'Dana Reyes',
        method: 'typed',
        consent: 'yes',
        comparedTo,
      });
  const signatureOf = async (id: string) =>
    (await db().select().from(signatures).where(eq(signatures.documentId, id)))[0];

  it('stores the earlier version and its hash, and the certificate page says the signer was shown them', async () => {
    const { id, rev1, page, sign } = await revisedAndOpened();
    expect(page).toContain(`name="comparedTo" value="${rev1.pdfSha256}"`);
    expect((await sign(rev1.pdfSha256!)).status).toBe(303);
    const sig = await signatureOf(id);
    expect(sig).toMatchObject({ version: 2, comparedToVersion: 1, comparedToSha256: rev1.pdfSha256 });
    await expect.poll(async () => (await signatureOf(id)).sealedAt, { timeout: 15_000 }).not.toBeNull();
    const sealed = await env.FILES.get((await signatureOf(id)).sealedPdfKey!);
    const bytes = new Uint8Array(await sealed!.arrayBuffer());
    const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
    expect(text.replace(/\s+/g, ' ')).toContain(
      `Shown the changes since rev 1 (SHA-256 ${rev1.pdfSha256}) before signing`,
    );
  });

  it('records nothing for a hash that is not an earlier sent version of this document', async () => {
    const other = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.electrical });
    await sendDocument(co.browser, other);
    const foreign = (await sentSnapshot(other)).version.pdfSha256!;
    const cases = [(h: string) => h, () => foreign, () => 'a'.repeat(64), () => 'not a hash'];
    for (const [i, pick] of cases.entries()) {
      const { id, hash, sign } = await revisedAndOpened();
      expect((await sign(pick(hash), `k-bad-${i}-x`)).status).toBe(303);
      const sig = await signatureOf(id);
      expect(sig.outcome, `case ${i}`).toBe('signed');
      expect(sig.comparedToVersion, `case ${i}`).toBeNull();
      expect(sig.comparedToSha256, `case ${i}`).toBeNull();
    }
  });

  it('records only the version the page compared with: an earlier version the signer never opened does not count', async () => {
    // Opened rev 1, never rev 2; rev 3 is shown against rev 1.
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { browser } = await openLink((await sendDocument(co.browser, id)).link);
    await expect.poll(() => seenVersions(id), { timeout: 5000 }).toEqual([1]);
    const rev1 = (await sentSnapshot(id)).version;
    const revise = async (title: string) => {
      expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
      await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'title' ? title : v]));
      await sendDocument(co.browser, id);
      return (await sentSnapshot(id)).version;
    };
    const rev2 = await revise('Kitchen, second take');
    await revise('Kitchen, third take');
    expect(await seenVersions(id)).toEqual([1]);
    const page = await (await browser.get(`/portal/documents/${id}`)).text();
    expect(page).toContain(`name="comparedTo" value="${rev1.pdfSha256}"`);
    const sign = signing(browser, id, /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1]);
    // Two signs at once, each naming another earlier version: one signature, and it claims nothing false.
    const answers = await Promise.all([sign(rev2.pdfSha256!, 'k-never-opened'), sign(rev2.pdfSha256!, 'k-never-2')]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409]);
    const sig = await signatureOf(id);
    expect(sig).toMatchObject({ version: 3, comparedToVersion: null, comparedToSha256: null });
  });

  it('the certificate line is printed only when a comparison was shown', async () => {
    const unsigned = await (await co.browser.get(`/documents/${await firstSentId()}.pdf`)).arrayBuffer();
    const base = {
      unsignedPdf: new Uint8Array(unsigned),
      unsignedSha256: 'b'.repeat(64),
      box: null,
      documentTitle: 'Kitchen',
      documentLabel: 'Estimate EST-0001',
      version: 2,
      company: 'Oak & Stone Builders',
      timeZone: 'America/New_York',
      signer: {
        name: 'Dana Reyes',
        email: 'dana@example.test',
        method: 'typed' as const,
        signedAt: Date.now(),
        consentAt: null,
        ip: '203.0.113.1',
        userAgent: 'test',
      },
      image: null,
      events: [],
      fonts: FONTS,
    };
    const textOf = async (input: typeof base & { comparedTo?: { version: number; sha256: string } | null }) => {
      const bytes = await buildSignedPdf(input);
      return (await extractText(await getDocumentProxy(bytes), { mergePages: true })).text.replace(/\s+/g, ' ');
    };
    expect(await textOf({ ...base, comparedTo: { version: 1, sha256: 'c'.repeat(64) } })).toContain(
      `Shown the changes since rev 1 (SHA-256 ${'c'.repeat(64)}) before signing`,
    );
    expect(await textOf(base)).not.toContain('Shown the changes');
  });

  it('a revision sent while the recipient signs: one or the other, never a signature on a version that moved on', async () => {
    for (let round = 0; round < 3; round++) {
      const { id, rev1, hash, sign } = await revisedAndOpened();
      expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
      const [sent, signed] = await Promise.all([
        co.browser.post(`/documents/${id}/send`, { name: 'Dana Reyes', email: co.customerContact.email, message: '' }),
        sign(rev1.pdfSha256!, `k-race-${round}-x`),
      ]);
      const sig = await signatureOf(id);
      const doc = await db().query.documents.findFirst({ where: eq(documents.id, id) });
      if (sig) {
        // The signature won: it is on rev 2, with its comparison; the send was refused.
        expect(signed.status).toBe(303);
        expect(sent.status).toBe(409);
        expect(sig).toMatchObject({ version: 2, unsignedPdfSha256: hash, comparedToVersion: 1 });
        expect(doc!.sentVersion).toBe(2);
      } else {
        // The send won: rev 3 is out and the signature was refused as stale.
        expect(sent.status).toBe(303);
        expect(signed.status).toBe(409);
        expect(doc!.sentVersion).toBe(3);
      }
    }
  });
});

let firstSent: string | null = null;
async function firstSentId() {
  if (firstSent) return firstSent;
  const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
  await sendDocument(co.browser, id);
  firstSent = id;
  return id;
}

// ---------------------------------------------------------------------------------------------
describe('live outcomes reach an open page', () => {
  it('the sealed PDF is broadcast: the recipient and contractor pages hear "sealed" after "decision"', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser, html } = await openLink(link);
    const theirs = await live(browser, `/portal/documents/${id}/live`);
    const ours = await live(co.browser, `/documents/${id}/live`);
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(html)![1];
    const res = await browser.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-live-seal-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(res.status).toBe(303);
    await expect.poll(() => theirs.types().includes('sealed'), { timeout: 15_000 }).toBe(true);
    expect(theirs.types().indexOf('decision')).toBeLessThan(theirs.types().indexOf('sealed'));
    await expect.poll(() => ours.types().includes('sealed'), { timeout: 5000 }).toBe(true);
    expect(ours.events.find((e) => e.type === 'sealed')?.timeline).toContain('sealed');
    // The page the recipient's live.js fetches now has the download in place of "Finalizing".
    const decide = region(
      await (await browser.fetch(`/portal/documents/${id}`, { headers: { 'X-Live-Refresh': '1' } })).text(),
      'data-region="decide"',
      'section',
    );
    expect(decide).toContain(`href="/portal/documents/${id}/signed.pdf"`);
    expect(decide).not.toContain('data-live-pending');
    // The seal's timeline row took its place in the document's sequence (it went through the room).
    const rows = await db().select().from(activity).where(eq(activity.documentId, id));
    const seqs = rows.map((r) => r.seq!).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(rows.filter((r) => r.action === 'sealed')).toHaveLength(1);
    theirs.ws.close();
    ours.ws.close();
  });

  /** A sent estimate its recipient signed (typed): its id, the recipient's browser and the signature row. */
  async function signedEstimate(idempotencyKey: string) {
    const { id, r: browser, hash } = await sentToRecipient(co, 'estimate', { group: co.groups.demolition });
    const res = await browser.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(res.status).toBe(303);
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    return { id, browser, sig };
  }

  it('two seals of one signature at once: one is recorded, once, and its file stays', async () => {
    // The sign starts a seal after its answer; the scheduled retry and a second worker race it here.
    const { id, browser, sig } = await signedEstimate('k-double-seal');
    const outcomes = await Promise.all([
      finalizeSignature(env, db(), sig.id, 'http://localhost'),
      finalizeSignature(env, db(), sig.id, 'http://localhost'),
      finalizeSignature(env, db(), sig.id, 'http://localhost'),
    ]);
    expect(outcomes.filter((o) => o === 'failed')).toEqual([]);
    const after = (await db().select().from(signatures).where(eq(signatures.id, sig.id)))[0];
    expect(after.sealedAt).not.toBeNull();
    expect(await env.FILES.get(after.sealedPdfKey!)).not.toBeNull();
    const sealedRows = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.documentId, id), eq(activity.action, 'sealed')));
    expect(sealedRows).toHaveLength(1);
    expect((await browser.get(`/portal/documents/${id}/signed.pdf`)).status).toBe(200);
  });

  it('a seal commits in one room batch, decided in SQL: of two runs that read it unsealed, one seals and the other is refused and keeps no file', async () => {
    const { id, browser, sig } = await signedEstimate('k-one-batch-seal');
    // The sign's own seal runs after its answer (waitUntil): waited for, as the other live tests do.
    await expect
      .poll(async () => (await db().select().from(signatures).where(eq(signatures.id, sig.id)))[0].sealedPdfKey, {
        timeout: 15_000,
      })
      .not.toBeNull();
    const [first] = await db().select().from(signatures).where(eq(signatures.id, sig.id));
    // Unsealed again (as a seal that failed leaves it), its 'sealed' line kept: the retries below must not add another.
    await db()
      .update(signatures)
      .set({ sealedAt: null, sealedPdfKey: null, sealedPdfSha256: null })
      .where(eq(signatures.id, sig.id));
    const sealedLines = () => db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'sealed')));
    const linesBefore = await sealedLines();
    const room = countingD1();
    const outcomes = await withRoomD1(id, room.d1, () =>
      Promise.all([
        finalizeSignature(env, db(), sig.id, 'http://localhost'),
        finalizeSignature(env, db(), sig.id, 'http://localhost'),
      ]),
    );
    expect(outcomes.sort()).toEqual(['already', 'sealed']);
    // In the room: each run's commit is one batch, the 'sealed' line (with its condition) first; nothing is read there.
    const seals = room.calls.filter((c) => c.sql.some((q) => q.startsWith('update "signatures" set "sealed_pdf_key"')));
    expect(seals, room.describe()).toHaveLength(2);
    for (const c of seals) {
      expect(c.kind).toBe('batch');
      expect(c.sql[0]).toMatch(/^insert into "activity"/);
    }
    expect(
      room.calls.filter((c) => c.kind !== 'batch' && c.sql.some((q) => q.includes('"signatures"'))),
      room.describe(),
    ).toEqual([]);
    expect(await sealedLines()).toBe(linesBefore + 1);
    const [after] = await db().select().from(signatures).where(eq(signatures.id, sig.id));
    expect(after.sealedAt).not.toBeNull();
    expect(await env.FILES.get(after.sealedPdfKey!)).not.toBeNull();
    // The refused run's own file (its CMS signature differs, so its key does) is deleted: the first seal's and
    // the winner's are all that is stored.
    const stored = await env.FILES.list({ prefix: first.sealedPdfKey!.replace(/-signed-.*$/, '-signed-') });
    expect(stored.objects.map((o) => o.key).sort()).toEqual(
      [...new Set([first.sealedPdfKey!, after.sealedPdfKey!])].sort(),
    );
    expect((await browser.get(`/portal/documents/${id}/signed.pdf`)).status).toBe(200);
  });

  it('a payment recorded reaches the open portal page, and its new balance is what live.js fetches', async () => {
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser } = await openLink(link);
    const theirs = await live(browser, `/portal/documents/${id}/live`);
    const paid = await co.browser.post(`/documents/${id}/payments`, {
      amount: '100.00',
      paidOn: '2026-02-03',
      method: 'Check',
      reference: '1042',
    });
    expect(paid.status).toBe(303);
    await expect.poll(() => theirs.types().includes('payment_recorded'), { timeout: 5000 }).toBe(true);
    const page = await (await browser.fetch(`/portal/documents/${id}`, { headers: { 'X-Live-Refresh': '1' } })).text();
    expect(region(page, 'data-region="decide"', 'section')).toContain('Check · 1042');
    theirs.ws.close();
  });

  it('a void closes the open portal page saying why (it may no longer hear the document)', async () => {
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser } = await openLink(link);
    const theirs = await live(browser, `/portal/documents/${id}/live`);
    const ours = await live(co.browser, `/documents/${id}/live`);
    expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
    await expect
      .poll(() => theirs.closed(), { timeout: 5000 })
      .toEqual({
        code: 4403,
        reason: 'This document was voided. It is no longer valid.',
      });
    expect(theirs.types()).not.toContain('status'); // told by the close, not by an event it may no longer hear
    await expect.poll(() => ours.types().includes('status'), { timeout: 5000 }).toBe(true);
    expect(ours.closed()).toBeNull();
    ours.ws.close();
  });
});
