import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { signUp as signUpAction } from '../src/auth/actions';
import { database } from '../src/db/client';
import { activity, outbox, users } from '../src/db/schema';
import { Refused } from '../src/errors';
import { signPortalToken } from '../src/portal/links';
import { openPortalLink, requestFreshLink } from '../src/portal/actions';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, PASSWORD, db, signUp, uniqueEmail } from './helpers';
import { PNG, SECRET } from './portal-fixtures';

// Issue 11 for the account side: sign-up, invitations, the logo and the portal's links, as actions
// (no HTTP) and as N concurrent requests through the Worker, with the exact outcome asserted.

const N = 8;
const DAY = 86_400_000;
const all = <T>(n: number, make: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => make(i)));
const statuses = (responses: Response[]) => responses.map((r) => r.status).sort();

describe('sign-up and invitations', () => {
  it('signUp refuses an email already in use, on its field', async () => {
    const email = uniqueEmail('taken');
    const input = {
      company: 'First Co',
      timeZone: 'UTC',
      currency: 'USD' as const,
      name: 'First',
      email,
      password: PASSWORD,
    };
    await signUpAction(database(env.DB), input);
    const err = await signUpAction(database(env.DB), { ...input, company: 'Second Co' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Refused);
    expect((err as Refused).field).toBe('email');
  });

  it(`${N} sign-ups with one email at once: the same answer, five links (the address's limit), one account`, async () => {
    const email = uniqueEmail('double');
    const responses = await all(N, (i) =>
      new Browser().post('/sign-up', {
        company: `Racer ${i}`,
        timeZone: 'UTC',
        currency: 'USD',
        name: `Racer ${i}`,
        email,
        password: PASSWORD,
      }),
    );
    expect(statuses(responses)).toEqual([...Array(5).fill(200), ...Array(N - 5).fill(429)]);
    for (const r of responses.filter((r) => r.status === 200))
      expect(await r.text()).toContain('Check your email to finish signing up');
    const mails = await db().select().from(outbox).where(eq(outbox.toEmail, email));
    expect(mails).toHaveLength(5);
    // Every link used at once: one account, never a 5xx.
    const links = mails.map((m) => /http:\/\/localhost(\/sign-up\/verify\/[\w-]+)/.exec(m.text)![1]);
    const used = await Promise.all(links.map((link) => new Browser().post(link)));
    expect(statuses(used)).toEqual([303, 404, 404, 404, 404].sort());
    expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
  });

  it(`one invitation accepted ${N} times at once makes one member, never a 5xx`, async () => {
    const owner = await signUp();
    const email = uniqueEmail('invitee');
    expect((await owner.browser.post('/settings/team/invite', { name: 'Invitee', email })).status).toBe(303);
    const mail = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, email) });
    const path = new URL(mail!.text.match(/http:\/\/localhost\/invite\/[\w-]+/)![0]).pathname;
    const responses = await all(N, () => new Browser().post(path, { name: 'Invitee', password: PASSWORD }));
    const codes = statuses(responses);
    expect(codes.filter((s) => s === 303)).toHaveLength(1);
    for (const s of codes) expect([303, 404, 422]).toContain(s);
    const members = await db().select().from(users).where(eq(users.email, email));
    expect(members.map((m) => [m.orgId, m.role])).toEqual([[owner.orgId, 'member']]);
  });
});

describe('the company logo', () => {
  it(`${N} logo uploads at once leave exactly one logo object, the one the org points at`, async () => {
    const owner = await signUp();
    const responses = await all(N, () => {
      const form = new FormData();
      form.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
      return owner.browser.postMultipart('/settings/logo', form);
    });
    for (const r of responses) expect([303, 409]).toContain(r.status);
    expect(responses.some((r) => r.status === 303)).toBe(true);
    const org = await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, owner.orgId) });
    const objects = (await env.FILES.list({ prefix: `org/${owner.orgId}/logo/` })).objects.map((o) => o.key);
    expect(objects).toEqual([org!.logoKey]);
  });
});

describe('portal link actions', () => {
  it('openPortalLink opens a genuine link, and nothing for an expired or forged one or a voided document', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    const d = database(env.DB);
    const contact = co.customerContact;
    const token = (days: number, now = Date.now()) =>
      signPortalToken(SECRET(), { contactId: contact.id, documentId: id, accessVersion: 1 }, days, now);
    expect(await openPortalLink(env, d, await token(90))).toMatchObject({
      documentId: id,
      contact: { id: contact.id },
    });
    expect(await openPortalLink(env, d, await token(90, Date.now() - 91 * DAY))).toBeNull();
    expect(await openPortalLink(env, d, 'garbage')).toBeNull();
    expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
    expect(await openPortalLink(env, d, await token(90))).toBeNull();
  });

  it('requestFreshLink queues one email for a genuine expired link; a revoked contact gets nothing', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    const d = database(env.DB);
    const contact = co.customerContact;
    const expired = await signPortalToken(
      SECRET(),
      { contactId: contact.id, documentId: id, accessVersion: 1 },
      90,
      Date.now() - 91 * DAY,
    );
    const input = { token: expired, origin: 'http://localhost', ip: '198.51.100.7', userAgent: 'test' };
    const mailsOf = async () =>
      (await d.select().from(outbox).where(eq(outbox.documentId, id))).filter((m) => m.kind === 'fresh-link');
    expect(await requestFreshLink(env, d, input)).toBe(true);
    expect(await mailsOf()).toHaveLength(1);
    expect((await mailsOf())[0].toEmail).toBe(contact.email);
    const asked = await d.select().from(activity).where(eq(activity.documentId, id));
    expect(asked.filter((a) => a.action === 'link_requested')).toHaveLength(1);

    const revoked = await co.browser.post(`/accounts/${co.customerId}/contacts/${contact.id}/revoke`, {
      confirm: 'yes',
    });
    expect(revoked.status).toBe(303);
    expect(await requestFreshLink(env, d, { ...input, ip: '198.51.100.8' })).toBe(false);
    expect(await mailsOf()).toHaveLength(1);
  });
});
