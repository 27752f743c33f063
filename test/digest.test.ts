import { env } from 'cloudflare:workers';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { documents, orgs, outbox, users } from '../src/db/schema';
import { addDays, todayIn, zonedTime } from '../src/deadlines/time';
import { sendDailyDigests } from '../src/digest/daily';
import { approvedWithDeposit, companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { Browser, PASSWORD, db, signUp, uniqueEmail } from './helpers';
import { editDraft } from './portal-fixtures';

// The daily digest (issue 16): 7:00 in each company's time zone, once per user and day, nothing on a quiet day.

const CHICAGO = 'America/Chicago';
const LA = 'America/Los_Angeles';
/** The digest's day: tomorrow in Chicago, so everything below happens at a known hour of it. */
const DAY = addDays(todayIn(CHICAGO), 1);
const at = (tz: string, hour: number, minute = 0) => zonedTime(DAY, hour * 60 + minute, tz);

const digests = (userIds: string[]) =>
  db()
    .select()
    .from(outbox)
    .where(and(eq(outbox.kind, 'daily_digest'), inArray(outbox.toEmail, userIds)));

let a: Awaited<ReturnType<typeof companyWithBudget>>;
let b: Awaited<ReturnType<typeof companyWithBudget>>;
let quiet: Awaited<ReturnType<typeof signUp>>;
let mateEmail: string;
let ids: { signed: string; invoice: string; commented: string; dueSoon: string };

async function sentWithDue(co: typeof a, kind: string, due: string) {
  const id = await createDocument(co.browser, co.jobId, kind, { group: co.groups.demolition });
  await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'dueDate' ? due : v]));
  await sendDocument(co.browser, id);
  return id;
}

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at(CHICAGO, 4)); // the night before the first digest
  a = await companyWithBudget({ company: 'Oak & Stone' });
  // A teammate who turned their digest off.
  mateEmail = uniqueEmail('mate');
  await a.browser.post('/settings/team/invite', { name: 'Mate Person', email: mateEmail });
  const invite = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, mateEmail) });
  const mate = new Browser();
  await mate.post(new URL(invite!.text.match(/http:\/\/localhost\/invite\/[\w-]+/)![0]).pathname, {
    name: 'Mate Person',
    password: PASSWORD,
  });
  await mate.post('/settings/reminders/digest', {});

  const signed = (await approvedWithDeposit(a)).id;
  const invoice = await sentWithDue(a, 'customer_invoice', addDays(DAY, 20));
  const paid = await a.browser.post(`/documents/${invoice}/payments`, {
    amount: '100',
    paidOn: todayIn(CHICAGO),
    method: 'Check',
    reference: '1001',
  });
  expect(paid.status).toBe(303);
  const talk = await sentToRecipient(a, 'proposal', { group: a.groups.electrical });
  expect(
    (await talk.r.post(`/portal/documents/${talk.id}`, { intent: 'comment', body: 'Is the tile included?' })).status,
  ).toBe(303);
  const dueSoon = await sentWithDue(a, 'estimate', addDays(DAY, 3));
  ids = { signed, invoice, commented: talk.id, dueSoon };

  b = await companyWithBudget({ company: 'Pacific Decks' });
  await db().update(orgs).set({ timeZone: LA }).where(eq(orgs.id, b.orgId));
  await sentWithDue(b, 'estimate', addDays(DAY, 2));

  quiet = await signUp({ company: 'Quiet Builders' }); // Chicago, nothing to say
}, 60_000);

afterAll(() => vi.useRealTimers());

describe('the daily digest', () => {
  it('sends nothing before 7:00 company time', async () => {
    const now = at(CHICAGO, 6, 59);
    vi.setSystemTime(now);
    expect(await sendDailyDigests(env, db(), now)).toEqual({ sent: 0 });
    expect(await digests([a.email, mateEmail, b.email, quiet.email])).toEqual([]);
    const owner = await db().query.users.findFirst({ where: eq(users.id, a.userId) });
    expect(owner!.digestOn).toBeNull();
  });

  it('at 7:00: one email per opted-in user, once, even from two runs at once; none on a quiet day', async () => {
    const now = at(CHICAGO, 7);
    vi.setSystemTime(now);
    await Promise.all([sendDailyDigests(env, db(), now), sendDailyDigests(env, db(), now)]);
    const sent = await digests([a.email, mateEmail, b.email, quiet.email]);
    expect(sent.map((m) => m.toEmail)).toEqual([a.email]); // not the teammate (off), not LA (5:00 there), not quiet
    expect(sent[0].id).toBe(`digest-${a.userId}-${DAY}`);
    const quietOwner = await db().query.users.findFirst({ where: eq(users.id, quiet.userId) });
    expect(quietOwner!.digestOn).toBe(DAY); // considered, nothing said

    const mail = sent[0];
    expect(mail.subject).toBe('Your day at Oak & Stone: 1 signed, 1 payment, 1 comment waiting, 1 due this week');
    const doc = (id: string) => `http://localhost/documents/${id}`;
    expect(mail.text).toContain('SINCE YESTERDAY');
    expect(mail.text).toMatch(/Estimate EST-\d+ · Kitchen remodel — signed by Reyes Household Contact/);
    expect(mail.text).toMatch(/Invoice INV-\d+ · Kitchen remodel — payment of \$100\.00 recorded by Owner Person/);
    expect(mail.text).toContain('COMMENTS WAITING FOR YOUR ANSWER');
    expect(mail.text).toContain('"Is the tile included?"');
    expect(mail.text).toContain('DUE THIS WEEK');
    const due = (await db().query.documents.findFirst({ where: eq(documents.id, ids.dueSoon) }))!;
    expect(mail.text).toContain(`Estimate ${due.number} · Kitchen remodel — expires`);
    for (const id of Object.values(ids)) expect(mail.html).toContain(`href="${doc(id)}"`);
    expect(mail.html).toContain('href="http://localhost/settings/reminders#digest"');
    expect(mail.html).not.toContain('Pacific Decks');

    // The next run the same day sends nothing more.
    const later = at(CHICAGO, 7, 5);
    vi.setSystemTime(later);
    expect(await sendDailyDigests(env, db(), later)).toEqual({ sent: 0 });
    expect(await digests([a.email])).toHaveLength(1);
  });

  it('each company gets its own at its own 7:00', async () => {
    const before = at(LA, 6, 55);
    vi.setSystemTime(before);
    await sendDailyDigests(env, db(), before);
    expect(await digests([b.email])).toEqual([]);
    const now = at(LA, 7);
    vi.setSystemTime(now);
    expect(await sendDailyDigests(env, db(), now)).toEqual({ sent: 1 });
    const [mail] = await digests([b.email]);
    expect(mail.subject).toBe('Your day at Pacific Decks: 1 due this week');
    expect(mail.text).not.toContain('Oak & Stone');
    expect(await digests([a.email])).toHaveLength(1); // Chicago's stays one
  });

  it('the next day is that day’s digest, not a second one of yesterday', async () => {
    const now = zonedTime(addDays(DAY, 1), 11 * 60, CHICAGO); // a morning whose 7:00 run was missed
    vi.setSystemTime(now);
    await sendDailyDigests(env, db(), now);
    const sent = await digests([a.email]);
    const expected = [`digest-${a.userId}-${DAY}`, `digest-${a.userId}-${addDays(DAY, 1)}`];
    expect(sent.map((m) => m.id).sort()).toEqual(expected.sort());
  });
});
