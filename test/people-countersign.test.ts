import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { extractText, getDocumentProxy } from 'unpdf';
import { beforeAll, describe, expect, it } from 'vitest';
import { activity, outbox, signatures } from '../src/db/schema';
import { finalizeSignature } from '../src/signing/finalize';
import { unsealedSignatures } from '../src/signing/queries';
import { companyWithBudget, sentToRecipient } from './fixtures';
import { Browser, BASE, db, location, uniqueEmail } from './helpers';
import { addRecipients, versionHashFor } from './people-fixtures';

// Issue 17, part C: the contractor's countersignature, and sealing once per version for everyone.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let other: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget();
  other = await companyWithBudget({ company: 'Elsewhere Renovations' });
});

/** An estimate sent to its customer contact, with Sam Patel added as a second signer. */
async function twoSigners(countersign: boolean) {
  const sent = await sentToRecipient(co, 'estimate');
  const [sam] = await addRecipients(sent.id, [{ name: 'Sam Patel', email: uniqueEmail('sam') }], {
    countersign,
    contractor: co.browser,
  });
  return { id: sent.id, dana: sent.r, danaHash: sent.hash, sam: sam.browser };
}

let keys = 0;
const signAs = async (browser: Browser, id: string, name: string, hash?: string) =>
  browser.post(`/portal/documents/${id}/sign`, {
    versionHash: hash ?? (await versionHashFor(browser, id)),
    idempotencyKey: `k-people-${++keys}-${Date.now()}`,
    name,
    method: 'typed',
    consent: 'yes',
  });

const rowsOf = (id: string) => db().select().from(signatures).where(eq(signatures.documentId, id));
const sealedRows = (id: string) =>
  db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'sealed')));
const countersignatures = (id: string) =>
  db().$count(signatures, and(eq(signatures.documentId, id), eq(signatures.outcome, 'countersigned')));
const sealedObjects = async (orgId: string, id: string) =>
  (await env.FILES.list({ prefix: `org/${orgId}/doc/${id}/v1-signed` })).objects.map((o) => o.key);

const pageOf = async (browser: Browser, id: string) => (await browser.get(`/documents/${id}`)).text();
const hashOnPage = (page: string) => /name="versionHash" value="([0-9a-f]{64})"/.exec(page)?.[1] ?? '';

const countersignAs = (browser: Browser, id: string, fields: Record<string, string>) =>
  browser.post(`/documents/${id}/countersign`, { name: 'Sam Carter', method: 'typed', consent: 'yes', ...fields });

/** Both signers signed a countersign document: what the contractor's page offers, and its hash. */
async function readyToCountersign() {
  const doc = await twoSigners(true);
  expect((await signAs(doc.dana, doc.id, 'Dana Reyes', doc.danaHash)).status).toBe(303);
  expect((await signAs(doc.sam, doc.id, 'Sam Patel')).status).toBe(303);
  const page = await pageOf(co.browser, doc.id);
  return { ...doc, page, hash: hashOnPage(page) };
}

const settled = (id: string) =>
  expect
    .poll(async () => (await rowsOf(id)).every((r) => r.sealedAt !== null), { timeout: 20_000, interval: 100 })
    .toBe(true);

describe('countersignature', () => {
  it('waits for it after both sign, then seals one PDF listing both signers and the countersigner', async () => {
    const { id, page, hash, dana } = await readyToCountersign();
    const before = await rowsOf(id);
    expect(before).toHaveLength(2);
    // Finalizing a signature of a version not ready to seal: 'waiting', nothing sealed, no error recorded.
    for (const r of before) expect(await finalizeSignature(env, db(), r.id, BASE)).toBe('waiting');
    const after = await rowsOf(id);
    expect(after.map((r) => [r.sealedAt, r.sealError, r.sealedPdfKey])).toEqual([
      [null, null, null],
      [null, null, null],
    ]);
    expect(await sealedObjects(co.orgId, id)).toEqual([]);
    expect((await unsealedSignatures(db(), 1000)).filter((s) => s.documentId === id)).toEqual([]);
    expect(page).toContain('Waiting for your countersignature.');
    expect(page).not.toContain('Finalizing the signed PDF');
    expect(page).toContain('>Countersign</button>');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    // The signers' portal says what it waits for, not "Finalizing".
    const portal = await (await dana.get(`/portal/documents/${id}`)).text();
    expect(portal).toContain('to countersign; the signed PDF follows.');
    expect(portal).not.toContain('Finalizing the signed PDF');
    // The creator is asked to countersign, once, with a link to the page.
    const asked = await db()
      .select()
      .from(outbox)
      .where(and(eq(outbox.documentId, id), eq(outbox.toEmail, co.email)));
    const ask = asked.filter((m) => m.subject.endsWith('— countersign it to finish'));
    expect(ask).toHaveLength(1);
    expect(ask[0].subject).toMatch(/^Dana Reyes and Sam Patel signed EST-\d+ — countersign it to finish$/);
    expect(ask[0].text).toContain(`/documents/${id}`);

    const res = await countersignAs(co.browser, id, { versionHash: hash });
    expect(res.status).toBe(303);
    await settled(id);
    const rows = await rowsOf(id);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.sealedPdfKey)).size).toBe(1);
    expect(new Set(rows.map((r) => r.sealedPdfSha256)).size).toBe(1);
    expect(await sealedRows(id)).toBe(1);
    const counter = rows.find((r) => r.outcome === 'countersigned')!;
    expect(counter).toMatchObject({ contactId: null, userId: co.userId, signerEmail: co.email, method: 'typed' });
    expect(counter.consentAt).not.toBeNull();
    expect(await sealedObjects(co.orgId, id)).toEqual([rows[0].sealedPdfKey]);
    const object = await env.FILES.get(rows[0].sealedPdfKey!);
    const bytes = new Uint8Array(await object!.arrayBuffer());
    const text = (await extractText(await getDocumentProxy(bytes), { mergePages: true })).text.replace(/\s+/g, ' ');
    for (const name of ['Dana Reyes', 'Sam Patel', 'Sam Carter']) expect(text).toContain(name);
    expect(text).toContain('Signer 1 of 2');
    expect(text).toContain('Signer 2 of 2');
    expect(text).toContain('Countersigned for Oak & Stone Builders');
    expect(text.split(`Signed the version whose unsigned PDF has SHA-256 ${hash}`).length - 1).toBe(3);
    const done = await pageOf(co.browser, id);
    expect(done).toMatch(/Countersigned by Sam Carter on [A-Z][a-z]{2} \d{1,2}, \d{4}/);
    expect(done).toContain('Download the signed PDF');
    expect((await co.browser.get(`/documents/${id}/signed.pdf`)).status).toBe(200);
    // A second countersignature of the same version: 409, saying who and when.
    const again = await countersignAs(co.browser, id, { versionHash: hash, name: 'Someone Else' });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(/Already countersigned by Sam Carter on/);
    expect(await countersignatures(id)).toBe(1);
  });

  it('refuses bad input with the form kept and writes nothing', async () => {
    const { id, hash } = await readyToCountersign();
    const noConsent = await countersignAs(co.browser, id, { versionHash: hash, consent: '' });
    expect(noConsent.status).toBe(422);
    const noConsentPage = await noConsent.text();
    expect(noConsentPage).toContain('Tick the box to agree that your electronic signature is binding.');
    expect(noConsentPage).toContain('value="Sam Carter"');
    const blank = await countersignAs(co.browser, id, { versionHash: hash, name: '   ' });
    expect(blank.status).toBe(422);
    expect(await blank.text()).toContain('id="countersign-name-error"');
    const badImage = await countersignAs(co.browser, id, {
      versionHash: hash,
      method: 'drawn',
      signature: 'data:image/png;base64,AAAA',
    });
    expect(badImage.status).toBe(422);
    expect(await badImage.text()).toContain('The signature must be a PNG image drawn on the signature pad.');
    const stale = await countersignAs(co.browser, id, { versionHash: 'a'.repeat(64) });
    expect(stale.status).toBe(409);
    expect(await countersignatures(id)).toBe(0);
    expect(await sealedObjects(co.orgId, id)).toEqual([]);
    const keys = (await env.FILES.list({ prefix: `org/${co.orgId}/doc/${id}/countersignature-` })).objects;
    expect(keys).toEqual([]);
  });

  it('is refused before every signer signed, and on a document that does not ask for it', async () => {
    const half = await twoSigners(true);
    expect((await signAs(half.dana, half.id, 'Dana Reyes', half.danaHash)).status).toBe(303);
    const hash = hashOnPage(await (await half.dana.get(`/portal/documents/${half.id}`)).text()) || half.danaHash;
    const early = await countersignAs(co.browser, half.id, { versionHash: hash });
    expect(early.status).toBe(409);
    expect(await early.text()).toContain('Every signer has to sign before you countersign.');
    const waiting = await pageOf(co.browser, half.id);
    expect(waiting).toContain('You countersign once Sam Patel has signed.');
    expect(waiting).not.toContain('>Countersign</button>');

    const plain = await twoSigners(false);
    expect((await signAs(plain.dana, plain.id, 'Dana Reyes', plain.danaHash)).status).toBe(303);
    expect((await signAs(plain.sam, plain.id, 'Sam Patel')).status).toBe(303);
    const refused = await countersignAs(co.browser, plain.id, { versionHash: plain.danaHash });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('This document does not ask for your countersignature.');
    expect(await countersignatures(half.id)).toBe(0);
    expect(await countersignatures(plain.id)).toBe(0);
    await settled(plain.id);
  });

  it('answers a stranger with the sign-in (401 to a post, like every dashboard write) and another company with 404', async () => {
    const { id, hash } = await readyToCountersign();
    const stranger = await countersignAs(new Browser(), id, { versionHash: hash });
    expect(stranger.status).toBe(401);
    expect(location(await new Browser().get(`/documents/${id}`))).toContain('/sign-in');
    const foreign = await countersignAs(other.browser, id, { versionHash: hash });
    expect(foreign.status).toBe(404);
    expect(await countersignatures(id)).toBe(0);
  });

  it('two countersign posts at once: one countersignature, one seal', async () => {
    const { id, hash } = await readyToCountersign();
    const answers = await Promise.all([
      countersignAs(co.browser, id, { versionHash: hash }),
      countersignAs(co.browser, id, { versionHash: hash }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409]);
    expect(await countersignatures(id)).toBe(1);
    await settled(id);
    const rows = await rowsOf(id);
    // Every finalize that could still run finds the version sealed.
    for (const r of rows) expect(await finalizeSignature(env, db(), r.id, BASE)).toBe('already');
    expect(await sealedRows(id)).toBe(1);
    expect(await sealedObjects(co.orgId, id)).toHaveLength(1);
  });
});

describe('sealing once per version', () => {
  it('two last signers at once on a document without countersignature: both kept, one seal', async () => {
    const { id, dana, danaHash, sam } = await twoSigners(false);
    const samHash = await versionHashFor(sam, id);
    const answers = await Promise.all([
      signAs(dana, id, 'Dana Reyes', danaHash),
      signAs(sam, id, 'Sam Patel', samHash),
    ]);
    expect(answers.map((r) => r.status)).toEqual([303, 303]);
    await settled(id);
    const rows = await rowsOf(id);
    expect(rows).toHaveLength(2);
    const outcomes = await Promise.all(rows.map((r) => finalizeSignature(env, db(), r.id, BASE)));
    expect(outcomes).toEqual(['already', 'already']);
    expect(new Set(rows.map((r) => r.sealedPdfKey)).size).toBe(1);
    expect(await sealedRows(id)).toBe(1);
    expect(await sealedObjects(co.orgId, id)).toHaveLength(1);
  });

  it('the cron finds nothing to do for a half-signed document', async () => {
    const { id, dana, danaHash } = await twoSigners(false);
    expect((await signAs(dana, id, 'Dana Reyes', danaHash)).status).toBe(303);
    expect((await unsealedSignatures(db(), 1000)).filter((s) => s.documentId === id)).toEqual([]);
    const [row] = await rowsOf(id);
    expect(await finalizeSignature(env, db(), row.id, BASE)).toBe('waiting');
    expect((await rowsOf(id))[0]).toMatchObject({ sealedAt: null, sealError: null });
    const page = await pageOf(co.browser, id);
    expect(page).toContain('Waiting for Sam Patel to sign.');
    expect(page).not.toContain('Finalizing the signed PDF');
  });
});
