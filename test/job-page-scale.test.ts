// Issue 19: the job page's cost stays flat as the budget grows. A budget of more than BUDGET_PAGE items
// shows its groups folded to their totals (summed in SQL), one group open a page of items at a time.
import { beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_PAGE } from '../src/budget/queries';
import {
  type BudgetLine,
  budgetTotals,
  lineTotal,
  MAX_LINE_TOTAL,
  MAX_QUANTITY,
  MAX_UNIT_AMOUNT,
} from '../src/budget/totals';
import { createId } from '../src/db/ids';
import { costGroups, costItems } from '../src/db/schema';
import { chunk } from '../src/documents/queries';
import { money } from '../views/format';
import { countTrips } from './bindings';
import { Browser, createJob, db, location, signUp } from './helpers';
import { unescape } from './pages';

interface Line {
  quantity: number;
  unitCost: number;
  unitPrice: number;
  position?: number;
}
interface Seeded {
  id: string;
  name: string;
  items: (Line & { id: string; groupId: string; position: number })[];
}

/** Inserts groups and their items straight into D1 (as dev/bench-seed.ts does): thousands in seconds. */
async function seedBudget(orgId: string, jobId: string, groups: { name: string; lines: Line[] }[]) {
  const now = Date.now();
  const seeded: Seeded[] = groups.map((g) => {
    const id = createId();
    const items = g.lines.map((l, i) => ({ ...l, id: createId(), groupId: id, position: l.position ?? i + 1 }));
    return { id, name: g.name, items };
  });
  const groupRows = seeded.map((g, i) => ({ id: g.id, orgId, jobId, name: g.name, position: i + 1, createdAt: now }));
  const itemRows = seeded.flatMap((g) =>
    g.items.map((i) => ({
      id: i.id,
      orgId,
      jobId,
      groupId: g.id,
      position: i.position,
      name: `${g.name} line ${i.position}`,
      costType: 'materials' as const,
      quantity: i.quantity,
      unitCost: i.unitCost,
      unitPrice: i.unitPrice,
      createdAt: now,
      updatedAt: now,
    })),
  );
  const d = db();
  const statements = [
    ...chunk(groupRows, 7).map((part) => d.insert(costGroups).values(part)),
    ...chunk(itemRows, 18).map((part) => d.insert(costItems).values(part)),
  ];
  for (let i = 0; i < statements.length; i += 50) await d.batch(statements.slice(i, i + 50) as never);
  return seeded;
}

/** A plausible line n of a big budget: fractional quantities, odd cents, a few credits (negative prices). */
const lineOf = (n: number): Line => {
  const unitCost = 1_501 + ((n * 7_919) % 250_000);
  return {
    quantity: (1 + (n % 40)) * 10_000 + (n % 4) * 2_501,
    unitCost,
    unitPrice: n % 97 === 0 ? -unitCost : Math.round(unitCost * 1.187),
  };
};

const allLines = (groups: Seeded[]): BudgetLine[] => groups.flatMap((g) => g.items);

/** A tbody of the budget table by its group's anchor. */
function groupBody(body: string, groupId: string): string {
  const m = new RegExp(`<tbody id="group-${groupId}">([\\s\\S]*?)</tbody>`).exec(body);
  if (!m) throw new Error(`no tbody for group ${groupId}`);
  return m[1];
}

/** A group heading row's cost and price cells, by the group's name. */
function groupCells(body: string, name: string) {
  const m = new RegExp(
    `<th scope="rowgroup" colspan="7">${name}</th><td class="num">([^<]*)</td><td class="num">([^<]*)</td>`,
  ).exec(body);
  if (!m) throw new Error(`no heading row for ${name}`);
  return { cost: unescape(m[1]), price: unescape(m[2]) };
}

/** The job total row's cost, price and margin. */
function jobTotalCells(body: string) {
  const m =
    /Job total<\/th>\s*<td class="num">([^<]*)<\/td><td class="num">([^<]*)<\/td>\s*<td colspan="2">Margin ([^<]*)</.exec(
      body,
    );
  if (!m) throw new Error('no job total row');
  return { cost: unescape(m[1]), price: unescape(m[2]), margin: unescape(m[3]) };
}

/** The ids of the items a page shows (their edit links), in order. */
const shownItems = (body: string, jobId: string) =>
  [...body.matchAll(new RegExp(`href="/jobs/${jobId}/items/([a-z0-9]+)/edit"`, 'g'))].map((m) => m[1]);

const hrefOf = (body: string, text: string) => {
  const m = new RegExp(`<a href="([^"]+)">${text}<span class="visually-hidden">`).exec(body);
  return m ? unescape(m[1]) : undefined;
};

async function page200(browser: Browser, path: string) {
  const res = await browser.get(path);
  const body = await res.text();
  expect(res.status, body.slice(0, 300)).toBe(200);
  return body;
}

let owner: Browser;
let orgId: string;
let bigJobId: string;
let big: Seeded[];
let pagedJobId: string;
let paged: Seeded[];
let stranger: { browser: Browser; jobId: string; groupId: string };

beforeAll(async () => {
  const co = await signUp({ company: 'Scale Test Builders' });
  owner = co.browser;
  orgId = co.orgId;
  bigJobId = await createJob(owner, 'Hospital wing');
  let n = 0;
  big = await seedBudget(
    orgId,
    bigJobId,
    Array.from({ length: 100 }, (_, g) => ({
      name: `Trade ${g + 1}`,
      lines: Array.from({ length: 20 }, () => lineOf(++n)),
    })),
  );
  // One group past a page, with positions that collide (as deletions leave them): the cursor is (position, id).
  pagedJobId = await createJob(owner, 'Warehouse fit-out');
  paged = await seedBudget(orgId, pagedJobId, [
    { name: 'Shelving', lines: Array.from({ length: 600 }, (_, i) => ({ ...lineOf(i + 1), position: 1 + (i >> 2) })) },
    { name: 'Lighting', lines: Array.from({ length: 3 }, (_, i) => lineOf(i + 7)) },
  ]);
  const other = await signUp({ company: 'Other Builders' });
  const otherJob = await createJob(other.browser, 'Their job');
  const [theirs] = await seedBudget(other.orgId, otherJob, [
    { name: 'Their group', lines: Array.from({ length: 300 }, (_, i) => lineOf(i)) },
  ]);
  stranger = { browser: other.browser, jobId: otherJob, groupId: theirs.id };
}, 120_000);

describe('a job page of 2,000 budget items', () => {
  it('shows every group with its totals and item count, no item rows, in one round trip and under 300 KB', async () => {
    const { res, trips } = await countTrips(owner, `/jobs/${bigJobId}`);
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(trips).toBe(1);
    expect(body.length).toBeLessThan(300 * 1024);
    expect(body).toContain('This budget has 2,000 items, so it shows each group with its totals.');
    expect(shownItems(body, bigJobId)).toEqual([]);
    const totals = budgetTotals(allLines(big));
    for (const g of big) {
      const rows = groupBody(body, g.id);
      const t = totals.groups.get(g.id)!;
      expect(groupCells(rows, g.name)).toEqual({ cost: money(t.cost), price: money(t.price) });
      expect(rows).toContain(`Margin ${money(t.margin)}`);
      expect(hrefOf(rows, 'Show 20 items')).toBe(`/jobs/${bigJobId}?group=${g.id}#group-${g.id}`);
      expect(rows).toContain(`<span class="visually-hidden"> in ${g.name}</span>`);
      // Adding, moving and editing a group work from its folded row.
      expect(rows).toContain(`/jobs/${bigJobId}/items/new?group=${g.id}`);
      expect(rows).toContain(`formaction="/jobs/${bigJobId}/groups/${g.id}/move?group="`);
      expect(rows).toContain(`/jobs/${bigJobId}/groups/${g.id}/edit`);
    }
    expect(jobTotalCells(body)).toEqual({
      cost: money(totals.job.cost),
      price: money(totals.job.price),
      margin: money(totals.job.margin),
    });
  });

  it('?group= opens that group only, its items in order, with a link that folds it again', async () => {
    const g = big[41];
    const { res, trips } = await countTrips(owner, `/jobs/${bigJobId}?group=${g.id}`);
    const body = await res.text();
    expect(res.status).toBe(200);
    expect(trips).toBe(1);
    expect(shownItems(body, bigJobId)).toEqual(g.items.map((i) => i.id));
    expect(shownItems(groupBody(body, g.id), bigJobId)).toHaveLength(20);
    for (const i of g.items.slice(0, 3)) {
      expect(body).toContain(`formaction="/jobs/${bigJobId}/items/${i.id}/move?group=${g.id}"`);
      expect(groupBody(body, g.id)).toContain(money(lineTotal(i.quantity, i.unitPrice)));
    }
    expect(hrefOf(groupBody(body, g.id), 'Hide items')).toBe(`/jobs/${bigJobId}#group-${g.id}`);
    expect(hrefOf(groupBody(body, big[40].id), 'Show 20 items')).toBeDefined();
    expect(body).not.toContain('Next items');
    const totals = budgetTotals(allLines(big));
    expect(jobTotalCells(body).price).toBe(money(totals.job.price));
  });

  it('bad ?group= and ?after= values show the folded page (200), never another company’s items', async () => {
    const bad = [
      'zzzzzzzzzzzzzzzzzzzzzzzz',
      stranger.groupId,
      '<script>alert(1)</script>',
      'a'.repeat(5000),
      '',
      `${big[0].id}&group=${big[1].id}`,
      `${big[0].id.toUpperCase()}`,
      `${big[2].id}%00`,
    ];
    for (const group of bad) {
      const body = await page200(owner, `/jobs/${bigJobId}?group=${encodeURIComponent(group)}`);
      expect(shownItems(body, bigJobId), group.slice(0, 40)).toEqual([]);
      expect(body).toContain('This budget has 2,000 items');
    }
    const g = big[3];
    for (const after of ['garbage', '-1_x', `99999999999_${g.items[0].id}`, '1_', '_', 'a'.repeat(3000)]) {
      const body = await page200(owner, `/jobs/${bigJobId}?group=${g.id}&after=${encodeURIComponent(after)}`);
      expect(shownItems(body, bigJobId), after.slice(0, 40)).toEqual(g.items.map((i) => i.id));
    }
    const past = await page200(owner, `/jobs/${bigJobId}?group=${g.id}&after=999999_zzzzzzzzzzzz`);
    expect(shownItems(past, bigJobId)).toEqual([]);
    expect(hrefOf(past, 'First items')).toBe(`/jobs/${bigJobId}?group=${g.id}#group-${g.id}`);
  });

  it('another company’s job is not found, even with its own group open; signed out goes to sign-in', async () => {
    const theirs = await owner.get(`/jobs/${stranger.jobId}?group=${stranger.groupId}`);
    expect(theirs.status).toBe(404);
    expect(await theirs.text()).not.toContain('Their group');
    const mine = await stranger.browser.get(`/jobs/${bigJobId}?group=${big[0].id}`);
    expect(mine.status).toBe(404);
    const signedOut = await new Browser().get(`/jobs/${bigJobId}?group=${big[0].id}`);
    expect(signedOut.status).toBe(303);
    expect(location(signedOut)).toBe(`/sign-in?next=${encodeURIComponent(`/jobs/${bigJobId}?group=${big[0].id}`)}`);
  });
});

describe('a group of more than a page of items', () => {
  it('pages by its (position, id) cursor: every item once, in order, with Next and First links', async () => {
    const [shelving] = paged;
    const expected = [...shelving.items]
      .sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1))
      .map((i) => i.id);
    const first = `/jobs/${pagedJobId}?group=${shelving.id}#group-${shelving.id}`;
    let body = await page200(owner, first.split('#')[0]);
    expect(body).toContain('This budget has 603 items');
    expect(hrefOf(body, 'First items')).toBeUndefined();
    const seen: string[] = [];
    const pages: number[] = [];
    for (;;) {
      const ids = shownItems(body, pagedJobId);
      pages.push(ids.length);
      seen.push(...ids);
      const next = hrefOf(body, 'Next items');
      if (!next) break;
      expect(next).toMatch(new RegExp(`^/jobs/${pagedJobId}\\?group=${shelving.id}&after=\\d+_[a-z0-9]+#group-`));
      const { res, trips } = await countTrips(owner, next.split('#')[0]);
      expect(trips).toBe(1);
      body = await res.text();
      expect(hrefOf(body, 'First items')).toBe(first);
    }
    expect(pages).toEqual([BUDGET_PAGE, BUDGET_PAGE, 600 - 2 * BUDGET_PAGE]);
    expect(seen).toEqual(expected);
  });
});

describe('moves on a folded budget', () => {
  const formactions = (body: string) =>
    [...body.matchAll(/formaction="([^"]+)"/g)].map((m) => unescape(m[1])).filter((a) => a.includes('/move'));

  it('an item moved on a later page of its group comes back to that page', async () => {
    const [shelving] = paged;
    const first = await page200(owner, `/jobs/${pagedJobId}?group=${shelving.id}`);
    const next = hrefOf(first, 'Next items')!.split('#')[0];
    const body = await page200(owner, next);
    // Well inside the page: positions tie in fours, and a move renumbers ties, which may shift the edges.
    const [itemId] = shownItems(body, pagedJobId).slice(100, 101);
    const action = formactions(body).find((a) => a.startsWith(`/jobs/${pagedJobId}/items/${itemId}/move`))!;
    const after = next.split('&after=')[1];
    expect(action).toBe(`/jobs/${pagedJobId}/items/${itemId}/move?group=${shelving.id}&after=${after}`);
    const res = await owner.post(action, { direction: 'up' });
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`/jobs/${pagedJobId}?group=${shelving.id}&after=${after}#group-${shelving.id}`);
    expect(shownItems(await page200(owner, location(res).split('#')[0]), pagedJobId)).toContain(itemId);
  });

  it('a group moved while folded comes back to it, the open group still open', async () => {
    const [a, b] = [big[10], big[11]];
    const body = await page200(owner, `/jobs/${bigJobId}?group=${big[50].id}`);
    const action = formactions(body).find((x) => x.startsWith(`/jobs/${bigJobId}/groups/${b.id}/move`))!;
    expect(action).toBe(`/jobs/${bigJobId}/groups/${b.id}/move?group=${big[50].id}`);
    const res = await owner.post(action, { direction: 'up' });
    expect(location(res)).toBe(`/jobs/${bigJobId}?group=${big[50].id}#group-${b.id}`);
    const moved = await page200(owner, `/jobs/${bigJobId}`);
    expect(moved.indexOf(`id="group-${b.id}"`)).toBeLessThan(moved.indexOf(`id="group-${a.id}"`));
    const folded = formactions(moved).find((x) => x.includes(`/groups/${a.id}/move`));
    expect(folded).toBe(`/jobs/${bigJobId}/groups/${a.id}/move?group=`);
    expect(location(await owner.post(folded!, { direction: 'up' }))).toBe(`/jobs/${bigJobId}#group-${a.id}`);
  });

  it('a bad ?group= or ?after= on a move changes nothing of where it goes but the page', async () => {
    const g = big[20];
    for (const [query, to] of [
      ['?group=%3Cscript%3E', `/jobs/${bigJobId}#group-${g.id}`],
      [`?group=${g.id}&after=javascript:alert(1)`, `/jobs/${bigJobId}?group=${g.id}#group-${g.id}`],
      ['?group=https://evil.example', `/jobs/${bigJobId}#group-${g.id}`],
    ]) {
      const res = await owner.post(`/jobs/${bigJobId}/groups/${g.id}/move${query}`, { direction: 'down' });
      expect(res.status).toBe(303);
      expect(location(res)).toBe(to);
    }
  });
});

describe('totals summed in SQL equal budgetTotals', () => {
  // Negative amounts are in the model: a change order's line may be a credit (documents/drafts.ts allows
  // unit amounts down to -MAX_UNIT_AMOUNT), and its approval copies the line into the budget as it is.
  const awkward: { name: string; lines: Line[] }[] = [
    {
      name: 'Half cents',
      lines: [
        { quantity: 5_000, unitCost: 1, unitPrice: -1 }, // ±0.5¢: 1¢ and -1¢, away from zero
        { quantity: 15_000, unitCost: 1, unitPrice: -1 }, // ±1.5¢
        { quantity: 25_000, unitCost: 1, unitPrice: -1 }, // ±2.5¢
        { quantity: 4_999, unitCost: 1, unitPrice: -1 }, // ±0.4999¢: 0
        { quantity: 3_333, unitCost: 3, unitPrice: -3 }, // ±0.9999¢
        { quantity: 1, unitCost: 5_000, unitPrice: -5_001 },
      ],
    },
    {
      name: 'Biggest lines',
      lines: [
        { quantity: MAX_QUANTITY, unitCost: 1_000_000, unitPrice: 1 }, // exactly MAX_LINE_TOTAL
        { quantity: 9_999_999, unitCost: MAX_UNIT_AMOUNT, unitPrice: -MAX_UNIT_AMOUNT },
        { quantity: 12_345, unitCost: 999_999_999, unitPrice: 777_777_777 },
      ],
    },
    {
      name: 'Fractions and credits',
      lines: [
        { quantity: 1, unitCost: 1, unitPrice: 1 },
        { quantity: 33_333, unitCost: 1_999, unitPrice: -2_499 },
        { quantity: 7_777, unitCost: 12_345, unitPrice: 15_000 },
        { quantity: 0, unitCost: 99_999, unitPrice: 120_000 },
        { quantity: 10_001, unitCost: 0, unitPrice: 33 },
      ],
    },
    { name: 'Nothing yet', lines: [] },
  ];

  it('the awkward values are within what a line may hold', () => {
    for (const l of awkward.flatMap((g) => g.lines)) {
      expect(l.quantity).toBeLessThanOrEqual(MAX_QUANTITY);
      expect(Math.abs(lineTotal(l.quantity, l.unitCost))).toBeLessThanOrEqual(MAX_LINE_TOTAL);
      expect(Math.abs(lineTotal(l.quantity, l.unitPrice))).toBeLessThanOrEqual(MAX_LINE_TOTAL);
    }
    expect(lineTotal(MAX_QUANTITY, 1_000_000)).toBe(MAX_LINE_TOTAL);
  });

  for (const [label, padding] of [
    ['a small job (its whole table)', 0],
    ['a big job (folded)', BUDGET_PAGE],
  ] as const) {
    it(`on ${label}: every group's cost and price, and the job's totals and margin`, async () => {
      const jobId = await createJob(owner, `Awkward ${label}`);
      const groups = [
        ...awkward,
        ...(padding ? [{ name: 'Padding', lines: Array.from({ length: padding }, (_, i) => lineOf(i)) }] : []),
      ];
      const seeded = await seedBudget(orgId, jobId, groups);
      const body = await page200(owner, `/jobs/${jobId}`);
      expect(body.includes('so it shows each group with its totals')).toBe(padding > 0);
      const totals = budgetTotals(allLines(seeded));
      for (const g of seeded) {
        const t = totals.groups.get(g.id) ?? { cost: 0, price: 0 };
        expect(groupCells(body, g.name), g.name).toEqual({ cost: money(t.cost), price: money(t.price) });
      }
      expect(jobTotalCells(body)).toEqual({
        cost: money(totals.job.cost),
        price: money(totals.job.price),
        margin: money(totals.job.margin),
      });
    });
  }
});
