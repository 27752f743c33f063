// Issue 14, "A timeline worth reading": the contractor's document page shows its timeline newest
// first, repeated views collapsed into one line per recipient (network details behind a toggle),
// paged past 50 entries with "Older activity"; live updates keep the collapsed line current.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activityInsert, type Action, type Actor } from '../src/conversation/activity';
import { orgs } from '../src/db/schema';
import { dateTime } from '../views/format';
import { Browser, db, signUp } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let timeZone: string;

beforeAll(async () => {
  co = await companyWithBudget();
  timeZone = (await db().query.orgs.findFirst({ where: eq(orgs.id, co.orgId) }))!.timeZone;
});

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile Safari';
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';

async function sentEstimate() {
  const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
  const { link } = await sendDocument(co.browser, id);
  return { id, link };
}

/** Appends timeline rows as the room would (the next seq each), at the given times. */
async function add(documentId: string, events: { action: Action; actor?: Actor; at: number; data?: object }[]) {
  for (const e of events) {
    await activityInsert(db(), {
      orgId: co.orgId,
      jobId: co.jobId,
      documentId,
      action: e.action,
      actor: e.actor ?? { side: 'contractor', name: 'Owner' },
      data: e.data as Record<string, unknown>,
      at: e.at,
    });
  }
}

const dana = (ip = '203.0.113.7', userAgent = IPHONE): Actor => ({
  side: 'recipient',
  contactId: co.customerContact.id,
  name: 'Dana Reyes',
  ip,
  userAgent,
});

/** The timeline's entries on a page: each <li> of the timeline list, in page order. */
function timeline(body: string) {
  const list = /<ol class="timeline"[^>]*>([\s\S]*?)<\/ol>/.exec(body);
  expect(list, 'a timeline on the page').not.toBeNull();
  return [...list![1].matchAll(/<li\b[\s\S]*?<\/li>/g)].map((m) => m[0]);
}
const text = (s: string) =>
  s
    .replace(/<details[\s\S]*?<\/details>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
const seqOf = (li: string) => Number(/data-seq="(\d+)"/.exec(li)?.[1]);

describe('the document timeline reads newest first, repeated views as one line', () => {
  it('orders entries newest first and collapses each run of views per recipient, details closed', async () => {
    const { id } = await sentEstimate();
    const t = Date.now() - 3_600_000;
    await add(id, [
      { action: 'viewed', actor: dana(), at: t },
      { action: 'viewed', actor: dana('198.51.100.4', DESKTOP), at: t + 60_000 },
      { action: 'viewed', actor: dana(), at: t + 120_000 },
      { action: 'commented', actor: dana(), at: t + 180_000, data: { excerpt: 'Can we start in March?' } },
      { action: 'viewed', actor: dana(), at: t + 240_000 },
      { action: 'viewed', actor: dana(), at: t + 300_000 },
    ]);
    const res = await co.browser.get(`/documents/${id}`);
    expect(res.status).toBe(200);
    const items = timeline(await res.text());
    const seqs = items.map(seqOf);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(text(items[0])).toContain(`Dana Reyes viewed it 2 times, last ${dateTime(t + 300_000, timeZone)}`);
    expect(text(items[1])).toContain('Dana Reyes commented');
    expect(text(items[2])).toContain(`Dana Reyes viewed it 3 times, last ${dateTime(t + 120_000, timeZone)}`);
    expect(text(items[3])).toMatch(/sent rev 1 to/);
    expect(items.filter((li) => /viewed it/.test(li))).toHaveLength(2);
    // Network details sit behind a closed "Details" toggle, never as a row of their own.
    const details = /<details\b([^>]*)>([\s\S]*?)<\/details>/.exec(items[2])!;
    expect(details[1]).not.toMatch(/\bopen\b/);
    expect(details[2]).toMatch(/<summary[^>]*>Details<\/summary>/);
    expect(details[2]).toContain('203.0.113.7');
    expect(details[2]).toContain('198.51.100.4');
    expect(details[2]).toContain('Mobile Safari');
    for (const li of items) expect(text(li)).not.toContain('Mozilla');
    // The summary above the document still counts every view.
    const again = await (await co.browser.get(`/documents/${id}`)).text();
    expect(again).toMatch(/Viewed by Dana Reyes · 5 times/);
  });

  it('a view seen live replaces its collapsed line: same entry key, the new count, added at the top', async () => {
    const { id, link } = await sentEstimate();
    const res = await co.browser.fetch(`/documents/${id}/live`, { headers: { Upgrade: 'websocket' } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const heard: { type: string; timeline?: string }[] = [];
    ws.addEventListener('message', (m) => {
      if (typeof m.data === 'string' && m.data !== 'pong') heard.push(JSON.parse(m.data));
    });
    const recipient = new Browser();
    const opened = await recipient.get(link);
    const page = opened.headers.get('Location')!;
    const views = () => heard.filter((e) => e.type === 'viewed');
    for (let n = 1; n <= 2; n++) {
      expect((await recipient.get(page)).status).toBe(200);
      for (let i = 0; i < 100 && views().length < n; i++) await new Promise((r) => setTimeout(r, 20));
    }
    ws.close();
    expect(views()).toHaveLength(2);
    const [first, second] = views().map((e) => e.timeline!);
    const key = (s: string) => /data-entry="([^"]+)"/.exec(s)?.[1];
    expect(key(first)).toBeTruthy();
    expect(key(second)).toBe(key(first));
    expect(text(second)).toMatch(/viewed it 2 times, last/);
    expect(seqOf(second)).toBeGreaterThan(seqOf(first));
    // The page renders the same line with the same key.
    const items = timeline(await (await co.browser.get(`/documents/${id}`)).text());
    expect(key(items[0])).toBe(key(second));
    expect(text(items[0])).toBe(text(second));
  });
});

describe('a live timeline line is in the company’s currency', () => {
  it('a payment recorded in a euro company reads € on the open page, as on the page itself', async () => {
    const eu = await companyWithBudget({ company: 'Euro Builders', currency: 'EUR' });
    const id = await createDocument(eu.browser, eu.jobId, 'customer_invoice', { group: eu.groups.demolition });
    await sendDocument(eu.browser, id);
    const res = await eu.browser.fetch(`/documents/${id}/live`, { headers: { Upgrade: 'websocket' } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const lines: string[] = [];
    ws.addEventListener('message', (m) => {
      if (typeof m.data !== 'string' || m.data === 'pong') return;
      const e = JSON.parse(m.data) as { timeline?: string };
      if (e.timeline?.includes('recorded a payment')) lines.push(e.timeline);
    });
    const paid = await eu.browser.post(`/documents/${id}/payments`, {
      amount: '100.00',
      paidOn: '2026-11-02',
      method: 'Check',
      reference: '1001',
    });
    expect(paid.status).toBe(303);
    for (let i = 0; i < 100 && lines.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    expect(lines).toHaveLength(1);
    expect(text(lines[0])).toContain('recorded a payment of €100.00');
    const page = timeline(await (await eu.browser.get(`/documents/${id}`)).text());
    expect(text(page[0])).toContain('recorded a payment of €100.00');
  });
});

describe('the timeline is paged past 50 entries', () => {
  let id: string;
  let before: number;

  beforeAll(async () => {
    ({ id } = await sentEstimate());
    before = timeline(await (await co.browser.get(`/documents/${id}`)).text()).length;
  });

  /** Comments from the contractor, one entry each, until the timeline holds `total` entries. */
  async function fillTo(total: number, shown: number) {
    const t = Date.now();
    await add(
      id,
      Array.from({ length: total - shown }, (_, i) => ({
        action: 'commented' as const,
        at: t + i,
        data: { excerpt: `Note ${shown + i}` },
      })),
    );
  }

  it('shows all 50 without "Older activity"; at 51 shows the newest 50 and pages to the oldest', async () => {
    await fillTo(50, before);
    let body = await (await co.browser.get(`/documents/${id}`)).text();
    expect(timeline(body)).toHaveLength(50);
    expect(body).not.toContain('Older activity');

    await fillTo(51, 50);
    body = await (await co.browser.get(`/documents/${id}`)).text();
    const first = timeline(body);
    expect(first).toHaveLength(50);
    const link = /<a[^>]*href="([^"]*before=(\d+)[^"]*)"[^>]*>Older activity<\/a>/.exec(body);
    expect(link).not.toBeNull();
    expect(Number(link![2])).toBe(seqOf(first[49]));
    const older = await co.browser.get(link![1].replace(/&amp;/g, '&'));
    expect(older.status).toBe(200);
    const olderBody = await older.text();
    const rest = timeline(olderBody);
    expect(rest).toHaveLength(1);
    expect(text(rest[0])).toMatch(/created the draft/);
    expect(seqOf(rest[0])).toBeLessThan(seqOf(first[49]));
    expect(olderBody).not.toContain('Older activity');
    expect(olderBody).toMatch(new RegExp(`<a[^>]*href="/documents/${id}#timeline"[^>]*>Newest activity</a>`));
  });

  it('a bad "before" shows the first page (never an error)', async () => {
    const first = timeline(await (await co.browser.get(`/documents/${id}`)).text()).map(seqOf);
    for (const bad of ['abc', '0', '-3', '1.5', '1e2', '99999999999999999999', '%00', '']) {
      const res = await co.browser.get(`/documents/${id}?before=${bad}`);
      expect(res.status, bad).toBe(200);
      expect(timeline(await res.text()).map(seqOf), bad).toEqual(first);
    }
  });

  it("another org's document answers 404 with or without a page", async () => {
    const other = await signUp({ company: 'Elsewhere Builders' });
    for (const q of ['', '?before=3', '?before=abc'])
      expect((await other.browser.get(`/documents/${id}${q}`)).status).toBe(404);
  });
});

describe('the activity feed', () => {
  it('reads newest first', async () => {
    const body = await (await co.browser.get('/activity')).text();
    const times = [...body.matchAll(/<time datetime="([^"]+)"/g)].map((m) => Date.parse(m[1]));
    expect(times.length).toBeGreaterThan(3);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
