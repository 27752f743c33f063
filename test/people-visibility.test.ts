// Issue 17: who sees what inside one account, and the pure rules of who signs and when a document is complete.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { accounts, outbox } from '../src/db/schema';
import {
  allSigned,
  countersigned,
  readyToSeal,
  type Recipient,
  type SignatureFact,
  signedBy,
  signersDue,
  signersOf,
} from '../src/documents/recipients';
import { andList, copyRefusal, deciderRefusal, NOT_ASKED, signedCount, turnRefusal } from '../src/signing/people';
import { companyWithBudget, createDocument } from './fixtures';
import { Browser, db, location } from './helpers';
import { inputValue, unescape } from './pages';

describe('who sees what', () => {
  // Issue 17, part A: who sees what inside one account. Off (a household, the default): every contact
  // sees every document sent to any of them. On ("Each person sees only what was sent to them", a
  // vendor company with several staff): a contact sees only the documents naming them among their
  // recipients. Contact A and contact B of one account; documents sent to A only, to both (B signs),
  // and to A with B as a copy. Every way in is asked: portal home, the document page, its PDF, the job
  // page, a comment, a file, and the live socket.

  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  let w: Awaited<ReturnType<typeof buildWorld>>;

  const linkIn = (text: string) => new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(text)![0]).pathname;

  /** Sends a draft from the send page, B (if given) as `role`; returns the outbox mail of each address. */
  async function send(id: string, b?: { id: string; role: 'signer' | 'copy' }) {
    const page = await (await co.browser.get(`/documents/${id}/send`)).text();
    const fields: Record<string, string> = {
      name: inputValue(page, 'name')!,
      email: inputValue(page, 'email')!,
      message: '',
    };
    if (b) {
      const row = [...page.matchAll(/name="recipient\.(\d+)\.contactId" value="([a-z0-9]*)"/g)].find(
        (m) => m[2] === b.id,
      )![1];
      fields[`recipient.${row}.contactId`] = b.id;
      fields[`recipient.${row}.role`] = b.role;
    }
    const res = await co.browser.post(`/documents/${id}/send`, fields);
    expect(res.status).toBe(303);
    const mails = await db().select().from(outbox).where(eq(outbox.documentId, id));
    return new Map(mails.map((m) => [m.toEmail, m]));
  }

  async function buildWorld() {
    co = await companyWithBudget({ company: 'Visible Builders' });
    // B sorts after A, so A stays each draft's primary contact.
    const added = await co.browser.post(`/accounts/${co.customerId}/contacts`, {
      name: 'Zoe Brown',
      email: 'zoe.brown@example.test',
      phone: '',
    });
    expect(added.status).toBe(303);
    const b = (await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.email, 'zoe.brown@example.test') }))!;
    const a = co.customerContact;
    const make = () => createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const onlyA = await make();
    const both = await make();
    const copyB = await make();
    const mailA = (await send(onlyA)).get(a.email)!;
    const mailB = (await send(both, { id: b.id, role: 'signer' })).get(b.email)!;
    await send(copyB, { id: b.id, role: 'copy' });
    const browserA = new Browser();
    expect((await browserA.get(linkIn(mailA.text))).status).toBe(303);
    const browserB = new Browser();
    expect((await browserB.get(linkIn(mailB.text))).status).toBe(303);
    // A shares a file on the document sent to A only: what B may download is asked too.
    const form = new FormData();
    form.append('files', new File(['measurements'], 'notes.txt', { type: 'text/plain' }));
    expect((await browserA.postMultipart(`/portal/documents/${onlyA}/files`, form)).status).toBe(303);
    const file = (await db().query.files.findFirst({ where: (f, { eq }) => eq(f.documentId, onlyA) }))!;
    return { a, b, onlyA, both, copyB, browserA, browserB, fileId: file.id };
  }

  beforeAll(async () => {
    w = await buildWorld();
  });

  afterAll(async () => {
    await db().update(accounts).set({ seesOwnOnly: false }).where(eq(accounts.id, co.customerId));
  });

  /** Every way `browser` could reach document `id`: each true when it may. */
  async function reach(browser: Browser, id: string, fileId?: string) {
    const home = await (await browser.get('/portal')).text();
    const job = await browser.get(`/portal/jobs/${co.jobId}`);
    const jobText = job.status === 200 ? await job.text() : '';
    const socket = await browser.fetch(`/portal/documents/${id}/live`, { headers: { Upgrade: 'websocket' } });
    if (socket.status === 101) {
      socket.webSocket!.accept();
      socket.webSocket!.close(1000, 'done');
    }
    const comment = await browser.post(`/portal/documents/${id}`, { intent: 'comment', body: 'Checking in.' });
    return {
      home: home.includes(`/portal/documents/${id}`),
      page: (await browser.get(`/portal/documents/${id}`)).status === 200,
      pdf: (await browser.get(`/portal/documents/${id}.pdf`)).status === 200,
      job: jobText.includes(`/portal/documents/${id}`),
      comment: comment.status === 303,
      live: socket.status === 101,
      ...(fileId ? { file: (await browser.get(`/portal/documents/${id}/files/${fileId}`)).status === 200 } : {}),
    };
  }

  const everything = (file: boolean) => ({
    home: true,
    page: true,
    pdf: true,
    job: true,
    comment: true,
    live: true,
    ...(file ? { file: true } : {}),
  });
  const nothing = (file: boolean) => ({
    home: false,
    page: false,
    pdf: false,
    job: false,
    comment: false,
    live: false,
    ...(file ? { file: false } : {}),
  });

  const toggle = (browser: Browser, value: string) =>
    browser.post(`/accounts/${co.customerId}/visibility`, value ? { seesOwnOnly: value } : {});

  describe('a household (the default): everyone sees everything sent to any of them', () => {
    it('A and B each reach all three documents, and every way in', async () => {
      for (const who of [w.browserA, w.browserB]) {
        expect(await reach(who, w.onlyA, w.fileId)).toEqual(everything(true));
        expect(await reach(who, w.both)).toEqual(everything(false));
        expect(await reach(who, w.copyB)).toEqual(everything(false));
      }
    });
  });

  describe('each person sees only what was sent to them', () => {
    it('the account page shows the setting, off, with what it means', async () => {
      const page = unescape(await (await co.browser.get(`/accounts/${co.customerId}`)).text());
      expect(page).toContain('Each person sees only what was sent to them');
      expect(page).toContain('Off, for a household');
      expect(page).toMatch(/<input type="checkbox" name="seesOwnOnly"\s*\/>/);
    });

    it('turned on: B no longer reaches the document sent to A only; the rest stays', async () => {
      // B's live page on A's document is open when the setting changes: its room closes it.
      const res = await w.browserB.fetch(`/portal/documents/${w.onlyA}/live`, { headers: { Upgrade: 'websocket' } });
      expect(res.status).toBe(101);
      const ws = res.webSocket!;
      ws.accept();
      let closed: number | null = null;
      ws.addEventListener('close', (e) => {
        closed = e.code;
      });
      const on = await toggle(co.browser, 'on');
      expect(on.status).toBe(303);
      expect(location(on)).toMatch(new RegExp(`^/accounts/${co.customerId}`));
      expect((await db().query.accounts.findFirst({ where: eq(accounts.id, co.customerId) }))!.seesOwnOnly).toBe(true);
      await vi.waitFor(() => expect(closed).toBe(4403));

      expect(await reach(w.browserB, w.onlyA, w.fileId)).toEqual(nothing(true));
      expect(await reach(w.browserB, w.both)).toEqual(everything(false));
      expect(await reach(w.browserB, w.copyB)).toEqual(everything(false));
      for (const id of [w.onlyA, w.both, w.copyB]) expect((await reach(w.browserA, id)).page).toBe(true);
      expect(await reach(w.browserA, w.onlyA, w.fileId)).toEqual(everything(true));

      const page = await (await co.browser.get(`/accounts/${co.customerId}`)).text();
      expect(page).toMatch(/<input type="checkbox" name="seesOwnOnly" checked/);
    });

    it('turned off again: B reaches A’s document once more', async () => {
      const off = await toggle(co.browser, '');
      expect(off.status).toBe(303);
      expect(await reach(w.browserB, w.onlyA, w.fileId)).toEqual(everything(true));
    });
  });

  describe('changing the setting', () => {
    it('bad input is refused (422) with the form shown again, nothing changed', async () => {
      const res = await toggle(co.browser, 'sometimes');
      expect(res.status).toBe(422);
      const body = unescape(await res.text());
      expect(body).toContain('Choose whether each person sees only what was sent to them.');
      expect(body).toContain('action="/accounts/');
      expect((await db().query.accounts.findFirst({ where: eq(accounts.id, co.customerId) }))!.seesOwnOnly).toBe(false);
    });

    it('no session: 401 (sign in again); another company: 404; nothing changed', async () => {
      expect((await toggle(new Browser(), 'on')).status).toBe(401);
      const other = await companyWithBudget({ company: 'Nosy Builders' });
      expect((await toggle(other.browser, 'on')).status).toBe(404);
      expect((await other.browser.get(`/accounts/${co.customerId}`)).status).toBe(404);
      expect((await db().query.accounts.findFirst({ where: eq(accounts.id, co.customerId) }))!.seesOwnOnly).toBe(false);
    });

    it('two identical posts at once: both answered, the setting changed once', async () => {
      const before = (await db().query.accounts.findFirst({ where: eq(accounts.id, co.customerId) }))!;
      const results = await Promise.all([toggle(co.browser, 'on'), toggle(co.browser, 'on')]);
      expect(results.map((r) => r.status)).toEqual([303, 303]);
      const after = (await db().query.accounts.findFirst({ where: eq(accounts.id, co.customerId) }))!;
      expect(after.seesOwnOnly).toBe(true);
      expect(after.updatedAt).toBeGreaterThanOrEqual(before.updatedAt);
      expect(await reach(w.browserB, w.onlyA)).toEqual(nothing(false));
      await toggle(co.browser, '');
    });
  });

  describe('Settings: the countersign default', () => {
    it('the checkbox saves and shows on the settings page', async () => {
      const page = await (await co.browser.get('/settings')).text();
      expect(unescape(page)).toContain('Ask me to countersign customer orders before they are sealed');
      const fields: Record<string, string> = {};
      for (const m of page.matchAll(/<input\b[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[m[1]] = m[2];
      for (const m of page.matchAll(/<textarea\b[^>]*name="([^"]+)"[^>]*>([^<]*)<\/textarea>/g)) fields[m[1]] = m[2];
      delete fields._csrf;
      const res = await co.browser.post('/settings', { ...fields, countersignDefault: 'on' });
      expect(res.status).toBe(303);
      const org = await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, co.orgId) });
      expect(org!.countersignDefault).toBe(true);
      expect(await (await co.browser.get('/settings')).text()).toMatch(
        /<input type="checkbox" name="countersignDefault" checked/,
      );
    });
  });
});

describe('who signs, and when it is complete', () => {
  // Issue 17: the pure rules of who signs a document, and when it is complete (no database).

  const person = (contactId: string, name: string, role: 'signer' | 'copy', position: number): Recipient => ({
    contactId,
    name,
    role,
    position,
    email: `${contactId}@example.test`,
    accessVersion: 1,
  });
  const dana = person('dana', 'Dana Reyes', 'signer', 1);
  const sam = person('sam', 'Sam Patel', 'signer', 2);
  const lee = person('lee', 'Lee Chen', 'copy', 3);
  // Stored in any order: the rules sort.
  const people = [lee, sam, dana];

  const sig = (contactId: string | null, outcome = 'signed', version = 1): SignatureFact => ({
    contactId,
    outcome,
    version,
  });

  describe('signersOf / signedBy', () => {
    it('signers in signing order, copies left out', () => {
      expect(signersOf(people).map((r) => r.contactId)).toEqual(['dana', 'sam']);
    });

    it('counts approvals of the version only: not declines, not the countersignature, not another version', () => {
      const s = [sig('dana'), sig('sam', 'declined'), sig(null, 'countersigned'), sig('lee', 'signed', 2)];
      expect([...signedBy(s, 1)]).toEqual(['dana']);
      expect([...signedBy([sig('sam', 'approved'), sig('lee', 'accepted')], 1)].sort()).toEqual(['lee', 'sam']);
    });
  });

  describe('signersDue', () => {
    it('any order: every signer who has not signed', () => {
      expect(signersDue(people, [], 1, 'any').map((r) => r.contactId)).toEqual(['dana', 'sam']);
      expect(signersDue(people, [sig('sam')], 1, 'any').map((r) => r.contactId)).toEqual(['dana']);
    });

    it('ordered: only the first who has not signed, then the next', () => {
      expect(signersDue(people, [], 1, 'ordered').map((r) => r.contactId)).toEqual(['dana']);
      expect(signersDue(people, [sig('dana')], 1, 'ordered').map((r) => r.contactId)).toEqual(['sam']);
      expect(signersDue(people, [sig('dana'), sig('sam')], 1, 'ordered')).toEqual([]);
    });

    it('nobody once someone declined the version; a signature on an older version does not count', () => {
      expect(signersDue(people, [sig('sam', 'declined')], 1, 'any')).toEqual([]);
      expect(signersDue(people, [sig('dana', 'signed', 1)], 2, 'ordered').map((r) => r.contactId)).toEqual(['dana']);
    });
  });

  describe('allSigned / countersigned / readyToSeal', () => {
    it('every signer must sign the same version; copies never do', () => {
      expect(allSigned(people, [sig('dana')], 1)).toBe(false);
      expect(allSigned(people, [sig('dana'), sig('sam')], 1)).toBe(true);
      expect(allSigned(people, [sig('dana'), sig('sam', 'signed', 2)], 2)).toBe(false);
    });

    it('a document without recipient rows is complete with its one approval', () => {
      expect(allSigned([], [], 1)).toBe(false);
      expect(allSigned([], [sig('dana')], 1)).toBe(true);
    });

    it('ready to seal: everyone signed and, when asked for, the contractor countersigned that version', () => {
      const both = [sig('dana'), sig('sam')];
      expect(readyToSeal({ countersign: false }, people, both, 1)).toBe(true);
      expect(readyToSeal({ countersign: true }, people, both, 1)).toBe(false);
      expect(countersigned([...both, sig(null, 'countersigned', 2)], 1)).toBe(false);
      expect(readyToSeal({ countersign: true }, people, [...both, sig(null, 'countersigned')], 1)).toBe(true);
    });
  });

  describe('who may decide (signing/people.ts)', () => {
    it('names people as a sentence', () => {
      expect(andList([])).toBe('');
      expect(andList(['Dana Reyes'])).toBe('Dana Reyes');
      expect(andList(['Dana Reyes', 'Sam Patel'])).toBe('Dana Reyes and Sam Patel');
      expect(andList(['A', 'B', 'C'])).toBe('A, B and C');
    });

    it('a copy is refused naming the signers; someone not on the document is not asked; a signer may', () => {
      expect(deciderRefusal(people, 'lee')).toBe(
        'You’re receiving a copy of this document; Dana Reyes and Sam Patel sign it.',
      );
      expect(copyRefusal([dana, lee])).toBe('You’re receiving a copy of this document; Dana Reyes signs it.');
      expect(deciderRefusal(people, 'someone-else')).toBe(NOT_ASKED);
      expect(deciderRefusal(people, 'sam')).toBeNull();
      expect(deciderRefusal([], 'anyone')).toBeNull();
    });

    it('in a set order, names the signer whose turn it is', () => {
      expect(turnRefusal(people, [], 1, 'ordered', 'sam')).toBe('Waiting for Dana Reyes to sign first.');
      expect(turnRefusal(people, [], 1, 'ordered', 'dana')).toBeNull();
      expect(turnRefusal(people, [sig('dana')], 1, 'ordered', 'sam')).toBeNull();
      expect(turnRefusal(people, [], 1, 'any', 'sam')).toBeNull();
    });

    it('counts signers as "(1 of 2)"', () => {
      expect(signedCount(people, [sig('sam')], 1)).toEqual({ signed: 1, of: 2 });
      expect(signedCount([], [sig('dana')], 1)).toEqual({ signed: 1, of: 1 });
    });
  });
});
