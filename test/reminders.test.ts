import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db, location, signUp, text } from './helpers';
import { unescape } from './pages';

// Issue 16, "Remind now": POST /documents/:id/remind, at most one an hour per document, through the room.

const T0 = Date.UTC(2026, 11, 1, 20, 14); // 2:14 PM in Chicago

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let other: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0 - 3_600_000);
  co = await companyWithBudget({ company: 'Oak & Stone' });
  other = await signUp({ company: 'Elsewhere Builders' });
  vi.useRealTimers();
});

afterEach(() => vi.useRealTimers());

function time(ms: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(ms);
}

async function sentEstimate() {
  time(T0 - 600_000);
  const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
  const { link } = await sendDocument(co.browser, id);
  return { id, link };
}

const manualMails = (documentId: string) =>
  db().query.outbox.findMany({
    where: (t, { and, eq }) => and(eq(t.documentId, documentId), eq(t.kind, 'reminder')),
  });
const manualRows = (documentId: string) =>
  db().query.reminders.findMany({
    where: (t, { and, eq }) => and(eq(t.documentId, documentId), eq(t.kind, 'manual')),
  });
const remind = (id: string, browser = co.browser) => browser.post(`/documents/${id}/remind`);

describe('Remind now', () => {
  it('sends the reminder, logs it as the user, and says so; again within the hour is refused, after it allowed', async () => {
    const { id } = await sentEstimate();
    const name = co.customerContact.name;
    time(T0);
    const res = await remind(id);
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`/documents/${id}`);
    expect(unescape(await text(await co.browser.get(`/documents/${id}`)))).toContain(`Reminder sent to ${name}.`);
    const [mail] = await manualMails(id);
    expect(mail.toEmail).toBe(co.customerContact.email);
    expect(mail.subject).toMatch(/^Reminder: Estimate EST-\d+ from Oak & Stone is waiting for your signature$/);
    expect(mail.text).toMatch(/http:\/\/localhost\/p\/[\w.-]+/);
    expect((await manualRows(id)).map((r) => [r.n, r.state, r.sentAt])).toEqual([[1, 'sent', T0]]);
    const [line] = await db().query.activity.findMany({
      where: (t, { and, eq }) => and(eq(t.documentId, id), eq(t.action, 'reminder_sent')),
    });
    expect([line.side, line.userId, JSON.parse(line.data!).manual]).toEqual(['contractor', co.userId, true]);

    time(T0 + 59 * 60_000);
    const again = await remind(id);
    expect(again.status).toBe(429);
    expect(unescape(await text(again))).toContain(
      `You reminded ${name} at 2:14 PM. You can remind again after 3:14 PM.`,
    );
    expect(await manualMails(id)).toHaveLength(1);

    time(T0 + 60 * 60_000);
    expect((await remind(id)).status).toBe(303);
    expect(await manualMails(id)).toHaveLength(2);
    expect((await manualRows(id)).map((r) => r.n).sort()).toEqual([1, 2]);
  });

  it('two clicks at once send one reminder', async () => {
    const { id } = await sentEstimate();
    time(T0);
    const answers = await Promise.all([remind(id), remind(id)]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 429]);
    expect(await manualMails(id)).toHaveLength(1);
    expect(await manualRows(id)).toHaveLength(1);
  });

  it('is refused when nothing waits on the recipient: a draft, a signed estimate (409, nothing written)', async () => {
    time(T0);
    const draft = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const refused = await remind(draft);
    expect(refused.status).toBe(409);
    expect(unescape(await text(refused))).toContain('has not been sent yet');

    const { id, link } = await sentEstimate();
    const r = new Browser();
    await r.get(link);
    const page = await (await r.get(`/portal/documents/${id}`)).text();
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    const signed = await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: `k-manual-${id}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(signed.status).toBe(303);
    const res = await remind(id);
    expect(res.status).toBe(409);
    expect(unescape(await text(res))).toContain('Nothing waits on');
    expect(await manualMails(id)).toHaveLength(0);
    expect(await manualRows(id)).toHaveLength(0);
    expect(await manualMails(draft)).toHaveLength(0);
  });

  it('not allowed: no session is told to sign in (401), another company gets 404, no CSRF token 403', async () => {
    const { id } = await sentEstimate();
    const stranger = new Browser();
    const anonymous = await remind(id, stranger);
    expect(anonymous.status).toBe(401);
    expect(unescape(await text(anonymous))).toContain('Sign in again to continue.');
    expect((await remind(id, other.browser)).status).toBe(404);
    const forged = await co.browser.fetch(`/documents/${id}/remind`, {
      method: 'POST',
      headers: { Origin: 'http://localhost', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(forged.status).toBe(403);
    expect((await remind('nosuchdocument0000000000', co.browser)).status).toBe(404);
    expect(await manualMails(id)).toHaveLength(0);
    expect(await manualRows(id)).toHaveLength(0);
  });

  it('a revoked recipient is not reminded: the refusal says to use Resend', async () => {
    const { id } = await sentEstimate();
    await env.DB.prepare('UPDATE contacts SET access_version = access_version + 1 WHERE id = ?')
      .bind(co.customerContact.id)
      .run();
    const res = await remind(id);
    expect(res.status).toBe(409);
    expect(unescape(await text(res))).toContain('Use Resend to send them a fresh link.');
    expect(await manualMails(id)).toHaveLength(0);
  });
});

describe('/dev/mail runs the scheduled work (development and tests only)', () => {
  it('"Run scheduled work" as of days ahead sends the due reminder once and shows it in the mailbox', async () => {
    const { id } = await sentEstimate();
    const page = new Browser();
    const mailbox = await page.get('/dev/mail');
    expect(await text(mailbox)).toContain('Run scheduled work');
    time(T0);
    // Not opened after 3 days: four days ahead it is due; twice at once sends it once.
    const runs = await Promise.all([1, 2].map(() => page.post('/dev/scheduled', { days: '4' })));
    expect(runs.map((r) => r.status)).toEqual([303, 303]);
    const mails = (await manualMails(id)).filter((m) => /waiting for your signature/.test(m.subject));
    expect(mails).toHaveLength(1);
    const after = unescape(await text(await page.get('/dev/mail')));
    expect(after).toContain('Ran the scheduled work as of 4 days from now');
    expect(after).toContain(mails[0].subject);
  });

  it('refuses days it cannot run and writes nothing', async () => {
    const page = new Browser();
    await page.get('/dev/mail');
    const before = (await db().query.outbox.findMany()).length;
    for (const days of ['-1', '61', 'soon', '1.5']) {
      const res = await page.post('/dev/scheduled', { days });
      expect(res.status).toBe(422);
      expect(unescape(await text(res))).toContain('Days ahead must be a whole number from 0 to 60.');
    }
    expect((await db().query.outbox.findMany()).length).toBe(before);
  });
});
