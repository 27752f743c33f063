import { and, eq, isNotNull } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  activity,
  costGroups,
  documentRecipients,
  documents,
  documentVersions,
  outbox,
  reminders,
  signatures,
} from '../src/db/schema';
import { env } from 'cloudflare:workers';
import { portalLink } from '../src/portal/links';
import { BASE, Browser, db, location, signUp } from './helpers';
import { companyWithBudget, createDocument, sentToRecipient } from './fixtures';
import { addRecipients, versionHashFor, type Person } from './people-fixtures';

// Issue 17, part B: several signers on one document, through the Worker as their browsers post.

let co: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Oak & Stone Builders' });
});

afterEach(() => vi.useRealTimers());

let n = 0;
const email = (name: string) => `${name.toLowerCase().replace(/\W+/g, '.')}.${++n}@example.test`;

/**
 * A document of `kind` sent to the account's contact (the first signer, "Dana Reyes" as she types it),
 * with `people` added after her. The first signer's recipient row is written too when the send did not
 * write one (a send from before the recipients list).
 */
async function sentToPeople(
  kind: string,
  people: Person[],
  opts: { order?: 'any' | 'ordered'; fields?: Record<string, string>; vendorId?: string } = {},
) {
  const sent = await sentToRecipient(co, kind, opts.fields ?? { all: '1' }, opts.vendorId);
  const doc = await db().query.documents.findFirst({ where: eq(documents.id, sent.id) });
  await db()
    .insert(documentRecipients)
    .values({
      orgId: doc!.orgId,
      documentId: doc!.id,
      contactId: doc!.contactId!,
      role: 'signer',
      position: 1,
      createdAt: Date.now(),
    })
    .onConflictDoNothing();
  const added = await addRecipients(sent.id, people, { order: opts.order, contractor: co.browser });
  return { ...sent, primaryId: doc!.contactId!, added };
}

const signAs = (browser: Browser, id: string, hash: string, name: string, key = `k-${name}-${id}`) =>
  browser.post(`/portal/documents/${id}/sign`, {
    versionHash: hash,
    idempotencyKey: key,
    name,
    method: 'typed',
    consent: 'yes',
  });

const linkIn = (text: string) => new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(text)![0]).pathname;
const statusOf = async (id: string) => (await db().query.documents.findFirst({ where: eq(documents.id, id) }))?.status;
const actions = (id: string, action: string) =>
  db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, action)));
const mails = (id: string, kind: string) =>
  db().query.outbox.findMany({ where: and(eq(outbox.documentId, id), eq(outbox.kind, kind)) });
const signed = (id: string) =>
  db()
    .select()
    .from(signatures)
    .where(and(eq(signatures.documentId, id), eq(signatures.outcome, 'signed')));
const decidedReminders = (id: string) =>
  db().$count(reminders, and(eq(reminders.documentId, id), eq(reminders.reason, 'decided')));

describe('two signers, any order', () => {
  it('each signs for themselves: approved only after the second, one approval email, reminders cancelled once', async () => {
    const doc = await sentToPeople('estimate', [{ name: 'Sam Patel', email: email('Sam Patel') }]);
    const sam = doc.added[0];
    const scheduled = await db().$count(reminders, eq(reminders.documentId, doc.id));
    const first = await signAs(sam.browser, doc.id, await versionHashFor(sam.browser, doc.id), 'Sam Patel');
    expect(first.status).toBe(303);
    expect(await statusOf(doc.id)).not.toBe('approved');
    expect(await mails(doc.id, 'decision')).toHaveLength(0);
    expect(await decidedReminders(doc.id)).toBe(0);
    // The contractor's timeline says how far it got.
    const page = await (await co.browser.get(`/documents/${doc.id}`)).text();
    expect(page).toContain('signed (1 of 2)');
    // Sam's page says who is still to sign; Dana's still has the form, with Sam's signature named.
    const samPage = await (await sam.browser.get(`/portal/documents/${doc.id}`)).text();
    expect(samPage).toMatch(/You signed on [A-Z][a-z]{2} \d{1,2}\. Waiting for /);
    // Portal home says the same, with nothing to do for him.
    const samHome = await (await sam.browser.get('/portal')).text();
    expect(samHome).toMatch(/Waiting for [^<]+</);
    expect(samHome).not.toContain('Review &amp; sign');
    const danaPage = await (await doc.r.get(`/portal/documents/${doc.id}`)).text();
    expect(danaPage).toContain('name="versionHash"');
    expect(danaPage).toMatch(/and Sam Patel sign this estimate\. Sam Patel signed on /);

    const second = await signAs(doc.r, doc.id, doc.hash, 'Dana Reyes');
    expect(second.status).toBe(303);
    expect(await statusOf(doc.id)).toBe('approved');
    expect(await signed(doc.id)).toHaveLength(2);
    const approval = await mails(doc.id, 'decision');
    expect(approval).toHaveLength(1);
    expect(approval[0].subject).toContain('was signed by Dana Reyes and Sam Patel');
    if (scheduled) expect(await decidedReminders(doc.id)).toBeGreaterThan(0);
    // Signing twice is still refused as before.
    const again = await signAs(sam.browser, doc.id, doc.hash, 'Sam Patel', 'another-key');
    expect(again.status).toBe(409);
  });

  it('two signers at the same second: both recorded, approved once, the change order budget made once', async () => {
    const doc = await sentToPeople('change_order', [{ name: 'Sam Patel', email: email('Sam Patel') }], {
      fields: { group: co.groups.demolition },
    });
    const sam = doc.added[0];
    const samHash = await versionHashFor(sam.browser, doc.id);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-02T15:00:00Z'));
    const answers = await Promise.all([
      signAs(doc.r, doc.id, doc.hash, 'Dana Reyes'),
      signAs(sam.browser, doc.id, samHash, 'Sam Patel'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([303, 303]);
    expect(await signed(doc.id)).toHaveLength(2);
    expect(await statusOf(doc.id)).toBe('approved');
    expect(await actions(doc.id, 'signed')).toBe(2);
    const lines = await db()
      .select({ data: activity.data })
      .from(activity)
      .where(and(eq(activity.documentId, doc.id), eq(activity.action, 'signed')));
    expect(lines.map((l) => JSON.parse(l.data!).signed).sort()).toEqual([1, 2]);
    expect(await mails(doc.id, 'decision')).toHaveLength(1);
    expect(await actions(doc.id, 'budget_updated')).toBe(1);
    expect(await db().$count(costGroups, eq(costGroups.sourceDocumentId, doc.id))).toBe(1);
  });
});

describe('a set order', () => {
  it('the second signer is refused before the first signs (409) and emailed their link after', async () => {
    // Sent from the send page (issue 17, part A) to Dana and a new person, Sam, in that order.
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const action = `/documents/${id}/send`;
    const fields = formFields(await (await co.browser.get(action)).text(), action);
    let row = 1;
    // The account's other contacts (from earlier tests) are not included; the first blank row is Sam.
    for (; fields[`recipient.${row}.contactId`]?.[0]; row++) fields[`recipient.${row}.role`] = [''];
    const samEmail = email('Sam Patel');
    Object.assign(fields, {
      message: [''],
      signingOrder: ['ordered'],
      [`recipient.${row}.contactId`]: [''],
      [`recipient.${row}.name`]: ['Sam Patel'],
      [`recipient.${row}.email`]: [samEmail],
      [`recipient.${row}.role`]: ['signer'],
    });
    const sent = await co.browser.post(action, fields);
    expect(sent.status).toBe(303);
    const samContact = await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.email, samEmail) });
    const atSend = await mails(id, 'document');
    expect(atSend.map((m) => m.toEmail)).not.toContain(samEmail);
    const danaMail = atSend[0];
    const dana = new Browser();
    expect((await dana.get(linkIn(danaMail.text))).status).toBe(303);
    const hash = await versionHashFor(dana, id);
    // Sam opens the document some other way (a link made as the send makes it): not his turn yet.
    const sam = new Browser();
    expect((await sam.get(new URL(await portalLink(env, BASE, samContact!, id, 30)).pathname)).status).toBe(303);
    const samPage = await (await sam.get(`/portal/documents/${id}`)).text();
    expect(samPage).toContain('Waiting for ');
    expect(samPage).toMatch(/ signs first; we’ll email you when it’s your turn\./);
    expect(samPage).not.toContain('name="idempotencyKey"');
    const early = await signAs(sam, id, hash, 'Sam Patel');
    expect(early.status).toBe(409);
    expect(await early.text()).toMatch(/Waiting for .+ to sign first\./);
    expect(await signed(id)).toHaveLength(0);

    expect((await signAs(dana, id, hash, 'Dana Reyes')).status).toBe(303);
    expect(await statusOf(id)).not.toBe('approved');
    const turn = await mails(id, 'next_signer');
    expect(turn).toHaveLength(1);
    expect(turn[0].toEmail).toBe(samEmail);
    expect(turn[0].subject).toBe('Your turn to sign Estimate ' + /EST-\d+/.exec(turn[0].subject)![0]);
    const fresh = new Browser();
    expect((await fresh.get(linkIn(turn[0].text))).status).toBe(303);
    expect((await signAs(fresh, id, hash, 'Sam Patel')).status).toBe(303);
    expect(await statusOf(id)).toBe('approved');
    expect(await mails(id, 'decision')).toHaveLength(1);
  });
});

describe('copies and people not asked', () => {
  it('a copy cannot sign or decline (422, naming the signer); their page says so and keeps the conversation', async () => {
    const doc = await sentToPeople('estimate', [{ name: 'Lee Chen', email: email('Lee Chen'), role: 'copy' }]);
    const lee = doc.added[0];
    const page = await (await lee.browser.get(`/portal/documents/${doc.id}`)).text();
    expect(page).toMatch(/You’re receiving a copy; .+ signs it\./);
    expect(page).not.toContain('name="idempotencyKey"');
    expect(page).toContain('comment-form');
    const home = await (await lee.browser.get('/portal')).text();
    expect(home).toContain('>Copy<');
    expect(home).not.toContain('Review &amp; sign');
    const sign = await signAs(lee.browser, doc.id, doc.hash, 'Lee Chen');
    expect(sign.status).toBe(422);
    expect(await sign.text()).toMatch(
      /You’re receiving a copy of this document; .+ signs it\.|You&#39;re|receiving a copy/,
    );
    const decline = await lee.browser.post(`/portal/documents/${doc.id}/decline`, {
      versionHash: doc.hash,
      reason: 'no',
      confirm: 'yes',
    });
    expect(decline.status).toBe(422);
    expect(await db().$count(signatures, eq(signatures.documentId, doc.id))).toBe(0);
    expect(await statusOf(doc.id)).not.toBe('declined');
  });

  it('a copy of a bid request cannot bid (422)', async () => {
    const sent = await sentToPeople('bid_request', [{ name: 'Ana Ruiz', email: email('Ana Ruiz'), role: 'copy' }], {
      fields: { group: co.groups.demolition },
      vendorId: co.vendorId,
    });
    const lineIds = [...sent.page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
    const ana = sent.added[0];
    const page = await (await ana.browser.get(`/portal/documents/${sent.id}`)).text();
    expect(page).toMatch(/You’re receiving a copy; .+ answers it\./);
    expect(page).not.toContain('name="note"');
    const bid = await ana.browser.post(`/portal/documents/${sent.id}/bid`, {
      versionHash: sent.hash,
      [`cost.${lineIds[0]}`]: '60.00',
      note: '',
    });
    expect(bid.status).toBe(422);
    expect(await db().query.bids.findMany({ where: (b, { eq }) => eq(b.documentId, sent.id) })).toHaveLength(0);
  });
});

describe('declining', () => {
  it('one signer declines: the document is declined, the other recipients and the contractor are emailed', async () => {
    const doc = await sentToPeople('estimate', [
      { name: 'Sam Patel', email: email('Sam Patel') },
      { name: 'Lee Chen', email: email('Lee Chen'), role: 'copy' },
    ]);
    const [sam, lee] = doc.added;
    const res = await sam.browser.post(`/portal/documents/${doc.id}/decline`, {
      versionHash: doc.hash,
      reason: 'Too much',
      confirm: 'yes',
    });
    expect(res.status).toBe(303);
    expect(await statusOf(doc.id)).toBe('declined');
    expect(await mails(doc.id, 'decision')).toHaveLength(1);
    const told = await mails(doc.id, 'declined_notice');
    expect(told.map((m) => m.toEmail).sort()).toEqual(
      [
        lee.contact.email,
        (await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.id, doc.primaryId) }))!.email,
      ].sort(),
    );
    expect(told[0].text).toContain('Sam Patel declined Estimate');
    expect(told[0].text).toContain('it will not go ahead unless Oak & Stone Builders sends it again.');
    // Nobody signs a declined document.
    expect((await signAs(doc.r, doc.id, doc.hash, 'Dana Reyes')).status).toBe(409);
  });
});

/** Every input of a page's form as the browser would post it (checked boxes and radios only). */
function formFields(page: string, action: string) {
  const form = new RegExp(`<form[^>]*action="${action}"[^>]*>([\\s\\S]*?)</form>`).exec(page)?.[1] ?? '';
  const fields: [string, string][] = [];
  for (const m of form.matchAll(/<input([^>]*)>/g)) {
    const attrs = m[1];
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    if (!name || name === '_csrf') continue;
    if (/type="(checkbox|radio)"/.test(attrs) && !/\schecked/.test(attrs)) continue;
    fields.push([name, (/value="([^"]*)"/.exec(attrs)?.[1] ?? '').replace(/&amp;/g, '&')]);
  }
  for (const m of form.matchAll(/<textarea[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields.push([m[1], m[2]]);
  for (const m of form.matchAll(/<select[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const chosen = /<option[^>]*value="([^"]*)"[^>]*selected/.exec(m[2]) ?? /<option[^>]*value="([^"]*)"/.exec(m[2]);
    fields.push([m[1], chosen?.[1] ?? '']);
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of fields) (out[k] ??= []).push(v);
  return out;
}

describe('races', () => {
  it('a revision sent while signer 2 signs: no signature survives onto the new version, which needs everyone', async () => {
    const doc = await sentToPeople('estimate', [{ name: 'Sam Patel', email: email('Sam Patel') }]);
    const sam = doc.added[0];
    const samHash = await versionHashFor(sam.browser, doc.id);
    expect((await signAs(doc.r, doc.id, doc.hash, 'Dana Reyes')).status).toBe(303);
    const reviseAndSend = async () => {
      const revised = await co.browser.post(`/documents/${doc.id}/revise`, {});
      if (revised.status !== 303) return revised.status;
      const form = await (await co.browser.get(`/documents/${doc.id}/send`)).text();
      return (await co.browser.post(`/documents/${doc.id}/send`, formFields(form, `/documents/${doc.id}/send`))).status;
    };
    const [contractor, signing] = await Promise.all([
      reviseAndSend(),
      signAs(sam.browser, doc.id, samHash, 'Sam Patel'),
    ]);
    const d = await db().query.documents.findFirst({ where: eq(documents.id, doc.id) });
    if (signing.status === 303) {
      // Signed first: the old version is approved by both, and it can no longer be revised.
      expect(d!.status).toBe('approved');
      expect(d!.sentVersion).toBe(1);
      expect(contractor).toBe(409);
    } else {
      expect(signing.status).toBe(409);
      expect(await signing.text()).toContain('This document was revised');
      expect(contractor).toBe(303);
      expect(d!.sentVersion).toBe(2);
      expect(d!.status).not.toBe('approved');
      const v2 = await db().query.documentVersions.findFirst({
        where: and(eq(documentVersions.documentId, doc.id), eq(documentVersions.version, 2)),
      });
      expect(await db().$count(signatures, eq(signatures.versionId, v2!.id))).toBe(0);
      // Dana, who signed the old version, is asked to sign the new one.
      expect(await (await doc.r.get(`/portal/documents/${doc.id}`)).text()).toContain('name="idempotencyKey"');
    }
  });

  it('a signer removed while signing: the signature kept and the removal 409, or the removal done and the sign refused', async () => {
    const doc = await sentToPeople('estimate', [{ name: 'Sam Patel', email: email('Sam Patel') }]);
    const sam = doc.added[0];
    const samHash = await versionHashFor(sam.browser, doc.id);
    const [removal, signing] = await Promise.all([
      co.browser.post(`/documents/${doc.id}/recipients/${sam.contact.id}/remove`, { confirm: 'yes' }),
      signAs(sam.browser, doc.id, samHash, 'Sam Patel'),
    ]);
    const rows = await db().$count(
      documentRecipients,
      and(eq(documentRecipients.documentId, doc.id), eq(documentRecipients.contactId, sam.contact.id)),
    );
    const samSigned = await db().$count(
      signatures,
      and(eq(signatures.documentId, doc.id), eq(signatures.contactId, sam.contact.id)),
    );
    if (signing.status === 303) {
      expect(removal.status).toBe(409);
      expect(await removal.text()).toContain('Sam Patel has signed; revise the document to change who signs.');
      expect(rows).toBe(1);
      expect(samSigned).toBe(1);
      expect(await actions(doc.id, 'recipient_removed')).toBe(0);
    } else {
      expect(removal.status).toBe(303);
      expect(signing.status).toBe(422);
      expect(await signing.text()).toContain('You are not asked to sign this document.');
      expect(rows).toBe(0);
      expect(samSigned).toBe(0);
      expect(await actions(doc.id, 'recipient_removed')).toBe(1);
      expect(await actions(doc.id, 'signed')).toBe(0);
    }
    expect(await statusOf(doc.id)).not.toBe('approved');
  });
});

describe('POST /documents/:id/recipients/:contactId/remove', () => {
  it('asks first; removing the one who had not signed approves a document everyone left has signed', async () => {
    const doc = await sentToPeople('estimate', [{ name: 'Sam Patel', email: email('Sam Patel') }]);
    const sam = doc.added[0];
    expect((await signAs(doc.r, doc.id, doc.hash, 'Dana Reyes')).status).toBe(303);
    const path = `/documents/${doc.id}/recipients/${sam.contact.id}/remove`;
    const ask = await co.browser.post(path, {});
    expect(ask.status).toBe(200);
    const question = await ask.text();
    expect(question).toContain('Remove Sam Patel from');
    expect(await actions(doc.id, 'recipient_removed')).toBe(0);
    const done = await co.browser.post(path, { confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(location(done)).toBe(`/documents/${doc.id}`);
    expect(await statusOf(doc.id)).toBe('approved');
    expect(await mails(doc.id, 'decision')).toHaveLength(1);
    const timeline = await (await co.browser.get(`/documents/${doc.id}`)).text();
    expect(timeline).toContain('removed Sam Patel');
    // The removed signer can no longer sign.
    const late = await signAs(sam.browser, doc.id, doc.hash, 'Sam Patel');
    expect([409, 422, 404]).toContain(late.status);
    expect(await signed(doc.id)).toHaveLength(1);
  });

  it('refuses a signer who signed (409), the only signer (422), an unknown contact and another org (404), no session (sign-in)', async () => {
    const doc = await sentToPeople('estimate', [{ name: 'Sam Patel', email: email('Sam Patel') }]);
    const sam = doc.added[0];
    expect((await signAs(sam.browser, doc.id, await versionHashFor(sam.browser, doc.id), 'Sam Patel')).status).toBe(
      303,
    );
    const signedOne = await co.browser.post(`/documents/${doc.id}/recipients/${sam.contact.id}/remove`, {
      confirm: 'yes',
    });
    expect(signedOne.status).toBe(409);
    expect(await signedOne.text()).toContain('Sam Patel has signed; revise the document to change who signs.');
    const asked = await co.browser.post(`/documents/${doc.id}/recipients/${sam.contact.id}/remove`, {});
    expect(asked.status).toBe(409);

    const single = await sentToPeople('estimate', []);
    const only = await co.browser.post(`/documents/${single.id}/recipients/${single.primaryId}/remove`, {
      confirm: 'yes',
    });
    expect(only.status).toBe(422);
    expect(await only.text()).toContain('is the only signer');

    const unknown = await co.browser.post(`/documents/${doc.id}/recipients/nosuchcontact/remove`, { confirm: 'yes' });
    expect(unknown.status).toBe(404);
    expect((await co.browser.post(`/documents/${doc.id}/recipients/nosuchcontact/remove`, {})).status).toBe(404);

    const other = await signUp({ company: 'Elsewhere Co' });
    const foreign = await other.browser.post(`/documents/${doc.id}/recipients/${doc.primaryId}/remove`, {
      confirm: 'yes',
    });
    expect(foreign.status).toBe(404);
    expect((await other.browser.post(`/documents/${doc.id}/recipients/${doc.primaryId}/remove`, {})).status).toBe(404);

    const anonymous = await new Browser().post(`/documents/${doc.id}/recipients/${doc.primaryId}/remove`, {
      confirm: 'yes',
    });
    // A POST without a session is refused (the dashboard's rule for writes); a GET would go to sign-in.
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toContain('Sign in');
    expect(await actions(doc.id, 'recipient_removed')).toBe(0);
    expect(await actions(single.id, 'recipient_removed')).toBe(0);
  });

  it('two identical removes at once: one removal, one activity row', async () => {
    const doc = await sentToPeople('estimate', [
      { name: 'Sam Patel', email: email('Sam Patel') },
      { name: 'Lee Chen', email: email('Lee Chen'), role: 'copy' },
    ]);
    const lee = doc.added[1];
    const path = `/documents/${doc.id}/recipients/${lee.contact.id}/remove`;
    const answers = await Promise.all([
      co.browser.post(path, { confirm: 'yes' }),
      co.browser.post(path, { confirm: 'yes' }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([303, 303]);
    expect(await actions(doc.id, 'recipient_removed')).toBe(1);
    expect(
      await db().$count(
        documentRecipients,
        and(eq(documentRecipients.documentId, doc.id), eq(documentRecipients.contactId, lee.contact.id)),
      ),
    ).toBe(0);
    expect(await statusOf(doc.id)).not.toBe('approved');
    expect(await db().$count(signatures, and(eq(signatures.documentId, doc.id), isNotNull(signatures.id)))).toBe(0);
  });
});
