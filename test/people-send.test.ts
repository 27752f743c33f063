import { env } from 'cloudflare:workers';
import { and, asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activity, contacts, documentRecipients, documents, orgs, outbox, portalSessions } from '../src/db/schema';
import { checkRecipients, resolveRecipients } from '../src/documents/send-recipients';
import { FormCheck } from '../src/http/validate';
import { linkStillGiven } from '../src/portal/queries';
import { Browser, db, location } from './helpers';
import { companyWithBudget, createDocument } from './fixtures';
import { fieldError, inputValue, selectedOption, unescape } from './pages';

// Issue 17, part A: sending one document to several people from the send page, each with their own
// link; the signing order and countersignature chosen there; a resend to whoever still has something
// to do; and the refusals (bad rows, another company's contact, doubles, too many, races).

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let sam: { id: string; email: string };

beforeAll(async () => {
  co = await companyWithBudget();
  const res = await co.browser.post(`/accounts/${co.customerId}/contacts`, {
    name: 'Sam Patel',
    email: 'sam.patel@example.test',
    phone: '',
  });
  expect(res.status).toBe(303);
  const row = await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.email, 'sam.patel@example.test') });
  sam = { id: row!.id, email: row!.email };
});

const mailsOf = (id: string) =>
  db().select().from(outbox).where(eq(outbox.documentId, id)).orderBy(asc(outbox.createdAt), asc(outbox.toEmail));
const rowsOf = (id: string) =>
  db()
    .select()
    .from(documentRecipients)
    .where(eq(documentRecipients.documentId, id))
    .orderBy(asc(documentRecipients.position));
const linkIn = (text: string) => new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(text)![0]).pathname;
const filesOf = async (id: string) =>
  (await env.FILES.list({ prefix: `org/${co.orgId}/doc/${id}/` })).objects.map((o) => o.key);

interface Pick {
  contact?: string;
  name?: string;
  email?: string;
  role: string;
}

/**
 * The send page's own fields (primary signer as shown) with people chosen as a browser would: a
 * contact in its row, a new person in the next "add someone" row; then `extra`.
 */
async function sendFields(browser: Browser, id: string, people: Pick[] = [], extra: Record<string, string> = {}) {
  const page = await (await browser.get(`/documents/${id}/send`)).text();
  const fields: Record<string, string> = {
    name: inputValue(page, 'name')!,
    email: inputValue(page, 'email')!,
    message: '',
  };
  const rowOf = new Map<string, number>();
  let n = 1;
  for (; inputValue(page, `recipient.${n}.contactId`) !== undefined; n++) {
    const cid = inputValue(page, `recipient.${n}.contactId`)!;
    if (cid) rowOf.set(cid, n);
    else break;
  }
  for (const p of people) {
    const row = p.contact ? rowOf.get(p.contact)! : n++;
    fields[`recipient.${row}.contactId`] = p.contact ?? '';
    if (!p.contact) {
      fields[`recipient.${row}.name`] = p.name ?? '';
      fields[`recipient.${row}.email`] = p.email ?? '';
    }
    fields[`recipient.${row}.role`] = p.role;
  }
  return { ...fields, ...extra };
}

/** The row a refusal names, as `sendFields` placed the `i`th person (0-based) among the posted fields. */
const rowOfPerson = (fields: Record<string, string>, i: number) =>
  Object.keys(fields)
    .filter((k) => k.endsWith('.role'))
    .map((k) => Number(k.split('.')[1]))
    .sort((a, b) => a - b)[i];

describe('the send page offers the account’s people', () => {
  it('lists the other contacts with Signer / Copy / Not included, add rows, the order and the countersign box', async () => {
    await db().update(orgs).set({ countersignDefault: true }).where(eq(orgs.id, co.orgId));
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const page = unescape(await (await co.browser.get(`/documents/${id}/send`)).text());
    expect(page).toContain('Also send to');
    expect(page).toContain('Sam Patel (sam.patel@example.test)');
    expect(inputValue(page, 'recipient.1.contactId')).toBe(sam.id);
    expect(selectedOption(page, 'recipient.1.role')).toBe('');
    expect(page).toMatch(/<option value="signer"[^>]*>Signer<\/option>/);
    expect(inputValue(page, 'recipient.2.name')).toBe('');
    expect(inputValue(page, 'recipient.3.email')).toBe('');
    expect(page).toContain('Everyone signs, in any order');
    expect(page).toContain('In the order listed (each is emailed when the one before signs)');
    expect(page).toMatch(/<input type="checkbox" name="countersign" checked/);
    await db().update(orgs).set({ countersignDefault: false }).where(eq(orgs.id, co.orgId));
  });
});

describe('sending to two signers and a copy', () => {
  let id: string;
  beforeAll(async () => {
    id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
  });

  it('emails each their own link, writes the recipients, the order, the countersignature and the activity', async () => {
    const fields = await sendFields(
      co.browser,
      id,
      [
        { contact: sam.id, role: 'signer' },
        { name: 'Uma Park', email: 'uma.park@example.test', role: 'copy' },
      ],
      { countersign: 'on', signingOrder: 'any' },
    );
    const res = await co.browser.post(`/documents/${id}/send`, fields);
    expect(res.status).toBe(303);
    expect(location(res)).toMatch(new RegExp(`^/documents/${id}`));
    const mails = await mailsOf(id);
    expect(mails.map((m) => m.toEmail).sort()).toEqual(
      [co.customerContact.email, 'uma.park@example.test', 'sam.patel@example.test'].sort(),
    );
    const uma = await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.email, 'uma.park@example.test') });
    expect(uma).toMatchObject({ accountId: co.customerId, orgId: co.orgId, name: 'Uma Park', accessVersion: 1 });
    // Each link opens the portal as that person.
    const byEmail = new Map(mails.map((m) => [m.toEmail, m]));
    for (const [email, contactId] of [
      [co.customerContact.email, co.customerContact.id],
      ['sam.patel@example.test', sam.id],
      ['uma.park@example.test', uma!.id],
    ]) {
      const b = new Browser();
      const open = await b.get(linkIn(byEmail.get(email)!.text));
      expect(open.status).toBe(303);
      const sessions = await db().select().from(portalSessions).where(eq(portalSessions.contactId, contactId));
      expect(sessions.length).toBeGreaterThan(0);
    }
    const copyMail = byEmail.get('uma.park@example.test')!;
    expect(unescape(copyMail.text)).toMatch(/receiving a copy.*Reyes Household Contact and Sam Patel sign it/s);
    expect(unescape(byEmail.get('sam.patel@example.test')!.text)).toContain('Hi Sam,');
    expect((await rowsOf(id)).map((r) => [r.contactId, r.role, r.position])).toEqual([
      [co.customerContact.id, 'signer', 1],
      [sam.id, 'signer', 2],
      [uma!.id, 'copy', 3],
    ]);
    const doc = await db().query.documents.findFirst({ where: eq(documents.id, id) });
    expect(doc).toMatchObject({ countersign: true, signingOrder: 'any', contactId: co.customerContact.id });
    const [sent] = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.documentId, id), eq(activity.action, 'sent')));
    const data = JSON.parse(sent.data!);
    expect(data.contactId).toBe(co.customerContact.id);
    expect(data.accessVersion).toBe(1);
    expect(data.recipients.map((r: { contactId: string; role: string }) => [r.contactId, r.role])).toEqual([
      [co.customerContact.id, 'signer'],
      [sam.id, 'signer'],
      [uma!.id, 'copy'],
    ]);
    // The timeline names them: signers, then the copy.
    const page = unescape(await (await co.browser.get(`/documents/${id}`)).text());
    expect(page).toContain('sent rev 1 to Reyes Household Contact and Sam Patel (copy: Uma Park)');
    // Every one of them may be emailed a link later (comment digests, notices).
    for (const c of [co.customerContact, { ...sam, accountId: co.customerId, accessVersion: 1 }, uma!]) {
      expect(await linkStillGiven(db(), doc!, { id: c.id, accountId: co.customerId, accessVersion: 1 })).toBe(true);
    }
    expect(await linkStillGiven(db(), doc!, { id: uma!.id, accountId: co.customerId, accessVersion: 2 })).toBe(false);
  });

  it('a resend emails every signer who has not signed, and the copy', async () => {
    const before = (await mailsOf(id)).length;
    const res = await co.browser.post(`/documents/${id}/resend`);
    expect(res.status).toBe(303);
    const fresh = (await mailsOf(id)).slice(before);
    expect(fresh.map((m) => m.toEmail).sort()).toEqual(
      [co.customerContact.email, 'uma.park@example.test', 'sam.patel@example.test'].sort(),
    );
    const resent = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.documentId, id), eq(activity.action, 'resent')));
    expect(JSON.parse(resent[0].data!).recipients).toHaveLength(3);
  });
});

describe('a revision', () => {
  it('its send page starts from who the last version went to, their roles and the countersignature', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const fields = await sendFields(co.browser, id, [{ contact: sam.id, role: 'copy' }], { countersign: 'on' });
    expect((await co.browser.post(`/documents/${id}/send`, fields)).status).toBe(303);
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    const page = await (await co.browser.get(`/documents/${id}/send`)).text();
    expect(selectedOption(page, `recipient.${rowOfPerson(fields, 0)}.role`)).toBe('copy');
    expect(page).toMatch(/<input type="checkbox" name="countersign" checked/);
  });
});

describe('in the order listed', () => {
  it('emails the first signer and the copy now; the second signer waits for their turn', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const fields = await sendFields(
      co.browser,
      id,
      [
        { contact: sam.id, role: 'signer' },
        { name: 'Uma Park', email: 'UMA.PARK@example.test', role: 'copy' },
      ],
      { signingOrder: 'ordered' },
    );
    const res = await co.browser.post(`/documents/${id}/send`, fields);
    expect(res.status).toBe(303);
    expect((await mailsOf(id)).map((m) => m.toEmail).sort()).toEqual(
      [co.customerContact.email, 'uma.park@example.test'].sort(),
    );
    // Lee is a contact already: the address is theirs, no second contact is made.
    const umas = await db().select().from(contacts).where(eq(contacts.email, 'uma.park@example.test'));
    expect(umas).toHaveLength(1);
    const doc = await db().query.documents.findFirst({ where: eq(documents.id, id) });
    expect(doc).toMatchObject({ signingOrder: 'ordered', countersign: false });
    expect((await rowsOf(id)).map((r) => [r.role, r.position])).toEqual([
      ['signer', 1],
      ['signer', 2],
      ['copy', 3],
    ]);
  });
});

describe('bid requests take copies only', () => {
  it('a bid request goes to its vendor and a copy; a signer on an extra row is refused', async () => {
    const id = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
    const page = unescape(await (await co.browser.get(`/documents/${id}/send`)).text());
    expect(page).toContain('Anyone you add here gets a copy');
    expect(page).not.toContain('Everyone signs, in any order');
    const refused = await co.browser.post(
      `/documents/${id}/send`,
      await sendFields(co.browser, id, [{ name: 'Pat Vendor', email: 'pat.vendor@example.test', role: 'signer' }]),
    );
    expect(refused.status).toBe(422);
    const body = await refused.text();
    const row = /name="recipient\.(\d+)\.name"/.exec(body)![1];
    expect(fieldError(body, `recipient.${row}.role`)).toMatch(/anyone else can get a copy/);
    expect(inputValue(body, `recipient.${row}.name`)).toBe('Pat Vendor');
    expect(await mailsOf(id)).toHaveLength(0);
    expect(await filesOf(id)).toEqual([]);

    const res = await co.browser.post(
      `/documents/${id}/send`,
      await sendFields(co.browser, id, [{ name: 'Pat Vendor', email: 'pat.vendor@example.test', role: 'copy' }]),
    );
    expect(res.status).toBe(303);
    expect((await mailsOf(id)).map((m) => m.toEmail).sort()).toEqual(
      [co.vendorContact.email, 'pat.vendor@example.test'].sort(),
    );
    const copy = (await mailsOf(id)).find((m) => m.toEmail === 'pat.vendor@example.test')!;
    expect(unescape(copy.text)).toMatch(/receiving a copy.*answers it/s);
    expect((await rowsOf(id)).map((r) => r.role)).toEqual(['signer', 'copy']);
  });
});

describe('bad input: 422 on the field, the form kept, nothing written', () => {
  // [what, the people chosen, which of them the message is on, its field, the message, an email that stays]
  const cases: [string, Pick[], number, string, RegExp, string?][] = [
    [
      'a blank name on an included row',
      [{ name: '', email: 'x@example.test', role: 'signer' }],
      0,
      'name',
      /Name is required/,
      'x@example.test',
    ],
    ['a bad email', [{ name: 'Kim', email: 'kim@', role: 'copy' }], 0, 'email', /email address/, 'kim@'],
    [
      'the same person twice',
      [
        { contact: 'SAM', role: 'signer' },
        { name: 'Sam again', email: 'SAM.PATEL@example.test', role: 'copy' },
      ],
      1,
      'email',
      /already on this send/,
      'SAM.PATEL@example.test',
    ],
    [
      'the primary again as an extra row',
      [{ name: 'Me', email: 'PRIMARY', role: 'copy' }],
      0,
      'email',
      /already on this send/,
    ],
  ];
  let id: string;
  beforeAll(async () => {
    id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
  });

  const nothingWritten = async () => {
    expect(await rowsOf(id)).toHaveLength(0);
    expect(await mailsOf(id)).toHaveLength(0);
    expect(await filesOf(id)).toEqual([]);
    expect((await db().query.documents.findFirst({ where: eq(documents.id, id) }))!.sentVersion).toBeNull();
  };

  for (const [what, people, who, part, message, kept] of cases) {
    it(what, async () => {
      const chosen = people.map((p) => ({
        ...p,
        ...(p.contact === 'SAM' ? { contact: sam.id } : {}),
        ...(p.email === 'PRIMARY' ? { email: co.customerContact.email } : {}),
      }));
      const fields = await sendFields(co.browser, id, chosen, { message: 'Kept message' });
      const res = await co.browser.post(`/documents/${id}/send`, fields);
      expect(res.status).toBe(422);
      const body = await res.text();
      const row = rowOfPerson(fields, who);
      expect(fieldError(body, `recipient.${row}.${part}`)).toMatch(message);
      expect(inputValue(body, 'message')).toBe('Kept message');
      if (kept) expect(inputValue(body, `recipient.${row}.email`)).toBe(kept);
      await nothingWritten();
    });
  }

  it('a signing order that is not one of the two', async () => {
    const fields = await sendFields(co.browser, id, [{ contact: sam.id, role: 'signer' }], {
      signingOrder: 'sideways',
    });
    const res = await co.browser.post(`/documents/${id}/send`, fields);
    expect(res.status).toBe(422);
    const body = unescape(await res.text());
    expect(body).toContain('Choose a signing order from the list.');
    expect(selectedOption(body, `recipient.${rowOfPerson(fields, 0)}.role`)).toBe('signer');
    await nothingWritten();
  });

  it('more than ten people', async () => {
    const people = Array.from({ length: 10 }, (_, i) => ({
      name: `Person ${i + 1}`,
      email: `person-${i + 1}@example.test`,
      role: 'copy',
    }));
    const fields = await sendFields(co.browser, id, people);
    const res = await co.browser.post(`/documents/${id}/send`, fields);
    expect(res.status).toBe(422);
    const body = unescape(await res.text());
    expect(body).toContain('Send to at most 10 people at once.');
    expect(inputValue(body, `recipient.${rowOfPerson(fields, 9)}.email`)).toBe('person-10@example.test');
    expect(await rowsOf(id)).toHaveLength(0);
    expect(await mailsOf(id)).toHaveLength(0);
    expect(await db().select().from(contacts).where(eq(contacts.email, 'person-1@example.test'))).toHaveLength(0);
  });

  it('another company’s (or another account’s) contact is not found, and nothing is written', async () => {
    const other = await companyWithBudget({ company: 'Elsewhere Builders' });
    const base = await sendFields(co.browser, id, [{ contact: sam.id, role: 'copy' }]);
    const row = rowOfPerson(base, 0);
    for (const foreign of [other.customerContact.id, co.vendorContact.id]) {
      const res = await co.browser.post(`/documents/${id}/send`, { ...base, [`recipient.${row}.contactId`]: foreign });
      expect(res.status).toBe(404);
      const body = await res.text();
      expect(body).not.toContain(other.customerContact.name);
      expect(body).not.toContain(co.vendorContact.email);
    }
    expect(await rowsOf(id)).toHaveLength(0);
    expect(await mailsOf(id)).toHaveLength(0);
    expect(await filesOf(id)).toEqual([]);
  });
});

describe('who may send', () => {
  it('no session goes to sign in; another company’s document is not found', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const fields = await sendFields(co.browser, id, [{ contact: sam.id, role: 'copy' }]);
    const anon = new Browser();
    // A post without a session is answered 401 (sign in again), as every dashboard post is; a GET goes to sign in.
    expect((await anon.post(`/documents/${id}/send`, fields)).status).toBe(401);
    const get = await anon.get(`/documents/${id}/send`);
    expect(get.status).toBe(303);
    expect(location(get)).toMatch(/^\/sign-in/);
    const other = await companyWithBudget({ company: 'Other Co' });
    expect((await other.browser.post(`/documents/${id}/send`, fields)).status).toBe(404);
    expect((await other.browser.get(`/documents/${id}/send`)).status).toBe(404);
    expect(await rowsOf(id)).toHaveLength(0);
    expect(await mailsOf(id)).toHaveLength(0);
  });
});

describe('two identical sends at once', () => {
  it('one send, one set of recipient rows, one email each', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const fields = await sendFields(co.browser, id, [
      { contact: sam.id, role: 'signer' },
      { name: 'Robin Race', email: 'robin.race@example.test', role: 'copy' },
    ]);
    const results = await Promise.all([
      co.browser.post(`/documents/${id}/send`, fields),
      co.browser.post(`/documents/${id}/send`, fields),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 409]);
    expect((await mailsOf(id)).map((m) => m.toEmail).sort()).toEqual(
      [co.customerContact.email, 'robin.race@example.test', 'sam.patel@example.test'].sort(),
    );
    expect(await rowsOf(id)).toHaveLength(3);
    expect(await db().select().from(contacts).where(eq(contacts.email, 'robin.race@example.test'))).toHaveLength(1);
    expect(await filesOf(id)).toHaveLength(1);
  });
});

describe('the rules, as functions', () => {
  it('checkRecipients skips rows left out and blank add rows; resolveRecipients reuses an address', () => {
    const f = new FormCheck({
      'recipient.1.contactId': 'c1aaaaaaaa',
      'recipient.1.role': '',
      'recipient.2.contactId': '',
      'recipient.2.name': '',
      'recipient.2.email': '',
      'recipient.2.role': 'signer',
      'recipient.3.contactId': '',
      'recipient.3.name': 'Ann',
      'recipient.3.email': 'ANN@example.test',
      'recipient.3.role': 'copy',
      countersign: 'on',
    });
    const choice = checkRecipients(f, { signersAllowed: true, countersignAllowed: false });
    expect(f.ok).toBe(true);
    expect(choice).toEqual({
      rows: [{ row: 3, contactId: null, name: 'Ann', email: 'ann@example.test', role: 'copy' }],
      signingOrder: 'any',
      countersign: false,
    });
    const account = [{ id: 'annid12345', name: 'Ann Lee', email: 'ann@example.test', accessVersion: 3 }];
    expect(resolveRecipients({ contactId: 'p', email: 'p@example.test' }, choice.rows, account)).toEqual([
      { row: 3, contactId: 'annid12345', name: 'Ann Lee', email: 'ann@example.test', role: 'copy', accessVersion: 3 },
    ]);
    expect(() => resolveRecipients({ contactId: 'annid12345', email: 'x@example.test' }, choice.rows, account)).toThrow(
      /already on this send/,
    );
  });
});

describe('the demo seed', () => {
  it('has the Patel estimate sent to both Patels to sign, with the countersignature asked, unsigned', async () => {
    const { DEMO_ORG_ID, seedDemo, seedPeopleDemo } = await import('../src/dev/seed');
    expect(await seedDemo(db())).toEqual({ created: true });
    await seedPeopleDemo(env, db(), 'http://localhost');
    const [doc] = await db()
      .select()
      .from(documents)
      .where(and(eq(documents.orgId, DEMO_ORG_ID), eq(documents.jobId, 'demojobbath00001')));
    expect(doc).toMatchObject({
      status: 'sent',
      countersign: true,
      signingOrder: 'any',
      contactId: 'democontarjun001',
    });
    expect((await rowsOf(doc.id)).map((r) => [r.contactId, r.role, r.position])).toEqual([
      ['democontarjun001', 'signer', 1],
      ['democontpriya001', 'signer', 2],
    ]);
    expect((await mailsOf(doc.id)).map((m) => m.toEmail).sort()).toEqual([
      'arjun.patel@example.test',
      'priya.patel@example.test',
    ]);
  });
});
