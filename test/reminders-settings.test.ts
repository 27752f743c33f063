import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { documents, orgs, outbox, reminders, users } from '../src/db/schema';
import { companyWithBudget, createDocument } from './fixtures';
import { Browser, PASSWORD, db, location, signUp, uniqueEmail } from './helpers';
import { fieldError, formHtml, inputValue } from './pages';

// Settings → Reminders (company defaults, each user's daily digest switch) and the send page's choice.

const orgRow = (id: string) => db().query.orgs.findFirst({ where: eq(orgs.id, id) });
const userRow = (id: string) => db().query.users.findFirst({ where: eq(users.id, id) });

const plan = (p: Partial<Record<string, string>> = {}) => ({
  remind_unopened: '2',
  remind_undecided: '5',
  remind_before: '4',
  remind_overdue_every: '10',
  remind_overdue_max: '2',
  ...p,
});

async function member(owner: Browser) {
  const email = uniqueEmail('mate');
  expect((await owner.post('/settings/team/invite', { name: 'Mate Person', email })).status).toBe(303);
  const mail = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, email) });
  const link = new URL(mail!.text.match(/http:\/\/localhost\/invite\/[\w-]+/)![0]);
  const mate = new Browser();
  expect((await mate.post(link.pathname, { name: 'Mate Person', password: PASSWORD })).status).toBe(303);
  const row = await db().query.users.findFirst({ where: eq(users.email, email) });
  return { mate, mateId: row!.id };
}

describe('Settings → Reminders', () => {
  let co: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    co = await signUp({ company: 'Oak & Stone Builders' });
  }, 30_000);

  it('shows the defaults, saves the company plan in one write and reads it back', async () => {
    const page = await (await co.browser.get('/settings/reminders')).text();
    expect(inputValue(page, 'remind_unopened')).toBe('3');
    expect(inputValue(page, 'remind_overdue_max')).toBe('3');
    expect(formHtml(page, '/settings/reminders')).toMatch(/name="remindersOn"[^>]*checked/);
    expect(await (await co.browser.get('/settings')).text()).toContain('href="/settings/reminders"');

    const res = await co.browser.post('/settings/reminders', plan());
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/settings/reminders');
    expect(await orgRow(co.orgId)).toMatchObject({
      remindersOn: false,
      remindUnopenedDays: 2,
      remindUndecidedDays: 5,
      remindBeforeDays: 4,
      remindOverdueEvery: 10,
      remindOverdueMax: 2,
    });
    const again = await (await co.browser.get('/settings/reminders')).text();
    expect(again).toContain('Reminder settings saved.');
    expect(inputValue(again, 'remind_before')).toBe('4');
    expect(formHtml(again, '/settings/reminders')).not.toMatch(/name="remindersOn"[^>]*checked/);
    await co.browser.post('/settings/reminders', plan({ remindersOn: 'on', remind_unopened: '0' }));
    expect(await orgRow(co.orgId)).toMatchObject({ remindersOn: true, remindUnopenedDays: 0 });
  });

  it('refuses bad numbers on their fields, keeps the form and writes nothing', async () => {
    const before = await orgRow(co.orgId);
    const res = await co.browser.post(
      '/settings/reminders',
      plan({
        remindersOn: 'on',
        remind_unopened: '-1',
        remind_undecided: '999',
        remind_before: 'abc',
        remind_overdue_max: '11',
      }),
    );
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).toContain('Please fix the 4 fields marked below.');
    expect(fieldError(body, 'remind_unopened')).toBe('If not opened after (days) must be at least 0.');
    expect(fieldError(body, 'remind_undecided')).toBe('If not signed or accepted after (days) must be at most 60.');
    expect(fieldError(body, 'remind_before')).toMatch(/must be a number without decimals/);
    expect(fieldError(body, 'remind_overdue_max')).toBe('Unpaid invoices: at most (times) must be at most 10.');
    expect(inputValue(body, 'remind_before')).toBe('abc');
    expect(inputValue(body, 'remind_overdue_every')).toBe('10');
    expect(await orgRow(co.orgId)).toEqual(before);
  });

  it('two saves at once leave one of them, whole', async () => {
    const a = plan({ remindersOn: 'on', remind_unopened: '1', remind_undecided: '1', remind_before: '1' });
    const b = plan({ remind_unopened: '9', remind_undecided: '9', remind_before: '9' });
    const results = await Promise.all([
      co.browser.post('/settings/reminders', a),
      co.browser.post('/settings/reminders', b),
    ]);
    expect(results.map((r) => r.status)).toEqual([303, 303]);
    const row = (await orgRow(co.orgId))!;
    const seen = [row.remindUnopenedDays, row.remindUndecidedDays, row.remindBeforeDays];
    expect([
      [1, 1, 1],
      [9, 9, 9],
    ]).toContainEqual(seen);
    expect(row.remindersOn).toBe(seen[0] === 1);
  });

  it('every user switches their own digest, members too; two clicks at once are one switch', async () => {
    const { mate, mateId } = await member(co.browser);
    const page = await (await mate.get('/settings/reminders')).text();
    expect(formHtml(page, '/settings/reminders/digest')).toMatch(/name="daily_digest"[^>]*checked/);
    const off = await Promise.all([
      mate.post('/settings/reminders/digest', {}),
      mate.post('/settings/reminders/digest', {}),
    ]);
    expect(off.map((r) => r.status)).toEqual([303, 303]);
    expect((await userRow(mateId))!.dailyDigest).toBe(false);
    expect((await userRow(co.userId))!.dailyDigest).toBe(true); // the owner's own stays
    const shown = await (await mate.get('/settings/reminders')).text();
    expect(shown).toContain('Your daily digest is off.');
    expect(formHtml(shown, '/settings/reminders/digest')).not.toMatch(/name="daily_digest"[^>]*checked/);
    await mate.post('/settings/reminders/digest', { daily_digest: 'on' });
    expect((await userRow(mateId))!.dailyDigest).toBe(true);
  });

  it('without a session: the sign-in (a post: 401), nothing written', async () => {
    const before = await orgRow(co.orgId);
    const stranger = new Browser();
    const page = await stranger.get('/settings/reminders');
    expect(page.status).toBe(303);
    expect(location(page)).toMatch(/^\/sign-in/);
    for (const res of [
      await stranger.post('/settings/reminders', plan({ remind_unopened: '1' })),
      await stranger.post('/settings/reminders/digest', {}),
    ]) {
      expect(res.status).toBe(401);
      expect(await res.text()).toContain('Sign in again to continue.');
    }
    expect(await orgRow(co.orgId)).toEqual(before);
    expect((await userRow(co.userId))!.dailyDigest).toBe(true);
  });
});

describe('the send page’s reminders', () => {
  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  beforeAll(async () => {
    co = await companyWithBudget();
  }, 60_000);

  const send = async (id: string, fields: Record<string, string>) => {
    const page = await (await co.browser.get(`/documents/${id}/send`)).text();
    const name = inputValue(page, 'name')!;
    const email = inputValue(page, 'email')!;
    return co.browser.post(`/documents/${id}/send`, { name, email, message: '', ...fields });
  };
  const rowsOf = (id: string) =>
    db().select().from(reminders).where(eq(reminders.documentId, id)).orderBy(reminders.dueAt);
  const planOf = async (id: string) =>
    JSON.parse((await db().query.documents.findFirst({ where: eq(documents.id, id) }))!.reminderPlan!);

  it('offers the company reminders summed up for this document, and sends with them', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const page = await (await co.browser.get(`/documents/${id}/send`)).text();
    expect(page).toContain('Use company reminders (not opened 3 days · not signed 7 days · 3 days before the date)');
    expect(page).not.toContain('overdue every');
    expect(page).toMatch(/name="reminders" value="company"[^>]*checked/);
    expect(inputValue(page, 'remind_undecided')).toBe('7');
    // Custom shows only the days an estimate can use: the unpaid-invoice ones go as hidden zeros.
    expect(page).toContain('<input type="hidden" name="remind_overdue_every" value="0"/>');
    expect(page).not.toContain('Unpaid invoices: every (days)');
    expect((await send(id, { reminders: 'company' })).status).toBe(303);
    expect(await planOf(id)).toEqual({
      unopenedDays: 3,
      undecidedDays: 7,
      beforeDays: 3,
      overdueEvery: 7,
      overdueMax: 3,
    });
    expect((await rowsOf(id)).map((r) => r.kind)).toEqual(['unopened', 'undecided', 'before_deadline']);
  });

  it('an invoice’s summary names its overdue reminders', async () => {
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    const page = await (await co.browser.get(`/documents/${id}/send`)).text();
    expect(page).toContain(
      'Use company reminders (not opened 3 days · 3 days before the date · overdue every 7 days, at most 3 times)',
    );
    // An invoice's custom days: its overdue ones are there, the decision it does not wait on is not.
    expect(inputValue(page, 'remind_overdue_every')).toBe('7');
    expect(page).toContain('<input type="hidden" name="remind_undecided" value="0"/>');
  });

  it('"No reminders" sends with none', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    expect((await send(id, { reminders: 'none' })).status).toBe(303);
    expect(await planOf(id)).toEqual({
      unopenedDays: 0,
      undecidedDays: 0,
      beforeDays: 0,
      overdueEvery: 0,
      overdueMax: 0,
    });
    expect(await rowsOf(id)).toEqual([]);
  });

  it('"Custom" sends with the page’s own days', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const res = await send(id, { reminders: 'custom', ...plan({ remind_undecided: '0', remind_before: '5' }) });
    expect(res.status).toBe(303);
    const doc = (await db().query.documents.findFirst({ where: eq(documents.id, id) }))!;
    expect(JSON.parse(doc.reminderPlan!)).toEqual({
      unopenedDays: 2,
      undecidedDays: 0,
      beforeDays: 5,
      overdueEvery: 10,
      overdueMax: 2,
    });
    const rows = await rowsOf(id);
    expect(rows.map((r) => r.kind)).toEqual(['unopened', 'before_deadline']);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    expect(rows[0].dueAt - doc.sentAt!).toBeGreaterThan(24 * 3_600_000);
    expect(rows[0].dueAt - doc.sentAt!).toBeLessThan(3 * 24 * 3_600_000);
    const due = new Date(`${doc.deadline}T12:00:00Z`);
    due.setUTCDate(due.getUTCDate() - 5);
    expect(day(rows[1].dueAt)).toBe(due.toISOString().slice(0, 10));
  });

  it('refuses bad custom days with the form kept, and sends nothing', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const res = await send(id, { reminders: 'custom', message: 'Hello there', ...plan({ remind_unopened: 'soon' }) });
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(fieldError(body, 'remind_unopened')).toMatch(/must be a number without decimals/);
    expect(body).toMatch(/name="reminders" value="custom"[^>]*checked/);
    expect(inputValue(body, 'remind_unopened')).toBe('soon');
    expect(body).toContain('Hello there');
    const bad = await send(id, { reminders: 'sometimes' });
    expect(bad.status).toBe(422);
    expect(fieldError(await bad.text(), 'reminders')).toBe('Choose a reminder option from the list.');
    const doc = (await db().query.documents.findFirst({ where: eq(documents.id, id) }))!;
    expect(doc.status).toBe('draft');
    expect(await rowsOf(id)).toEqual([]);
    expect(await db().$count(outbox, and(eq(outbox.documentId, id)))).toBe(0);
  });
});
