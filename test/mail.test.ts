// Mail: delivery through MailChannels, and the daily digest.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { documents, orgs, outbox, users } from '../src/db/schema';
import { addDays, todayIn, zonedTime } from '../src/deadlines/time';
import { sendDailyDigests } from '../src/digest/daily';
import worker from '../src/index';
import { MAILCHANNELS_URL } from '../src/mail/mailchannels';
import { deliverDueMail, MAX_ATTEMPTS, queueMail } from '../src/mail/outbox';
import { approvedWithDeposit, companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { Browser, db, PASSWORD, signUp, uniqueEmail } from './helpers';
import { editDraft } from './portal-fixtures';

describe('mail delivery', () => {
  // Delivery through the MailChannels Email API. Only fetch to the MailChannels host is stubbed.

  const HOUR = 3_600_000;
  const DKIM = {
    DKIM_DOMAIN: 'oakstone.example',
    DKIM_SELECTOR: 'mc1',
    DKIM_PRIVATE_KEY: 'dGVzdC1ka2ltLXByaXZhdGUta2V5',
  };
  const keyed = (extra: Record<string, string | undefined> = {}) => ({
    ...env,
    MAILCHANNELS_API_KEY: 'test-mc-key',
    ...DKIM,
    ...extra,
  });

  interface Call {
    url: string;
    method: string;
    headers: Headers;
    body: {
      personalizations: {
        to: { email: string; name?: string }[];
        dkim_domain?: string;
        dkim_selector?: string;
        dkim_private_key?: string;
      }[];
      from: { email: string; name: string };
      reply_to?: { email: string };
      subject: string;
      content: { type: string; value: string }[];
    };
  }

  /** Stubs fetch to the MailChannels host only; everything else goes to the real fetch. */
  function stubMailChannels(answer: (n: number) => Response | Promise<Response>) {
    const realFetch = globalThis.fetch;
    const calls: Call[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      if (new URL(req.url).host !== 'api.mailchannels.net') return realFetch(input as RequestInfo, init);
      calls.push({ url: req.url, method: req.method, headers: req.headers, body: await req.json() });
      return answer(calls.length);
    });
    return {
      calls,
      to: (email: string) => calls.filter((c) => c.body.personalizations[0].to.some((t) => t.email === email)),
    };
  }

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const accepted = () => new Response(null, { status: 202 });

  async function queued(toEmail = uniqueEmail('to'), documentId: string | null = null, orgId: string | null = null) {
    const message = {
      orgId,
      documentId,
      kind: 'test',
      to: { email: toEmail, name: 'Dana Reyes' },
      fromName: 'Oak & Stone Builders',
      replyTo: 'office@oakstone.example',
      subject: `Test message to ${toEmail}`,
      html: '<p>Hello</p>',
      text: 'Hello',
    };
    await queueMail(db(), message).run();
    const row = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, toEmail) });
    return row!;
  }

  const rowOf = async (id: string) => (await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.id, id) }))!;

  describe('MailChannels delivery', () => {
    it('POSTs the JSON payload with the API key: recipient, from, subject, both bodies, DKIM fields', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const { mail } = await sendDocument(co.browser, id, { message: 'See attached scope.' });
      const mc = stubMailChannels(accepted);

      const result = await deliverDueMail(keyed(), db());
      expect(result.sent).toBeGreaterThanOrEqual(1);
      const [call, ...more] = mc.to(co.customerContact.email);
      expect(more).toHaveLength(0);
      expect(call.url).toBe(MAILCHANNELS_URL);
      expect(call.url).toBe('https://api.mailchannels.net/tx/v1/send');
      expect(call.method).toBe('POST');
      expect(call.headers.get('X-Api-Key')).toBe('test-mc-key');
      expect(call.headers.get('Content-Type')).toContain('application/json');
      const org = await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, co.orgId) });
      expect(call.body).toEqual({
        personalizations: [
          {
            to: [{ email: co.customerContact.email, name: co.customerContact.name }],
            dkim_domain: 'oakstone.example',
            dkim_selector: 'mc1',
            dkim_private_key: DKIM.DKIM_PRIVATE_KEY,
          },
        ],
        from: { email: env.MAIL_FROM, name: 'Oak & Stone Builders' },
        ...(org!.email ? { reply_to: { email: org!.email } } : {}),
        subject: 'Estimate EST-0001 from Oak & Stone Builders',
        content: [
          { type: 'text/plain', value: mail.text },
          { type: 'text/html', value: mail.html },
        ],
      });
      expect(call.body.content[1].value).toContain('See attached scope.');

      const row = await rowOf(mail.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
      expect(row.sentAt).toBeGreaterThan(0);
      // Delivered once: another run sends nothing more.
      await deliverDueMail(keyed(), db(), Date.now() + 24 * HOUR);
      expect(mc.to(co.customerContact.email)).toHaveLength(1);
    });

    it('sends no DKIM fields when DKIM is not configured', async () => {
      const msg = await queued();
      const mc = stubMailChannels(accepted);
      await deliverDueMail(keyed({ DKIM_PRIVATE_KEY: undefined }), db());
      const [call] = mc.to(msg.toEmail);
      expect(call.body.personalizations[0]).toEqual({ to: [{ email: msg.toEmail, name: 'Dana Reyes' }] });
      expect(call.body.reply_to).toEqual({ email: 'office@oakstone.example' });
    });

    it('a 500 answer leaves the message queued with its error; a later attempt delivers it exactly once', async () => {
      const msg = await queued();
      const mc = stubMailChannels((n) => (n === 1 ? new Response('upstream busy', { status: 500 }) : accepted()));
      const now = Date.now();
      const first = await deliverDueMail(keyed(), db(), now);
      expect(first.failed).toBeGreaterThanOrEqual(1);
      let row = await rowOf(msg.id);
      expect(row).toMatchObject({ status: 'queued', attempts: 1 });
      expect(row.lastError).toContain('MailChannels answered 500');
      expect(row.lastError).toContain('upstream busy');
      expect(row.nextAttemptAt).toBeGreaterThan(now);

      // Not due yet: nothing is sent.
      await deliverDueMail(keyed(), db(), now);
      expect(mc.to(msg.toEmail)).toHaveLength(1);

      await deliverDueMail(keyed(), db(), now + 10 * 60_000);
      row = await rowOf(msg.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
      await deliverDueMail(keyed(), db(), now + 48 * HOUR);
      expect(mc.to(msg.toEmail)).toHaveLength(2);
    });

    it('a network error leaves the message queued with its error; a later attempt delivers it exactly once', async () => {
      const msg = await queued();
      let fail = true;
      const mc = stubMailChannels(() => {
        if (fail) throw new TypeError('Network connection lost.');
        return accepted();
      });
      const now = Date.now();
      await deliverDueMail(keyed(), db(), now);
      let row = await rowOf(msg.id);
      expect(row.status).toBe('queued');
      expect(row.lastError).toBe('MailChannels unreachable: Network connection lost.');
      fail = false;
      await deliverDueMail(keyed(), db(), now + 10 * 60_000);
      await deliverDueMail(keyed(), db(), now + 20 * 60_000);
      row = await rowOf(msg.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
      expect(mc.to(msg.toEmail)).toHaveLength(2);
    });

    it(`after ${MAX_ATTEMPTS} attempts the message is failed, is not retried, and the failure shows on the document`, async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const { mail } = await sendDocument(co.browser, id);
      const mc = stubMailChannels(() => new Response('mailbox unavailable', { status: 550 }));
      const start = Date.now();
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        expect((await rowOf(mail.id)).status, `before attempt ${i + 1}`).toBe('queued');
        await deliverDueMail(keyed(), db(), start + i * 7 * HOUR);
      }
      const row = await rowOf(mail.id);
      expect(row).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS });
      expect(row.lastError).toContain('550');
      expect(mc.to(co.customerContact.email)).toHaveLength(MAX_ATTEMPTS);
      await deliverDueMail(keyed(), db(), start + 1000 * HOUR);
      expect(mc.to(co.customerContact.email)).toHaveLength(MAX_ATTEMPTS);

      const failed = await db().query.activity.findMany({
        where: (a, { and, eq }) => and(eq(a.documentId, id), eq(a.action, 'mail_failed')),
      });
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ orgId: co.orgId, side: 'system' });
      expect(JSON.parse(failed[0].data!).error).toContain('550');
      const page = await (await co.browser.get(`/documents/${id}`)).text();
      expect(page).toContain('could not be delivered');
    });

    it('two deliverers running at once send each message once', async () => {
      const messages = await Promise.all([queued(), queued(), queued()]);
      const mc = stubMailChannels(async () => {
        await new Promise((r) => setTimeout(r, 30));
        return accepted();
      });
      const now = Date.now();
      await Promise.all([
        deliverDueMail(keyed(), db(), now),
        deliverDueMail(keyed(), db(), now),
        deliverDueMail(keyed(), db(), now),
      ]);
      for (const m of messages) {
        expect(mc.to(m.toEmail)).toHaveLength(1);
        expect(await rowOf(m.id)).toMatchObject({ status: 'sent', attempts: 1 });
      }
    });

    it('the scheduled handler delivers what is due', async () => {
      const msg = await queued();
      const mc = stubMailChannels(accepted);
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ scheduledTime: new Date(), cron: '*/5 * * * *' }),
        keyed(),
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(mc.to(msg.toEmail)).toHaveLength(1);
      expect((await rowOf(msg.id)).status).toBe('sent');
    });
  });

  describe('without an API key', () => {
    it('nothing is sent, the outbox is the mailbox: /dev/mail lists the message and /dev/mail/:id renders it', async () => {
      expect(env.MAILCHANNELS_API_KEY).toBeFalsy();
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const { mail, link } = await sendDocument(co.browser, id);
      const mc = stubMailChannels(accepted);

      expect(await deliverDueMail(env, db())).toEqual({ sent: 0, failed: 0 });
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: new Date(), cron: '*/5 * * * *' }), env, ctx);
      await waitOnExecutionContext(ctx);
      expect(mc.calls).toHaveLength(0);
      expect((await rowOf(mail.id)).status).toBe('queued');

      const visitor = new Browser();
      const box = await visitor.get('/dev/mail');
      const list = await box.text();
      expect(box.status).toBe(200);
      expect(list).toContain('Estimate EST-0001 from Oak &amp; Stone Builders');
      expect(list).toContain(co.customerContact.email);
      expect(list).toContain(`/dev/mail/${mail.id}`);

      const one = await visitor.get(`/dev/mail/${mail.id}`);
      const page = await one.text();
      expect(one.status).toBe(200);
      expect(page).toContain('Estimate EST-0001 from Oak &amp; Stone Builders');
      expect(page).toContain(`http://localhost${link}`);
      const frame = await visitor.get(`/dev/mail/${mail.id}/html`);
      expect(frame.status).toBe(200);
      expect(await frame.text()).toContain(`href="http://localhost${link}"`);
      expect((await visitor.get('/dev/mail/nosuchmessage')).status).toBe(404);
    });
  });
});

describe('the daily digest', () => {
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
});
