import { env } from 'cloudflare:workers';
import { runDurableObjectAlarm } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { activity, contacts, outbox, signatures } from '../src/db/schema';
import { finalizeSignature } from '../src/signing/finalize';
import { Browser, db, uniqueEmail } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { openLink } from './portal-fixtures';

// Findings 1, 2 and 9 of the security review (issue 12): revoking a contact, voiding a document or
// changing a contact's email ends every way the old access could still reach them: live sockets,
// comment digests, old links and sessions.

type Company = Awaited<ReturnType<typeof companyWithBudget>>;

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));
const roomOf = (documentId: string) => env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(documentId));

/** A live page's socket: every message it hears, and the close code once the room closes it. */
async function live(browser: Browser, path: string) {
  const res = await browser.fetch(path, { headers: { Upgrade: 'websocket' } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const heard: string[] = [];
  let closedWith: number | null = null;
  ws.addEventListener('message', (m) => {
    if (typeof m.data === 'string' && m.data !== 'pong') heard.push(m.data);
  });
  ws.addEventListener('close', (e) => {
    closedWith = e.code;
  });
  return { ws, heard: (text: string) => heard.some((m) => m.includes(text)), closed: () => closedWith };
}

/** A sent document of the company's customer, its portal opened, and both sides' live sockets. */
async function watchedDocument(co: Company, kind = 'estimate') {
  const id = await createDocument(co.browser, co.jobId, kind, { group: co.groups.demolition });
  const { link } = await sendDocument(co.browser, id);
  const { browser: recipient } = await openLink(link);
  const theirs = await live(recipient, `/portal/documents/${id}/live`);
  const ours = await live(co.browser, `/documents/${id}/live`);
  // The positive control: while access holds, the contractor's comment reaches the recipient live.
  expect((await co.browser.post(`/documents/${id}/comments`, { body: 'While access holds' })).status).toBe(303);
  await expect.poll(() => theirs.heard('While access holds'), { timeout: 5000 }).toBe(true);
  return { id, link, recipient, theirs, ours };
}

const revoke = (co: Company, contactId = co.customerContact.id) =>
  co.browser.post(`/accounts/${co.customerId}/contacts/${contactId}/revoke`, { confirm: 'yes' });

const editContact = (co: Company, fields: Record<string, string>, contactId = co.customerContact.id) =>
  co.browser.post(`/accounts/${co.customerId}/contacts/${contactId}`, {
    name: co.customerContact.name,
    email: co.customerContact.email,
    phone: '',
    ...fields,
  });

const contactRow = async (id: string) => (await db().query.contacts.findFirst({ where: eq(contacts.id, id) }))!;

const revocations = async (co: Company, contactId = co.customerContact.id) =>
  (
    await db()
      .select()
      .from(activity)
      .where(and(eq(activity.orgId, co.orgId), eq(activity.action, 'link_revoked')))
  ).filter((a) => JSON.parse(a.data ?? '{}').contactId === contactId);

const digestsTo = async (documentId: string, email: string) =>
  (
    await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.documentId, documentId), eq(outbox.kind, 'comments')))
  ).filter((m) => m.toEmail === email);

const linkIn = (text: string) => new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(text)![0]).pathname;

describe('finding 1: revocation closes live sockets', () => {
  it('a revoked contact’s open socket is closed and never hears the contractor’s next comment', async () => {
    const co = await companyWithBudget();
    const { id, theirs, ours } = await watchedDocument(co);
    expect((await revoke(co)).status).toBe(303);
    await expect.poll(() => theirs.closed(), { timeout: 5000 }).not.toBeNull();
    expect(theirs.closed()).toBe(4403);

    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Secret after the revoke' })).status).toBe(303);
    // The contractor's page hears it; the recipient's, sent in the same broadcast, does not.
    await expect.poll(() => ours.heard('Secret after the revoke'), { timeout: 5000 }).toBe(true);
    await settle();
    expect(theirs.heard('Secret after the revoke')).toBe(false);
  });

  it('a voided document closes its recipients’ sockets; later comments reach only the contractor', async () => {
    const co = await companyWithBudget();
    const { id, theirs, ours } = await watchedDocument(co, 'customer_invoice');
    expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
    await expect.poll(() => theirs.closed(), { timeout: 5000 }).toBe(4403);
    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Note on the void' })).status).toBe(303);
    await expect.poll(() => ours.heard('Note on the void'), { timeout: 5000 }).toBe(true);
    await settle();
    expect(theirs.heard('Note on the void')).toBe(false);
  });

  it('the room checks access before every broadcast, even when nobody told it of the revoke', async () => {
    const co = await companyWithBudget();
    const { id, theirs, ours } = await watchedDocument(co);
    // Bumped behind the room's back (as a revoke whose room call failed would leave it).
    await env.DB.prepare('UPDATE contacts SET access_version = access_version + 1 WHERE id = ?')
      .bind(co.customerContact.id)
      .run();
    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Unannounced revoke' })).status).toBe(303);
    await expect.poll(() => ours.heard('Unannounced revoke'), { timeout: 5000 }).toBe(true);
    await settle();
    expect(theirs.heard('Unannounced revoke')).toBe(false);
    expect(theirs.closed()).toBe(4403);
  });

  it('the room refuses a socket whose access version is no longer the contact’s', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    const contact = await contactRow(co.customerContact.id);
    const open = (version: number, documentId = id) =>
      roomOf(id).fetch('https://room/live', {
        headers: {
          Upgrade: 'websocket',
          'X-Audience': `recipient:${contact.id}`,
          'X-Access-Version': String(version),
          'X-Document': documentId,
        },
      });
    const current = await open(contact.accessVersion);
    expect(current.status).toBe(101);
    current.webSocket!.accept();
    current.webSocket!.close();
    expect((await open(contact.accessVersion - 1)).status).toBe(404);
    expect((await open(contact.accessVersion + 1)).status).toBe(404);
    // The room of one document does not take sockets for another.
    const other = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await sendDocument(co.browser, other);
    expect((await open(contact.accessVersion, other)).status).toBe(404);
  });

  it('eight concurrent revokes: each bumps the access version once, none fails', async () => {
    const co = await companyWithBudget();
    const { theirs } = await watchedDocument(co);
    const before = (await contactRow(co.customerContact.id)).accessVersion;
    const answers = await Promise.all(Array.from({ length: 8 }, () => revoke(co)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(303));
    expect((await contactRow(co.customerContact.id)).accessVersion).toBe(before + 8);
    expect(await revocations(co)).toHaveLength(8);
    expect(theirs.closed()).toBe(4403);
  });
});

describe('finding 2: comment emails do not re-grant access', () => {
  it('no digest goes to a revoked contact; a resend gives the digests back', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    const email = co.customerContact.email;
    expect((await revoke(co)).status).toBe(303);
    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Written after the revoke' })).status).toBe(303);
    await runDurableObjectAlarm(roomOf(id));
    await settle();
    expect(await digestsTo(id, email)).toHaveLength(0);

    expect((await co.browser.post(`/documents/${id}/resend`)).status).toBe(303);
    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Written after the resend' })).status).toBe(303);
    await runDurableObjectAlarm(roomOf(id));
    await expect.poll(async () => (await digestsTo(id, email)).length, { timeout: 5000 }).toBe(1);
    const [digest] = await digestsTo(id, email);
    expect(digest.text).toContain('Written after the resend');
    // Its link works: the resend gave the access back.
    expect((await new Browser().get(linkIn(digest.text))).status).toBe(303);
  });

  it('no digest for a voided document', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'About the void' })).status).toBe(303);
    await runDurableObjectAlarm(roomOf(id));
    await settle();
    expect(await digestsTo(id, co.customerContact.email)).toHaveLength(0);
  });
});

describe('finding 9: changing a contact’s email revokes their old links', () => {
  it('an email change kills the old link and session and says so in the timeline; other edits do not', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser: session } = await openLink(link);
    const before = await contactRow(co.customerContact.id);

    // Name and phone only: access stays.
    expect((await editContact(co, { name: 'Dana Reyes-Ortiz', phone: '555-0100' })).status).toBe(303);
    expect((await session.get('/portal')).status).toBe(200);
    expect((await contactRow(before.id)).accessVersion).toBe(before.accessVersion);
    expect(await revocations(co)).toHaveLength(0);

    const fresh = uniqueEmail('moved');
    expect((await editContact(co, { name: 'Dana Reyes-Ortiz', email: fresh })).status).toBe(303);
    expect((await session.get('/portal')).status).toBe(404);
    expect((await session.get(`/portal/documents/${id}`)).status).toBe(404);
    const again = new Browser();
    expect((await again.get(link)).status).not.toBe(303);
    expect(again.cookies.has('cp_portal')).toBe(false);
    const after = await contactRow(before.id);
    expect(after).toMatchObject({ email: fresh, accessVersion: before.accessVersion + 1 });

    const [logged] = await revocations(co);
    expect(logged).toMatchObject({ side: 'contractor', userId: co.userId });
    const data = JSON.parse(logged.data!);
    expect(data).toMatchObject({ contactId: before.id, from: before.email, to: fresh });
    expect(data.reason).toContain(before.email);
    const feed = await (await co.browser.get('/activity')).text();
    expect(feed).toContain(`revoked portal access of Dana Reyes-Ortiz (${before.email})`);
    expect(feed).toContain('email changed');

    // No digest to either address until the contractor sends again; then the new address gets one.
    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'After the move' })).status).toBe(303);
    await runDurableObjectAlarm(roomOf(id));
    await settle();
    expect(await digestsTo(id, fresh)).toHaveLength(0);
    expect(await digestsTo(id, before.email)).toHaveLength(0);
    expect((await co.browser.post(`/documents/${id}/resend`)).status).toBe(303);
    const resent = await db().query.outbox.findFirst({
      where: (o, { and, eq }) => and(eq(o.documentId, id), eq(o.kind, 'document'), eq(o.toEmail, fresh)),
    });
    expect((await openLink(linkIn(resent!.text))).page.status).toBe(200);
  });

  it('a new email on the send page revokes the old links too', async () => {
    const co = await companyWithBudget();
    const first = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const old = await sendDocument(co.browser, first);
    const { browser: session } = await openLink(old.link);
    const before = await contactRow(co.customerContact.id);

    const second = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.electrical });
    const fresh = uniqueEmail('new-address');
    const sent = await sendDocument(co.browser, second, { email: fresh });
    expect(sent.mail.toEmail).toBe(fresh);
    expect((await session.get('/portal')).status).toBe(404);
    expect((await new Browser().get(old.link)).status).not.toBe(303);
    expect(await contactRow(before.id)).toMatchObject({ email: fresh, accessVersion: before.accessVersion + 1 });
    // The link just sent to the new address works, for both documents of the account.
    const opened = await openLink(sent.link);
    expect(opened.page.status).toBe(200);
    expect((await opened.browser.get(`/portal/documents/${first}`)).status).toBe(200);
    const [logged] = await revocations(co);
    expect(JSON.parse(logged.data!)).toMatchObject({ from: before.email, to: fresh });
  });

  it('a bad email or another company changes nothing', async () => {
    const co = await companyWithBudget();
    const before = await contactRow(co.customerContact.id);
    const bad = await editContact(co, { email: 'not-an-email' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('must be an email address');
    const other = await companyWithBudget({ company: 'Other Builders' });
    const foreign = await other.browser.post(`/accounts/${co.customerId}/contacts/${before.id}`, {
      name: 'Mallory',
      email: uniqueEmail('mallory'),
      phone: '',
    });
    expect(foreign.status).toBe(404);
    const anonymous = await new Browser().post(`/accounts/${co.customerId}/contacts/${before.id}`, {
      name: 'Mallory',
      email: uniqueEmail('mallory'),
      phone: '',
    });
    expect(anonymous.status).toBe(401);
    expect(await contactRow(before.id)).toEqual(before);
    expect(await revocations(co)).toHaveLength(0);
  });

  it('eight concurrent email changes: no 5xx, one bump and one timeline line per change, a consistent end', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser: session } = await openLink(link);
    const before = await contactRow(co.customerContact.id);
    const emails = Array.from({ length: 8 }, (_, i) => uniqueEmail(`race${i}`));
    const answers = await Promise.all(emails.map((email) => editContact(co, { email })));
    for (const r of answers) expect([303, 409]).toContain(r.status);
    const applied = emails.filter((_, i) => answers[i].status === 303);
    expect(applied.length).toBeGreaterThan(0);
    const after = await contactRow(before.id);
    expect(applied).toContain(after.email);
    const logged = (await revocations(co)).map((a) => JSON.parse(a.data!) as { from: string; to: string });
    expect(logged).toHaveLength(applied.length);
    expect(after.accessVersion).toBe(before.accessVersion + applied.length);
    // The lines chain: each change starts from the address the previous one left.
    expect(logged.map((l) => l.to).sort()).toEqual([...applied].sort());
    expect(logged.map((l) => l.from).sort()).toEqual(
      [before.email, ...applied.filter((e) => e !== after.email)].sort(),
    );
    expect((await session.get('/portal')).status).toBe(404);
  });
});

describe('the signed-PDF email gives no link to a contact revoked since signing', () => {
  it('a sealing retry after the revoke emails the contractor only', async () => {
    const co = await companyWithBudget({ company: 'Late Seal Co' });
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser: r, html } = await openLink(link);
    const versionHash = /name="versionHash" value="([0-9a-f]{64})"/.exec(html)?.[1] ?? '';
    const signed = await r.post(`/portal/documents/${id}/sign`, {
      versionHash,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
      idempotencyKey: 'late-seal-0001',
    });
    expect(signed.status).toBe(303);
    const [signature] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    // The first seal ran after the response; as if it had failed, it is made again after the revoke.
    await expect
      .poll(async () => (await db().select().from(signatures).where(eq(signatures.id, signature.id)))[0].sealedAt, {
        timeout: 10_000,
      })
      .not.toBeNull();
    await db()
      .update(signatures)
      .set({ sealedAt: null, sealedPdfKey: null, sealedPdfSha256: null })
      .where(eq(signatures.id, signature.id));
    await db()
      .delete(outbox)
      .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'signed')));
    expect((await revoke(co)).status).toBe(303);
    expect(await finalizeSignature(env, db(), signature.id, 'http://localhost')).toBe('sealed');
    const mails = await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'signed')));
    expect(mails.map((m) => m.toEmail)).toEqual([co.email]);
  });
});
