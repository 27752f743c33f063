import { env } from 'cloudflare:workers';
import { and, eq, ne } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { contacts, documents, jobs, outbox, signatures, signingCodes } from '../src/db/schema';
import { sha256Hex } from '../src/http/crypto';
import { deliverDueMail } from '../src/mail/outbox';
import { CONSENT_VERSION, consentSha256 } from '../src/signing/consent';
import { COUNTERSIGN_CONSENT, COUNTERSIGN_CONSENT_VERSION } from '../src/signing/countersign';
import { Conflict } from '../src/errors';
import { decided } from '../src/signing/decided';
import { codeHash, maskEmail, newCode } from '../src/signing/email-code';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { signatureDataUrl } from './hostile';
import { Browser, db, uniqueEmail, viaEdge } from './helpers';
import { addRecipients, versionHashFor } from './people-fixtures';
import { editDraft, formFields } from './portal-fixtures';
import { calendarDate } from '../views/format';

// Issue 18, part D: the optional code emailed to a signer before they sign, its default in Settings and
// its box on the send page, and the consent disclosure's version recorded with each signature.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let other: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget();
  other = await companyWithBudget({ company: 'Elsewhere Renovations' });
});

afterEach(() => vi.useRealTimers());

const portal = (id: string) => `/portal/documents/${id}`;

/** An estimate sent with (or without) "Ask signers for a code", opened by its recipient. */
async function sent(opts: { emailCode?: boolean; kind?: string; company?: typeof co } = {}) {
  const c = opts.company ?? co;
  const id = await createDocument(c.browser, c.jobId, opts.kind ?? 'estimate', { all: '1' });
  const { link } = await sendDocument(c.browser, id, opts.emailCode === false ? {} : { emailCode: 'on' });
  const r = new Browser();
  await r.get(link);
  const hash = await versionHashFor(r, id);
  const contact = (
    await db()
      .select()
      .from(contacts)
      .where(eq(contacts.id, (await documentRow(id)).contactId!))
  )[0];
  return { id, r, hash, contact };
}

let keys = 0;
const key = () => `k-code-${++keys}-${Date.now()}`;

const askCode = (r: Browser, id: string, hash: string, init: RequestInit = {}) =>
  r.post(portal(id), { intent: 'email_code', versionHash: hash }, init);

/** The code in the newest code email to `email` about document `id`. */
async function mailedCode(id: string, email?: string) {
  const mails = await db()
    .select()
    .from(outbox)
    .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'signing_code')));
  const mine = mails.filter((m) => !email || m.toEmail === email).sort((a, b) => a.createdAt - b.createdAt);
  const m = mine.at(-1);
  return { mail: m, code: /is (\d{6})\./.exec(m?.text ?? '')?.[1] ?? '' };
}

const signWith = (r: Browser, id: string, hash: string, fields: Record<string, string> = {}) =>
  r.post(portal(id), {
    intent: 'sign',
    versionHash: hash,
    idempotencyKey: key(),
    name: 'Dana Reyes',
    method: 'typed',
    consent: 'yes',
    ...fields,
  });

const signaturesOf = (id: string) => db().select().from(signatures).where(eq(signatures.documentId, id));
const codesOf = (id: string) => db().select().from(signingCodes).where(eq(signingCodes.documentId, id));
const documentRow = async (id: string) => (await db().select().from(documents).where(eq(documents.id, id)))[0];

describe('asking for a code', () => {
  it('the sign panel offers it; the room stores only its HMAC and emails the code in the company’s name', async () => {
    const { id, r, hash, contact } = await sent();
    expect((await documentRow(id)).emailCode).toBe(true);
    const page = await (await r.get(portal(id))).text();
    const email = contact.email;
    expect(page).toContain(`We’ll email a 6-digit code to ${email[0]}***@${email.split('@')[1]}.`);
    expect(page).toMatch(/<button class="btn" type="submit" form="email-code-form">\s*Email me a code/);
    expect(page).toMatch(/<label for="sign-code-input">6-digit code<\/label>/);
    expect(page).toMatch(/<input[^>]*id="sign-code-input"[^>]*name="code"[^>]*autocomplete="one-time-code"/);
    expect(page).toMatch(/inputmode="numeric"/);
    expect(page).toMatch(/<form method="post" action="[^"]+#sign-code" id="email-code-form">/);
    const res = await askCode(r, id, hash);
    expect(res.status).toBe(303);
    expect(res.headers.get('Location')).toBe(`${portal(id)}#sign-code`);
    const { mail, code } = await mailedCode(id);
    expect(mail!.toEmail).toBe(email);
    expect(mail!.fromName).toBe('Oak & Stone Builders');
    expect(mail!.subject).toMatch(/^Your code for Estimate EST-\d{4}$/);
    expect(mail!.subject).not.toContain(code);
    expect(mail!.text).toMatch(
      new RegExp(`Your code for Estimate EST-\\d{4} is ${code}\\. It expires in 10 minutes\\.`),
    );
    expect(mail!.text).toContain("If you didn't ask for it, ignore this email.");
    const [row] = await codesOf(id);
    expect(row).toMatchObject({ contactId: contact.id, version: 1, tries: 0, usedAt: null });
    expect(row.expiresAt - row.createdAt).toBe(10 * 60_000);
    expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.codeHash).not.toContain(code);
    expect(row.codeHash).not.toBe(await sha256Hex(code));
    // Back on the page: where it went, said by the code field; the next load no longer says it.
    const after = await (await r.get(portal(id))).text();
    expect(after).toMatch(
      /<p role="status">We emailed a 6-digit code to \w\*\*\*@[^ ]+\. It expires in 10 minutes\.<\/p>/,
    );
    expect(after).toContain('Email me a new code');
    expect(await (await r.get(portal(id))).text()).not.toContain('We emailed a 6-digit code');
  });

  it('codes are 6 uniform digits and addresses are masked', () => {
    const codes = Array.from({ length: 2000 }, newCode);
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(1990);
    // Each digit position takes every value (a uniform draw; 2000 draws miss one with p < 1e-80).
    for (let i = 0; i < 6; i++) expect(new Set(codes.map((c) => c[i])).size).toBe(10);
    expect(maskEmail('dana@example.com')).toBe('d***@example.com');
  });
});

describe('signing with the code', () => {
  it('the right code signs: identified by email code, the code used in the signature’s batch', async () => {
    const { id, r, hash } = await sent();
    await askCode(r, id, hash);
    const { code } = await mailedCode(id);
    const res = await signWith(r, id, hash, { code });
    expect(res.status).toBe(303);
    const [sig] = await signaturesOf(id);
    expect(sig.identifiedBy).toBe('email_code');
    expect(sig.emailCodeAt).toBe(sig.signedAt);
    const [row] = await codesOf(id);
    expect(row.usedAt).toBe(sig.signedAt);
    // Reused after signing: already signed, nothing more written.
    const again = await signWith(r, id, hash, { code });
    expect(again.status).toBe(409);
    expect(await signaturesOf(id)).toHaveLength(1);
    // Nor can a new code be asked for once signed.
    expect((await askCode(r, id, hash)).status).toBe(409);
  });

  it('a wrong code: 422, the whole form kept, the message on the code field, the try counted', async () => {
    const { id, r, hash, contact } = await sent();
    // Asked to consent again, so the kept consent box shows too.
    await db().update(contacts).set({ esignConsentAt: null }).where(eq(contacts.id, contact.id));
    await askCode(r, id, hash);
    const { code } = await mailedCode(id);
    const wrong = code === '000000' ? '000001' : '000000';
    const drawn = await signatureDataUrl();
    const res = await signWith(r, id, hash, {
      code: wrong,
      method: 'drawn',
      signature: drawn,
      name: 'Dana Q. Reyes',
    });
    const page = await res.text();
    expect(res.status).toBe(422);
    // Said once, on the code field, announced there; no form summary repeats it.
    expect(page.split('That code is not right.')).toHaveLength(2);
    expect(page).toMatch(/<input[^>]*name="code"[^>]*value="\d{6}"[^>]*aria-describedby="sign-code-error"/);
    expect(page).toMatch(
      /<p class="error" id="sign-code-error" role="alert"[^>]*>That code is not right\. Check the latest email and try again\./,
    );
    expect(page).not.toMatch(/class="form-summary"[^>]*>That code/);
    expect(page).toContain('value="Dana Q. Reyes"');
    expect(page).toContain(`value="${drawn}"`);
    expect(page).toMatch(/name="consent" value="yes"[^>]*checked/);
    expect((await codesOf(id))[0].tries).toBe(1);
    expect(await signaturesOf(id)).toHaveLength(0);
    // No code at all, or not 6 digits: refused on the field, no try counted.
    expect((await signWith(r, id, hash, { code: '' })).status).toBe(422);
    expect(await (await signWith(r, id, hash, { code: '12a4' })).text()).toContain('The code is the 6 digits');
    expect((await codesOf(id))[0].tries).toBe(1);
    // The right code still signs.
    expect((await signWith(r, id, hash, { code: ` ${code.slice(0, 3)} ${code.slice(3)} ` })).status).toBe(303);
  });

  it('five wrong tries kill the code: the right one is refused after them', async () => {
    const { id, r, hash } = await sent();
    await askCode(r, id, hash);
    const { code } = await mailedCode(id);
    const wrong = code === '999999' ? '999998' : '999999';
    for (let i = 0; i < 4; i++) expect((await signWith(r, id, hash, { code: wrong })).status).toBe(422);
    expect(await (await signWith(r, id, hash, { code: wrong })).text()).toContain(
      'Too many wrong codes; ask for a new one.',
    );
    const sixth = await signWith(r, id, hash, { code });
    expect(sixth.status).toBe(422);
    expect(await sixth.text()).toContain('Too many wrong codes; ask for a new one.');
    expect((await codesOf(id))[0].tries).toBe(5);
    expect(await signaturesOf(id)).toHaveLength(0);
    // A new code works again.
    await askCode(r, id, hash);
    expect((await signWith(r, id, hash, { code: (await mailedCode(id)).code })).status).toBe(303);
  });

  it('a code expires after 10 minutes', async () => {
    const { id, r, hash } = await sent();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
    await askCode(r, id, hash);
    const { code } = await mailedCode(id);
    vi.setSystemTime(Date.now() + 10 * 60_000 + 1);
    const late = await signWith(r, id, hash, { code });
    expect(late.status).toBe(422);
    expect(await late.text()).toContain('This code expired. Ask for a new one.');
    expect(await signaturesOf(id)).toHaveLength(0);
  });

  it('a new code replaces the old one', async () => {
    const { id, r, hash } = await sent();
    await askCode(r, id, hash);
    const first = (await mailedCode(id)).code;
    await askCode(r, id, hash);
    const second = (await mailedCode(id)).code;
    const rows = await codesOf(id);
    expect(rows).toHaveLength(2);
    expect(rows.filter((c) => c.usedAt === null)).toHaveLength(1);
    if (first !== second) expect((await signWith(r, id, hash, { code: first })).status).toBe(422);
    expect((await signWith(r, id, hash, { code: second })).status).toBe(303);
  });

  it('a code for another document, another contact or an earlier version is refused', async () => {
    const a = await sent();
    const b = await sent();
    await askCode(a.r, a.id, a.hash);
    await askCode(b.r, b.id, b.hash);
    const codeA = (await mailedCode(a.id)).code;
    const codeB = (await mailedCode(b.id)).code;
    if (codeA !== codeB) expect((await signWith(b.r, b.id, b.hash, { code: codeA })).status).toBe(422);
    // Another contact: Sam, a second signer, has no code of his own; Dana's is not his.
    const [sam] = await addRecipients(a.id, [{ name: 'Sam Patel', email: uniqueEmail('sam') }], {
      contractor: co.browser,
    });
    const samHash = await versionHashFor(sam.browser, a.id);
    const refused = await signWith(sam.browser, a.id, samHash, { code: codeA, name: 'Sam Patel' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('Ask for a code first');
    // An earlier version: the contractor revises and sends again; the code asked for rev 1 does not sign rev 2.
    expect((await co.browser.post(`/documents/${b.id}/revise`)).status).toBe(303);
    await sendDocument(co.browser, b.id, { emailCode: 'on' });
    const hash2 = await versionHashFor(b.r, b.id);
    const stale = await signWith(b.r, b.id, hash2, { code: codeB });
    expect(stale.status).toBe(422);
    expect(await stale.text()).toContain('Ask for a code first');
    expect(await signaturesOf(b.id)).toHaveLength(0);
    await askCode(b.r, b.id, hash2);
    expect((await signWith(b.r, b.id, hash2, { code: (await mailedCode(b.id)).code })).status).toBe(303);
    expect((await signaturesOf(b.id))[0].version).toBe(2);
  });

  it('a document without the code signs as before, identified by the email link; decline needs no code', async () => {
    const { id, r, hash } = await sent({ emailCode: false });
    const page = await (await r.get(portal(id))).text();
    expect(page).not.toContain('6-digit code');
    expect(page).not.toContain('email-code-form');
    const ask = await askCode(r, id, hash);
    expect(ask.status).toBe(422);
    expect(await ask.text()).toContain('This document does not ask for an emailed code.');
    expect(await codesOf(id)).toHaveLength(0);
    expect((await signWith(r, id, hash)).status).toBe(303);
    const [sig] = await signaturesOf(id);
    expect(sig.identifiedBy).toBe('email_link');
    expect(sig.emailCodeAt).toBeNull();
    const d = await sent();
    expect((await d.r.post(portal(d.id), { intent: 'decline', versionHash: d.hash, confirm: 'yes' })).status).toBe(303);
  });
});

describe('limits and who may ask', () => {
  it('at most 5 codes an hour for one document and contact, and 20 from one network', async () => {
    const { id, r, hash } = await sent();
    for (let i = 0; i < 5; i++) expect((await askCode(r, id, hash)).status).toBe(303);
    const sixth = await askCode(r, id, hash);
    expect(sixth.status).toBe(429);
    expect(await sixth.text()).toContain('You asked for 5 codes in the last hour.');
    expect(await codesOf(id)).toHaveLength(5);
    // One office network: a person who used up their 5 (and kept clicking) leaves a colleague room to ask.
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 20}`;
    const [mine, theirs] = [await sent(), await sent()];
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push((await askCode(mine.r, mine.id, mine.hash, viaEdge(ip))).status);
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429, 429, 429]);
    expect((await askCode(theirs.r, theirs.id, theirs.hash, viaEdge(ip))).status).toBe(303);
    // Every request from the network counts: the 21st in the hour is refused before the room.
    for (let i = 0; i < 11; i++) await askCode(theirs.r, theirs.id, theirs.hash, viaEdge(ip));
    const before = (await codesOf(theirs.id)).length;
    const last = await askCode(theirs.r, theirs.id, theirs.hash, viaEdge(ip));
    expect(last.status).toBe(429);
    expect(await last.text()).toContain('Too many codes were asked for from your network in the last hour.');
    expect(await codesOf(theirs.id)).toHaveLength(before);
  });

  it('at most 10 codes in 24 hours for one document and contact', async () => {
    const { id, r, hash } = await sent();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    vi.setSystemTime(start);
    for (let i = 0; i < 5; i++) expect((await askCode(r, id, hash)).status).toBe(303);
    vi.setSystemTime(start + 61 * 60_000);
    for (let i = 0; i < 5; i++) expect((await askCode(r, id, hash)).status).toBe(303);
    vi.setSystemTime(start + 3 * 3_600_000);
    const eleventh = await askCode(r, id, hash);
    expect(eleventh.status).toBe(429);
    expect(await eleventh.text()).toContain('You asked for 10 codes in the last 24 hours. Try again tomorrow.');
    expect(await codesOf(id)).toHaveLength(10);
    // A day after the first five, they no longer count.
    vi.setSystemTime(start + 24 * 3_600_000 + 1);
    expect((await askCode(r, id, hash)).status).toBe(303);
  });

  it('no code for an expired document: the refusal signing gives, nothing stored or emailed', async () => {
    const { id, r, hash } = await sent();
    const deadline = new Date(Date.now()).toISOString().slice(0, 10);
    await db().update(documents).set({ deadline }).where(eq(documents.id, id));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3 * 86_400_000);
    const res = await askCode(r, id, hash);
    expect(res.status).toBe(422);
    const expired = `This estimate expired on ${calendarDate(deadline)} — ask Oak &amp; Stone Builders for an updated one.`;
    expect(await res.text()).toContain(expired);
    expect(await codesOf(id)).toHaveLength(0);
    expect((await mailedCode(id)).mail).toBeUndefined();
    const sign = await signWith(r, id, hash, { code: '123456' });
    expect(await sign.text()).toContain(expired);
  });

  it('once delivered, a code email keeps no code: its bodies are blanked with the sent mark', async () => {
    const { id, r, hash } = await sent();
    await askCode(r, id, hash);
    const { mail, code } = await mailedCode(id);
    expect(code).toMatch(/^\d{6}$/);
    const bodies: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (_url, init) => {
      bodies.push(String(init?.body ?? ''));
      return new Response(null, { status: 202 });
    });
    try {
      // Every due message of this file's earlier tests too: a limit high enough to reach this one.
      await deliverDueMail({ ...env, MAILCHANNELS_API_KEY: 'test-mc-key' }, db(), Date.now(), 500);
    } finally {
      vi.restoreAllMocks();
    }
    expect(bodies.some((b) => b.includes(`is ${code}.`))).toBe(true);
    const [row] = await db().select().from(outbox).where(eq(outbox.id, mail!.id));
    expect(row).toMatchObject({ status: 'sent', text: '', html: '' });
    expect(row.subject).toMatch(/^Your code for Estimate/);
    // Other mail keeps its text after delivery.
    const others = await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.documentId, id), eq(outbox.status, 'sent'), ne(outbox.kind, 'signing_code')));
    expect(others.length).toBeGreaterThan(0);
    for (const m of others) expect(m.text).not.toBe('');
  });

  it('the hourly count and the replacing of the old code read only this company’s rows', async () => {
    const { id, r, hash, contact } = await sent();
    const [job] = await db().select().from(jobs).where(eq(jobs.id, other.jobId));
    const now = Date.now();
    const stray = Array.from({ length: 5 }, (_, i) => ({
      id: `stray-${id}-${i}`,
      orgId: job.orgId,
      documentId: id,
      contactId: contact.id,
      version: 1,
      codeHash: 'ab'.repeat(32),
      createdAt: now - 1000,
      expiresAt: now + 600_000,
    }));
    await db().insert(signingCodes).values(stray);
    expect((await askCode(r, id, hash)).status).toBe(303);
    const rows = await codesOf(id);
    expect(rows.filter((c) => c.orgId === job.orgId && c.usedAt === null)).toHaveLength(5);
    await db().delete(signingCodes).where(eq(signingCodes.orgId, job.orgId));
  });

  it('no portal session: 404; another company’s document: 404; a copy recipient cannot ask', async () => {
    const { id, hash } = await sent();
    expect((await new Browser().post(portal(id), { intent: 'email_code', versionHash: hash })).status).toBe(404);
    const elsewhere = await sent({ company: other });
    expect((await askCode(elsewhere.r, id, hash)).status).toBe(404);
    const [copy] = await addRecipients(id, [{ name: 'Lee Park', email: uniqueEmail('lee'), role: 'copy' }], {
      contractor: co.browser,
    });
    const res = await askCode(copy.browser, id, hash);
    expect(res.status).toBe(422);
    expect(await codesOf(id)).toHaveLength(0);
    expect((await mailedCode(id)).mail).toBeUndefined();
  });

  it('a revoke landing between the plan and its batch (the mail guard stops it) is a 409, not a 500', async () => {
    // What the room's stub rejects with when the batch's whileAccess guard stops the code's email.
    const guard = new Error('D1_ERROR: NOT NULL constraint failed: outbox.to_email: SQLITE_CONSTRAINT');
    const answer = decided(Promise.reject(guard));
    await expect(answer).rejects.toBeInstanceOf(Conflict);
    await expect(decided(Promise.reject(guard))).rejects.toThrow('Who this document is sent to changed');
  });

  it('two code requests at once: both answered, one code valid', async () => {
    const { id, r, hash } = await sent();
    const res = await Promise.all([askCode(r, id, hash), askCode(r, id, hash)]);
    expect(res.map((x) => x.status)).toEqual([303, 303]);
    const rows = await codesOf(id);
    expect(rows).toHaveLength(2);
    const live = rows.filter((c) => c.usedAt === null);
    expect(live).toHaveLength(1);
    // Of the two emailed codes, exactly one is the live row's.
    const mails = await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'signing_code')));
    const codes = mails.map((m) => /is (\d{6})\./.exec(m.text)![1]);
    const who = { documentId: id, contactId: live[0].contactId, version: 1 };
    const hashes = await Promise.all(codes.map((c) => codeHash(env, who, c)));
    const valid = codes.filter((_, i) => hashes[i] === live[0].codeHash);
    expect(valid).toHaveLength(1);
    expect((await signWith(r, id, hash, { code: valid[0] })).status).toBe(303);
  });

  it('two sign posts with one code at once make one signature', async () => {
    const { id, r, hash } = await sent();
    await askCode(r, id, hash);
    const { code } = await mailedCode(id);
    const res = await Promise.all([signWith(r, id, hash, { code }), signWith(r, id, hash, { code })]);
    expect(res.map((x) => x.status).sort()).toEqual([303, 409]);
    expect(await signaturesOf(id)).toHaveLength(1);
    expect((await codesOf(id))[0].usedAt).not.toBeNull();
  });
});

/** The settings form as rendered, saved with `changes`. */
async function saveSettings(browser: Browser, changes: Record<string, string>) {
  const page = await (await browser.get('/settings')).text();
  const fields = Object.fromEntries(formFields(page, '/settings').filter(([k]) => k !== '_csrf'));
  delete fields.emailCodeDefault;
  return browser.post('/settings', { ...fields, ...changes });
}

describe('the default in Settings and the box on the send page', () => {
  it('Settings saves the default; a refused save keeps the box; the send page starts from it', async () => {
    const c = co;
    const org = async () => (await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, c.orgId) }))!;
    const page = await (await c.browser.get('/settings')).text();
    expect(page).toContain('Ask signers for a code emailed to them before they sign');
    // Bad input elsewhere on the form: 422, the box kept ticked, nothing saved.
    const bad = await saveSettings(c.browser, { emailCodeDefault: 'on', brandColor: 'red' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toMatch(/<input type="checkbox" name="emailCodeDefault" checked/);
    expect((await org()).emailCodeDefault).toBe(false);
    expect((await saveSettings(c.browser, { emailCodeDefault: 'on' })).status).toBe(303);
    expect((await org()).emailCodeDefault).toBe(true);
    // Not allowed: another company's owner changes only their own company.
    expect((await saveSettings(other.browser, {})).status).toBe(303);
    expect((await org()).emailCodeDefault).toBe(true);
    // No session: nothing saved.
    const stranger = await new Browser().post('/settings', { name: 'X', brandColor: '#000000', portalLinkDays: '9' });
    expect(stranger.status).not.toBe(200);
    expect((await org()).name).toBe('Oak & Stone Builders');
    // The send page of an estimate starts ticked; a bid request has no box.
    const id = await createDocument(c.browser, c.jobId, 'estimate', { all: '1' });
    const send = await (await c.browser.get(`/documents/${id}/send`)).text();
    expect(send).toMatch(/<input type="checkbox" name="emailCode" checked/);
    const bid = await createDocument(c.browser, c.jobId, 'bid_request', { all: '1' });
    expect(await (await c.browser.get(`/documents/${bid}/send`)).text()).not.toContain('name="emailCode"');
    expect((await saveSettings(c.browser, {})).status).toBe(303);
    expect((await org()).emailCodeDefault).toBe(false);
  });

  it('the send stores the box; a refused send keeps it; a bid request never asks; others’ documents 404', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const refused = await co.browser.post(`/documents/${id}/send`, {
      name: 'Dana Reyes',
      email: 'not-an-email',
      emailCode: 'on',
    });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toMatch(/<input type="checkbox" name="emailCode" checked/);
    expect((await documentRow(id)).sentVersion).toBeNull();
    // Another company's user: 404, nothing changed.
    expect((await other.browser.post(`/documents/${id}/send`, { name: 'X', email: 'x@example.com' })).status).toBe(404);
    expect((await documentRow(id)).sentVersion).toBeNull();
    await sendDocument(co.browser, id, { emailCode: 'on' });
    expect((await documentRow(id)).emailCode).toBe(true);
    // A resend keeps it.
    expect((await co.browser.post(`/documents/${id}/resend`, {})).status).toBe(303);
    expect((await documentRow(id)).emailCode).toBe(true);
    // A revision's send page starts from what the last send chose; its send stores the box as posted.
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    expect(await (await co.browser.get(`/documents/${id}/send`)).text()).toMatch(
      /<input type="checkbox" name="emailCode" checked/,
    );
    await sendDocument(co.browser, id, {});
    expect((await documentRow(id)).emailCode).toBe(false);
    // A bid request never asks, whatever is posted.
    const bid = await createDocument(co.browser, co.jobId, 'bid_request', { all: '1' });
    await editDraft(co.browser, bid, (f) =>
      f.map(([k, v]) => [k, k === 'accountId' ? co.vendorId : k === 'contactId' ? co.vendorContact.id : v]),
    );
    await sendDocument(co.browser, bid, { emailCode: 'on' });
    expect((await documentRow(bid)).emailCode).toBe(false);
  });
});

describe('consent versions', () => {
  it('a signature records the disclosure’s version and hash; an older consent is asked for again', async () => {
    const { id, r, hash, contact } = await sent({ emailCode: false });
    const never = { esignConsentAt: null, esignConsentVersion: null, esignConsentSha256: null };
    await db().update(contacts).set(never).where(eq(contacts.id, contact.id));
    const orgRow = (await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, co.orgId) }))!;
    const sha = await consentSha256(orgRow.name, orgRow.email);
    expect((await signWith(r, id, hash)).status).toBe(303);
    const [sig] = await signaturesOf(id);
    expect(sig).toMatchObject({ consentVersion: CONSENT_VERSION, consentSha256: sha, identifiedBy: 'email_link' });
    const stored = async () => (await db().select().from(contacts).where(eq(contacts.id, contact.id)))[0];
    expect(await stored()).toMatchObject({ esignConsentVersion: CONSENT_VERSION, esignConsentSha256: sha });
    // A consent to an older disclosure, or one given before versions were recorded, is asked for again.
    const next = await sent({ emailCode: false });
    expect(await (await r.get(portal(next.id))).text()).not.toContain('name="consent"');
    for (const old of ['2020-01-01', null]) {
      await db().update(contacts).set({ esignConsentVersion: old }).where(eq(contacts.id, contact.id));
      expect(await (await r.get(portal(next.id))).text()).toContain('name="consent"');
    }
    const refused = await signWith(r, next.id, next.hash, { consent: '' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('Please read and agree to do business electronically');
    expect((await signWith(r, next.id, next.hash)).status).toBe(303);
    expect((await stored()).esignConsentVersion).toBe(CONSENT_VERSION);
    expect((await signaturesOf(next.id))[0]).toMatchObject({ consentVersion: CONSENT_VERSION, consentSha256: sha });
    // Once current, the next signature copies the contact's consent without asking.
    const third = await sent({ emailCode: false });
    expect(await (await r.get(portal(third.id))).text()).not.toContain('name="consent"');
    expect((await signWith(r, third.id, third.hash, { consent: '' })).status).toBe(303);
    expect((await signaturesOf(third.id))[0]).toMatchObject({ consentVersion: CONSENT_VERSION, consentSha256: sha });
  });

  it('a countersignature records the countersign sentence’s version and hash, identified by account', async () => {
    const { id, r, hash } = await sent({ emailCode: false });
    await addRecipients(id, [], { countersign: true, contractor: co.browser });
    expect((await signWith(r, id, hash)).status).toBe(303);
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toContain(COUNTERSIGN_CONSENT);
    const pageHash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    const res = await co.browser.post(`/documents/${id}/countersign`, {
      name: 'Sam Carter',
      method: 'typed',
      consent: 'yes',
      versionHash: pageHash,
    });
    expect(res.status).toBe(303);
    const cs = (await signaturesOf(id)).find((s) => s.outcome === 'countersigned')!;
    expect(cs).toMatchObject({
      consentVersion: COUNTERSIGN_CONSENT_VERSION,
      consentSha256: await sha256Hex(COUNTERSIGN_CONSENT),
      identifiedBy: 'account',
    });
  });
});
