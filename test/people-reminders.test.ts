import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runReminders } from '../src/reminders/run';
import { companyWithBudget, createDocument } from './fixtures';
import { Browser, db, location } from './helpers';
import { inputValue } from './pages';

// Issue 17 and the reminders of issue 16: a document signed by several people chases the signers still due
// to sign — each with their own link, the next one only in a set order — never one who signed, never a copy.

const at = (day: number) => Date.UTC(2026, 11, day, 15, 0); // 9:00 in Chicago, December
const T0 = at(1);

let co: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  co = await companyWithBudget({ company: 'Oak & Stone' });
  vi.useRealTimers();
});

afterEach(() => vi.useRealTimers());

function time(ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
}

const SAM = { name: 'Sam Patel', email: 'sam.patel@example.test' };
const LEE = { name: 'Lee Park', email: 'lee.park@example.test' };
/** Sam's address on the document sent with `suffix`. */
const sam = (suffix: string) => SAM.email.replace('@', `+${suffix}@`);

/**
 * An estimate sent at T0 from the send page to its contact and Sam (signers) and Lee (a copy): its id and its
 * primary signer as the page showed them (the draft's contact: the account's first by name).
 */
async function sentToThree(order: 'any' | 'ordered', suffix: string) {
  time(T0);
  const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
  const page = await (await co.browser.get(`/documents/${id}/send`)).text();
  let n = 1;
  while (inputValue(page, `recipient.${n}.contactId`)) n++;
  const person = (row: number, p: { name: string; email: string }, role: string) => ({
    [`recipient.${row}.contactId`]: '',
    [`recipient.${row}.name`]: p.name,
    [`recipient.${row}.email`]: p.email.replace('@', `+${suffix}@`),
    [`recipient.${row}.role`]: role,
  });
  const res = await co.browser.post(`/documents/${id}/send`, {
    name: inputValue(page, 'name')!,
    email: inputValue(page, 'email')!,
    message: '',
    ...person(n, SAM, 'signer'),
    ...person(n + 1, LEE, 'copy'),
    signingOrder: order,
  });
  expect(res.status, await res.clone().text()).toBe(303);
  return { id, primary: { name: inputValue(page, 'name')!, email: inputValue(page, 'email')! } };
}

const remindersTo = async (id: string) =>
  (
    await db().query.outbox.findMany({
      where: (t, { and, eq }) => and(eq(t.documentId, id), eq(t.kind, 'reminder')),
      orderBy: (t, { asc }) => [asc(t.createdAt), asc(t.toEmail)],
    })
  ).map((m) => m.toEmail);

const linkTo = async (id: string, email: string) => {
  const mails = await db().query.outbox.findMany({ where: (t, { eq }) => eq(t.documentId, id) });
  const mail = mails.find((m) => m.toEmail === email && m.kind !== 'reminder')!;
  return new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(mail.text)![0]).pathname;
};

/** The person opens their own link and signs (typed). */
async function signs(id: string, email: string, name: string) {
  const browser = new Browser();
  const open = await browser.get(await linkTo(id, email));
  expect(open.status).toBe(303);
  const page = await (await browser.get(location(open))).text();
  const versionHash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
  const res = await browser.post(`/portal/documents/${id}/sign`, {
    versionHash,
    idempotencyKey: `k-${email}`,
    name,
    method: 'typed',
    consent: 'yes',
  });
  expect(res.status, await res.clone().text()).toBe(303);
}

const run = (ms: number) => {
  time(ms);
  return runReminders(env, db(), ms);
};

describe('reminders chase the signers still due', () => {
  it('in any order: both signers, never the copy; once one signed, only the other', async () => {
    const SUFFIX = 'any';
    const { id, primary } = await sentToThree('any', SUFFIX);
    await run(at(4)); // not opened after 3 days
    expect((await remindersTo(id)).sort()).toEqual([primary.email, sam(SUFFIX)].sort());

    time(at(5));
    await signs(id, primary.email, primary.name);
    await run(at(8)); // not decided after 7 days
    expect((await remindersTo(id)).slice(2)).toEqual([sam(SUFFIX)]);
    const line = await db().query.activity.findFirst({
      where: (t, { and, eq }) => and(eq(t.documentId, id), eq(t.action, 'reminder_sent')),
      orderBy: (t, { desc }) => desc(t.seq),
    });
    expect(JSON.parse(line!.data!).to).toMatch(/^Sam Patel </);
  });

  it('in a set order: the first signer only, then the next once the first signed', async () => {
    const { id, primary } = await sentToThree('ordered', 'ord');
    await run(at(4));
    expect(await remindersTo(id)).toEqual([primary.email]);
    time(at(5));
    await signs(id, primary.email, primary.name);
    await run(at(8));
    expect(await remindersTo(id)).toEqual([primary.email, sam('ord')]);
  });

  it('"Remind now" names everyone it reminds, and is refused once everyone signed', async () => {
    const SUFFIX = 'now';
    const { id, primary } = await sentToThree('any', SUFFIX);
    time(at(2));
    const res = await co.browser.post(`/documents/${id}/remind`, {});
    expect(res.status).toBe(303);
    expect((await remindersTo(id)).sort()).toEqual([primary.email, sam(SUFFIX)].sort());
    const flash = await (await co.browser.get(location(res))).text();
    expect(flash).toContain(`${primary.name} and Sam Patel`);
    time(at(3));
    await signs(id, primary.email, primary.name);
    await signs(id, sam(SUFFIX), SAM.name);
    time(at(4));
    const again = await co.browser.post(`/documents/${id}/remind`, {}, { headers: { Accept: 'application/json' } });
    expect(again.status).toBe(409);
    expect(await remindersTo(id)).toHaveLength(2);
  });
});
