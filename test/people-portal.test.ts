import { beforeAll, describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { seedSecondCompany, SECOND_ORG_ID } from '../src/dev/seed';
import { contacts, documents, orgs, outbox, portalSessionContacts, portalSessions } from '../src/db/schema';
import { sha256Hex } from '../src/http/crypto';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, BASE, db, uniqueEmail, viaEdge } from './helpers';
import { Visitor } from './hostile';
import { formFields, normalized } from './portal-fixtures';

// Issue 17, part D: one portal per person across contractors. Two companies share one person (two
// contacts, one address); their links make one session, each company's pages stay its own.

type Co = Awaited<ReturnType<typeof companyWithBudget>>;
let A: Co;
let B: Co;
let shared: string;
const docs = { a: '', a2: '', b: '' };
const links = { a: '', a2: '', b: '', bVendor: '' };

async function sent(co: Co, fields: Record<string, string> = { all: '1' }, kind = 'estimate') {
  const id = await createDocument(co.browser, co.jobId, kind, fields);
  const { link } = await sendDocument(co.browser, id);
  return { id, link };
}

beforeAll(async () => {
  A = await companyWithBudget({ company: 'Oak & Stone Builders' });
  B = await companyWithBudget({ company: 'Bright Electric' });
  shared = uniqueEmail('dana');
  // One person: A's customer contact and B's have the same address (B's in another case).
  await db().update(contacts).set({ email: shared }).where(eq(contacts.id, A.customerContact.id));
  await db().update(contacts).set({ email: shared.toUpperCase() }).where(eq(contacts.id, B.customerContact.id));
  await db().update(orgs).set({ brandColor: '#2f5d50' }).where(eq(orgs.id, A.orgId));
  await db().update(orgs).set({ brandColor: '#b8860b' }).where(eq(orgs.id, B.orgId));
  const a = await sent(A);
  const a2 = await sent(A, { group: A.groups.demolition });
  const b = await sent(B);
  Object.assign(docs, { a: a.id, a2: a2.id, b: b.id });
  Object.assign(links, { a: a.link, a2: a2.link, b: b.link });
  // Someone else at B: the vendor's contact, sent a purchase order.
  const po = await sent(B, { group: B.groups.electrical }, 'purchase_order');
  links.bVendor = po.link;
}, 120_000);

/** A browser that opened `opened` links in turn. */
async function person(...opened: string[]) {
  const r = new Browser();
  for (const link of opened) {
    const res = await r.get(link);
    expect(res.status, link).toBe(303);
  }
  return r;
}

const sessionOf = async (r: Browser) => {
  const hash = await sha256Hex(r.cookies.get('cp_portal')!);
  const [row] = await db().select().from(portalSessions).where(eq(portalSessions.id, hash));
  const held = await db().select().from(portalSessionContacts).where(eq(portalSessionContacts.sessionId, hash));
  return { hash, row, orgs: held.map((h) => h.orgId).sort() };
};

/** The page without the person's own switcher: what one company's page shows. */
const withoutSwitcher = (html: string) => html.replace(/<nav class="company-switcher"[\s\S]*?<\/nav>/, '');
const switcher = (html: string) => /<nav class="company-switcher"[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
const tokenIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('one session per person across contractors', () => {
  it('links from two contractors make one session; the switcher lists both, above each branded header', async () => {
    const r = await person(links.a);
    const first = await sessionOf(r);
    expect((await r.get(links.b)).status).toBe(303);
    const now = await sessionOf(r);
    expect(now.hash).not.toBe(first.hash); // a new cookie
    expect((await db().select().from(portalSessions).where(eq(portalSessions.id, first.hash))).length).toBe(0);
    expect(now.orgs).toEqual([A.orgId, B.orgId].sort());
    expect(now.row.email).toBe(shared);

    const pageA = await (await r.get(`/portal/documents/${docs.a}`)).text();
    const nav = switcher(pageA);
    expect(nav).toContain('Your contractors:');
    expect(nav).toContain(`href="/portal?company=${A.orgId}" aria-current="page">Oak &amp; Stone Builders`);
    expect(nav).toContain(`href="/portal?company=${B.orgId}">Bright Electric`);
    expect(pageA.indexOf('company-switcher')).toBeLessThan(pageA.indexOf('portal-header'));
    const pageB = await (await r.get(`/portal/documents/${docs.b}`)).text();
    expect(switcher(pageB)).toContain(`href="/portal?company=${B.orgId}" aria-current="page">Bright Electric`);
    expect(withoutSwitcher(pageB)).toContain('/brand.css?c=b8860b');
  });

  it("each company's home shows only its own documents, name and branding", async () => {
    const r = await person(links.a, links.b);
    const homeA = await r.get(`/portal?company=${A.orgId}`);
    expect(homeA.status).toBe(200);
    const a = withoutSwitcher(await homeA.text());
    expect(a).toContain(`/portal/documents/${docs.a}`);
    expect(a).toContain(`/portal/documents/${docs.a2}`);
    expect(a).not.toContain(docs.b);
    expect(a).not.toContain('Bright Electric');
    expect(a).not.toContain(B.orgId);
    expect(a).toContain('/brand.css?c=2f5d50');
    const b = withoutSwitcher(await (await r.get(`/portal?company=${B.orgId}`)).text());
    expect(b).toContain(`/portal/documents/${docs.b}`);
    expect(b).not.toContain(docs.a);
    expect(b).not.toContain('Oak &amp; Stone');
    expect(b).not.toContain(A.orgId);
    expect(b).toContain('/brand.css?c=b8860b');
    // Without ?company=: the last link's company.
    expect(withoutSwitcher(await (await r.get('/portal')).text())).toContain('Bright Electric');
    // The companies page: a card each, in its own colour, with what waits on the person.
    const all = await r.get('/portal/companies');
    expect(all.status).toBe(200);
    const html = await all.text();
    expect(html).toContain('/brand.css?c=2f5d50&amp;s=');
    expect(html).toContain('/brand.css?c=b8860b&amp;s=');
    expect(html).toMatch(/Oak &amp; Stone Builders<\/strong>[\s\S]*2 documents wait for you/);
    expect(html).toMatch(/Bright Electric<\/strong>[\s\S]*1 document waits for you/);
  });

  it('a session with one company shows no switcher', async () => {
    const r = await person(links.a);
    const html = await (await r.get('/portal')).text();
    expect(html).not.toContain('company-switcher');
  });
});

describe('the access matrix with two contractors and a person shared between them', () => {
  it("an address names its company: A's ids stay A's whatever ?company says, a company not held is the 404", async () => {
    const r = await person(links.a, links.b);
    const asB = await r.get(`/portal/documents/${docs.a}?company=${B.orgId}`);
    expect(asB.status).toBe(200);
    const html = withoutSwitcher(await asB.text());
    expect(html).toContain('Oak &amp; Stone Builders');
    expect(html).not.toContain('Bright Electric');
    expect(tokenIn(html).startsWith(`${A.orgId}.`)).toBe(true);
    expect((await r.get(`/portal/jobs/${A.jobId}?company=${B.orgId}`)).status).toBe(200);
    // B's person-less browser: a B-only session sees none of A's.
    const onlyB = await person(links.b);
    for (const path of [`/portal/documents/${docs.a}`, `/portal/documents/${docs.a}.pdf`, `/portal/jobs/${A.jobId}`]) {
      const res = await onlyB.get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).toContain('Open the link from your email');
    }
    expect((await onlyB.get(`/portal?company=${A.orgId}`)).status).toBe(404);
    // A stranger: the same 404 for both companies' addresses.
    const stranger = new Browser();
    for (const path of [`/portal/documents/${docs.a}`, `/portal/documents/${docs.b}`, `/portal?company=${A.orgId}`]) {
      expect((await stranger.get(path)).status, path).toBe(404);
    }
  });

  it("a token from A's page posted to B's document is refused (403) and nothing is written; B's own passes", async () => {
    const r = await person(links.a, links.b);
    const pageA = await (await r.get(`/portal/documents/${docs.a}`)).text();
    const pageB = await (await r.get(`/portal/documents/${docs.b}`)).text();
    const tokenA = tokenIn(pageA);
    const tokenB = tokenIn(pageB);
    expect(tokenA).not.toBe(tokenB);
    // The form as the page renders it, with the token given (Browser.post would add the cookie's own).
    const comment = (page: string, id: string, token: string, body: string) =>
      r.fetch(`/portal/documents/${id}`, {
        method: 'POST',
        body: new URLSearchParams({
          ...Object.fromEntries(formFields(page, `/portal/documents/${id}#comment-form`)),
          _csrf: token,
          body,
        }),
        headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    const before = await db().query.comments.findMany({ where: (t, { eq }) => eq(t.documentId, docs.b) });
    const crossed = await comment(pageB, docs.b, tokenA, 'from A');
    expect(crossed.status).toBe(403);
    expect(await crossed.text()).toContain('This form has expired or did not come from this site');
    const back = await comment(pageA, docs.a, tokenB, 'from B');
    expect(back.status).toBe(403);
    // The cookie's own token is not a portal token either.
    const raw = await r.fetch(`/portal/documents/${docs.b}`, {
      method: 'POST',
      body: new URLSearchParams({ intent: 'comment', body: 'raw', _csrf: 'x'.repeat(24) }),
      headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(raw.status).toBe(403);
    const after = await db().query.comments.findMany({ where: (t, { eq }) => eq(t.documentId, docs.b) });
    expect(after.length).toBe(before.length);
    const ok = await comment(pageB, docs.b, tokenB, 'from B, on B');
    expect(ok.status).toBe(303);
  });

  it('a link for another address in the same browser replaces the session (someone else at the computer)', async () => {
    const r = await person(links.a, links.b);
    const old = await sessionOf(r);
    expect((await r.get(links.bVendor)).status).toBe(303);
    const now = await sessionOf(r);
    expect(now.orgs).toEqual([B.orgId]);
    expect((await db().select().from(portalSessions).where(eq(portalSessions.id, old.hash))).length).toBe(0);
    expect((await r.get(`/portal/documents/${docs.a}`)).status).toBe(404);
    expect((await r.get(`/portal/documents/${docs.b}`)).status).toBe(404);
    // And back: the shared person's link replaces the vendor's session; it holds only that company.
    expect((await r.get(links.a)).status).toBe(303);
    expect((await sessionOf(r)).orgs).toEqual([A.orgId]);
  });

  it('two links opened at once in one browser: one session holding both companies', async () => {
    const r = await person(links.a2);
    const [one, two] = await Promise.all([r.get(links.b), r.get(links.a)]);
    expect([one.status, two.status]).toEqual([303, 303]);
    // The one that moved the session hands out its new cookie; the other only adds its company.
    expect([one, two].filter((res) => res.headers.getSetCookie().some((c) => /portal=/.test(c)))).toHaveLength(1);
    const held = await sessionOf(r);
    expect(held.orgs).toEqual([A.orgId, B.orgId].sort());
    expect((await r.get(`/portal/documents/${docs.a}`)).status).toBe(200);
    expect((await r.get(`/portal/documents/${docs.b}`)).status).toBe(200);
  });

  it('an old cookie held by someone else never obtains the session it moved to', async () => {
    const victim = await person(links.a2);
    const planted = new Browser();
    planted.cookies = new Map(victim.cookies); // the same cookie, in another browser
    expect((await victim.get(links.b)).status).toBe(303); // the session moves to a new cookie
    const res = await planted.get(links.a); // the old cookie, within the minute, with a link of the same person
    expect(res.headers.getSetCookie().some((c) => /portal=/.test(c))).toBe(false);
    expect((await planted.get(`/portal/documents/${docs.a}`)).status).toBe(404);
    expect((await victim.get(`/portal/documents/${docs.b}`)).status).toBe(200);
  });
});

const signInMails = (to: string) =>
  db()
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, to), eq(outbox.kind, 'sign-in-link')));

describe('"Email me a sign-in link"', () => {
  it('/portal without a session shows the message and the form', async () => {
    const res = await new Browser().get('/portal');
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).toContain('Open the link from your email');
    expect(html).toContain('action="/p/email-link"');
    expect(html).toMatch(/<label for="email-link-address">Your email address<\/label>/);
  });

  it('known and unknown addresses get the same answer; the known one is emailed one link per company', async () => {
    // Someone with documents from B only.
    const who = uniqueEmail('pat');
    await db().update(contacts).set({ email: who }).where(eq(contacts.id, B.vendorContact.id));
    const v = new Visitor();
    const known = await v.post('/p/email-link', { email: ` ${who.toUpperCase()} ` }, viaEdge('10.77.0.1'));
    const unknown = await new Visitor().post('/p/email-link', { email: uniqueEmail('nobody') }, viaEdge('10.77.0.2'));
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(normalized(await known.text())).toBe(normalized(await unknown.text()));
    const mails = await signInMails(who);
    expect(mails.length).toBe(1);
    expect(mails[0].orgId).toBeNull();
    expect(mails[0].text).toContain('Bright Electric');
  });

  it("one email lists every company the shared address has documents from, each link opening that company's portal", async () => {
    const v = new Visitor();
    const res = await v.post('/p/email-link', { email: shared }, viaEdge('10.77.0.3'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("we've emailed you a link");
    const mails = await signInMails(shared);
    expect(mails.length).toBe(1);
    const text = mails[0].text;
    expect(text).toContain('Oak & Stone Builders');
    expect(text).toContain('Bright Electric');
    const found = [...text.matchAll(/http:\/\/localhost(\/p\/[\w.-]+)/g)].map((m) => m[1]);
    expect(found.length).toBe(2);
    const r = new Browser();
    for (const link of found) expect((await r.get(link)).status).toBe(303);
    expect((await sessionOf(r)).orgs).toEqual([A.orgId, B.orgId].sort());
  });

  it('bad input keeps the form with a clear message (422), and sends nothing', async () => {
    const v = new Visitor();
    for (const [email, message] of [
      ['', 'Enter your email address.'],
      ['not-an-address', 'Enter an email address like name@example.com.'],
      [`${'a'.repeat(250)}@example.test`, 'That email address is too long.'],
    ]) {
      const res = await v.post('/p/email-link', { email }, viaEdge('10.77.0.4'));
      expect(res.status, email).toBe(422);
      const html = await res.text();
      expect(html).toContain(message);
      expect(html).toContain('action="/p/email-link"');
      if (email === 'not-an-address') expect(html).toContain('value="not-an-address"');
    }
    expect((await db().select().from(outbox).where(eq(outbox.kind, 'sign-in-link'))).every((m) => m.toEmail)).toBe(
      true,
    );
    const noToken = await new Browser().fetch('/p/email-link', {
      method: 'POST',
      body: new URLSearchParams({ email: shared }),
      headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(noToken.status).toBe(403);
  });

  it('is rate-limited per address: requests at once past the limit send no more, and answer the same', async () => {
    const who = uniqueEmail('lim');
    await db().update(contacts).set({ email: who }).where(eq(contacts.id, A.vendorContact.id));
    const po = await createDocument(A.browser, A.jobId, 'purchase_order', { group: A.groups.electrical });
    await sendDocument(A.browser, po);
    const ask = (n: number) => new Visitor().post('/p/email-link', { email: who }, viaEdge(`10.78.0.${n}`));
    for (let n = 1; n <= 3; n++) expect((await ask(n)).status).toBe(200);
    const answers = await Promise.all([4, 5, 6, 7].map(ask));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const bodies = await Promise.all(answers.map(async (a) => normalized(await a.text())));
    expect(new Set(bodies).size).toBe(1);
    expect((await signInMails(who)).length).toBe(5);
  });

  it('is rate-limited per network: past 5 an hour even a known address is sent nothing, with the same answer', async () => {
    const before = (await signInMails(shared)).length;
    const ask = (email: string) => new Visitor().post('/p/email-link', { email }, viaEdge('10.79.0.1'));
    const answers = [];
    for (let n = 0; n < 5; n++) answers.push(await ask(uniqueEmail('net')));
    const over = await ask(shared);
    expect([...answers, over].map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(normalized(await over.text())).toBe(normalized(await answers[0].text()));
    expect((await signInMails(shared)).length).toBe(before);
  });

  it('the ended page and an unusable link offer it too', async () => {
    const bad = await new Browser().get('/p/not-a-token');
    expect(await bad.text()).toContain('action="/p/email-link"');
  });
});

describe('the demo', () => {
  it("seeds Bright Electric with one estimate sent to Oak & Stone's Arjun Patel (his address, another case); once", async () => {
    expect(await seedSecondCompany(env, db(), BASE)).toEqual({ created: true });
    expect(await seedSecondCompany(env, db(), BASE)).toEqual({ created: false });
    const [contact] = await db().select().from(contacts).where(eq(contacts.orgId, SECOND_ORG_ID));
    expect(contact.email.toLowerCase()).toBe('arjun.patel@example.test');
    const sentDocs = await db().select().from(documents).where(eq(documents.orgId, SECOND_ORG_ID));
    expect(sentDocs.map((d) => d.status)).toEqual(['sent']);
    // Issue 18: the one demo document that asks for a code emailed before signing.
    expect(sentDocs.map((d) => d.emailCode)).toEqual([true]);
    const [mail] = await db().select().from(outbox).where(eq(outbox.orgId, SECOND_ORG_ID));
    expect(mail.subject).toContain('from Bright Electric');
  });
});

// Last: it revokes the shared person's access at A.
describe('revoking a contact', () => {
  it("revoking the person's contact at A drops A from the session at once; B stays", async () => {
    const r = await person(links.b, links.a);
    const a = await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.id, A.customerContact.id) });
    const res = await A.browser.post(`/accounts/${A.customerId}/contacts/${a!.id}/revoke`, {
      confirm: 'yes',
      version: String(a!.accessVersion),
    });
    expect(res.status).toBe(303);
    const home = await r.get('/portal');
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('Bright Electric');
    expect(html).not.toContain('company-switcher');
    const gone = await r.get(`/portal/documents/${docs.a}`);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('This link no longer works');
    expect((await r.get(`/portal/documents/${docs.b}`)).status).toBe(200);
    // Asked for a sign-in link now, the address gets B's alone: A's access was revoked.
    const before = (await signInMails(shared)).length;
    expect((await new Visitor().post('/p/email-link', { email: shared }, viaEdge('10.80.0.1'))).status).toBe(200);
    const mails = await signInMails(shared);
    expect(mails.length).toBe(before + 1);
    const last = mails.find((m) => !m.text.includes('Oak & Stone'));
    expect(last?.text).toContain('Bright Electric');
  });
});
