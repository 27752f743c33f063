import { env } from 'cloudflare:workers';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { getDocumentProxy } from 'unpdf';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { COUNTERSIGN_STATEMENT } from '../views/portal/statement';
import { activity, documents, documentVersions, orgs, outbox, signatures } from '../src/db/schema';
import { CONSENT_VERSION, consentSha256 } from '../src/signing/consent';
import { finalizeSignature } from '../src/signing/finalize';
import { describeCertificate } from '../src/signing/seal';
import { companyWithBudget, createDocument, sentToRecipient } from './fixtures';
import { Browser, BASE, db, uniqueEmail, viaEdge } from './helpers';
import { addRecipients, versionHashFor } from './people-fixtures';
import { fakeTsaFetch, TSA_URL } from './tsa-fake';

// Issue 18, part B: the certificate page of a sealed PDF, made by finalize for documents signed in the
// portal: the verify address and record ids, how each person was identified, the consent and the
// statement they agreed to, the sender, the page count and the sealing certificate; and, for a
// purchase order signed with a very long typed name and user agent, no line drawn over another.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
beforeAll(async () => {
  co = await companyWithBudget();
});
afterEach(() => vi.restoreAllMocks());

const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
let keys = 0;
const signAs = async (browser: Browser, id: string, name: string, hash?: string, init?: RequestInit) =>
  browser.post(
    `/portal/documents/${id}/sign`,
    {
      versionHash: hash ?? (await versionHashFor(browser, id)),
      idempotencyKey: `k-cert-${++keys}-${Date.now()}`,
      name,
      method: 'typed',
      consent: 'yes',
    },
    init,
  );
const rowsOf = (id: string) =>
  db().select().from(signatures).where(eq(signatures.documentId, id)).orderBy(asc(signatures.signedAt));
const settled = (id: string) =>
  expect
    .poll(async () => (await rowsOf(id)).every((r) => r.sealedAt !== null), { timeout: 20_000, interval: 100 })
    .toBe(true);

/** A draft of `kind` sent from an address the edge recorded (198.51.100.23), opened by its recipient. */
async function sentFromEdge(kind: string, fields: Record<string, string>) {
  const id = await createDocument(co.browser, co.jobId, kind, { all: '1', ...fields });
  const html = await (await co.browser.get(`/documents/${id}/send`)).text();
  const field = (name: string) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? '';
  const res = await co.browser.post(
    `/documents/${id}/send`,
    { name: field('name'), email: field('email'), message: '' },
    viaEdge('198.51.100.23'),
  );
  expect(res.status).toBe(303);
  const [mail] = await db().select().from(outbox).where(eq(outbox.documentId, id));
  const r = new Browser();
  await r.get(new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(mail.text)![0]).pathname);
  const page = await (await r.get(`/portal/documents/${id}`)).text();
  return { id, r, hash: /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1] };
}

async function sealedBytes(id: string) {
  const [row] = await rowsOf(id);
  const object = await env.FILES.get(row.sealedPdfKey!);
  return new Uint8Array(await object!.arrayBuffer());
}

/** The unsigned PDF's page count, and each page of the certificate: its text and its text items. */
async function read(id: string, bytes: Uint8Array) {
  const [version] = await db()
    .select({ pdfKey: documentVersions.pdfKey })
    .from(documentVersions)
    .innerJoin(signatures, eq(signatures.versionId, documentVersions.id))
    .where(eq(signatures.documentId, id));
  const unsigned = await env.FILES.get(version.pdfKey!);
  const unsignedPages = (await getDocumentProxy(new Uint8Array(await unsigned!.arrayBuffer()))).numPages;
  const pdf = await getDocumentProxy(bytes.slice());
  const pages = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    const items = content.items
      .filter((i) => 'str' in i && i.str.trim())
      .map((i) => {
        const item = i as { str: string; transform: number[]; fontName: string };
        const style = content.styles[item.fontName];
        const size = Math.hypot(item.transform[2], item.transform[3]);
        const y = item.transform[5];
        return { text: item.str, y, top: y + style.ascent * size, bottom: y + style.descent * size };
      });
    pages.push({ n, items });
  }
  const documentPages = pages.slice(0, unsignedPages);
  pages.splice(0, unsignedPages);
  const text = pages
    .flatMap((p) => p.items.map((i) => i.text))
    .join(' ')
    .replace(/\s+/g, ' ');
  return { unsignedPages, pages, text, documentPages };
}

describe('the certificate of a two-signer estimate with a countersignature', () => {
  it('prints the verify address, each record id, how each was identified, consent, statement, sender, pages and seal', async () => {
    const sent = await sentFromEdge('estimate', {});
    const samEmail = uniqueEmail('sam');
    const [sam] = await addRecipients(sent.id, [{ name: 'Sam Patel', email: samEmail }], {
      countersign: true,
      contractor: co.browser,
    });
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
    expect(
      (await signAs(sent.r, sent.id, 'Dana Reyes', sent.hash, viaEdge('203.0.113.7', { 'User-Agent': iphone }))).status,
    ).toBe(303);
    expect((await signAs(sam.browser, sent.id, 'Sam Patel', undefined, viaEdge('2001:db8::5'))).status).toBe(303);
    // Dana entered an emailed code and accepted this disclosure: whatever the row says, the page states.
    const [dana] = await rowsOf(sent.id);
    const codeAt = dana.signedAt - 30_000;
    const disclosure = await consentSha256('Oak & Stone Builders', co.email);
    await db()
      .update(signatures)
      .set({
        identifiedBy: 'email_code',
        emailCodeAt: codeAt,
        consentVersion: CONSENT_VERSION,
        consentSha256: disclosure,
      })
      .where(eq(signatures.id, dana.id));
    const page = await (await co.browser.get(`/documents/${sent.id}`)).text();
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    const res = await co.browser.post(`/documents/${sent.id}/countersign`, {
      name: 'Sam Carter',
      method: 'typed',
      consent: 'yes',
      versionHash: hash,
    });
    expect(res.status).toBe(303);
    await settled(sent.id);

    const rows = await rowsOf(sent.id);
    expect(rows).toHaveLength(3);
    const seal = await describeCertificate(env.SEAL_CERTIFICATE!);
    expect(rows.map((r) => r.sealCertificateSha256)).toEqual([seal.sha256, seal.sha256, seal.sha256]);
    const { unsignedPages, text } = await read(sent.id, await sealedBytes(sent.id));
    const [doc] = await db().select().from(documents).where(eq(documents.id, sent.id));
    const [send] = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.documentId, sent.id), eq(activity.action, 'sent')));

    expect(text).toContain(`Verify this file: scan the code, or open ${BASE}/verify/${dana.id}`);
    expect(text).toContain(`Check it at ${BASE}/verify`);
    for (const r of rows) expect(text).toContain(`Record id: ${r.id}`);
    expect(text).toContain(
      `Identified by: link emailed to ${co.customerContact.email} and a 6-digit code emailed to it, verified ${utc(codeAt)}`,
    );
    expect(text).toContain(`Identified by: link emailed to ${samEmail}`);
    expect(text).toContain(`Identified by: signed in as ${co.email}`);
    expect(text).not.toContain('d***');
    expect(text).toContain(
      `Consent to do business electronically: ${utc(dana.consentAt!)}; disclosure version ${CONSENT_VERSION}, ` +
        `text SHA-256 ${disclosure}`,
    );
    const statement =
      `Agreed to: “By clicking “Approve & sign” you approve this version of Estimate ${doc.number} (rev 1), ` +
      'shown above, and sign it electronically.”';
    expect(text.split(statement).length - 1).toBe(2);
    expect(text).toContain(`Agreed to: “${COUNTERSIGN_STATEMENT}”`);
    expect(text).toContain(`Sent by Owner Person <${co.email}> on ${utc(send.createdAt)}`);
    expect(text).toContain(`from IP address 198.51.100.23`);
    expect(text).toContain(`Signed document: ${unsignedPages} page${unsignedPages > 1 ? 's' : ''} + this certificate`);
    expect(text).toContain(`Sealed by ${seal.subject}, certificate SHA-256 ${seal.sha256}`);
    expect(text).not.toContain('Timestamped by');
  });
});

describe('the certificate of a purchase order signed with a long typed name', () => {
  it('sets every line clear of the others and prints each value in full', async () => {
    const { id, r, hash } = await sentToRecipient(co, 'purchase_order', { group: co.groups.electrical });
    const name = `Marco ${'Antonio Ruiz-Delgado de la Fuente '.repeat(6)}`.slice(0, 200).trim();
    const agent =
      `Mozilla/5.0 (Windows NT 10.0; Win64; x64) ${'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 '.repeat(5)}`
        .slice(0, 500)
        .trim();
    const company = `Oak & Stone ${'Custom Residential Builders and Renovation Contractors '.repeat(4)}`
      .slice(0, 200)
      .trim();
    await db().update(orgs).set({ name: company }).where(eq(orgs.id, co.orgId));
    try {
      expect((await signAs(r, id, name, hash, viaEdge('203.0.113.9', { 'User-Agent': agent }))).status).toBe(303);
      await settled(id);
    } finally {
      await db().update(orgs).set({ name: 'Oak & Stone Builders' }).where(eq(orgs.id, co.orgId));
    }
    const [sig] = await rowsOf(id);
    expect(sig).toMatchObject({ signerName: name, userAgent: agent, method: 'typed' });
    const { pages, text, documentPages } = await read(id, await sealedBytes(id));
    // In the document's block, the printed name is one line on its rule, clear of the caption under it.
    const items = documentPages.flatMap((p) => p.items);
    const printed = items.find((i) => i.text === name);
    const caption = items.find((i) => i.text === 'Printed name');
    expect(printed, 'the printed name on one line').toBeDefined();
    expect(printed!.bottom).toBeGreaterThanOrEqual(caption!.top);
    for (const { n, items } of pages) {
      const sorted = [...items].sort((a, b) => b.y - a.y);
      for (let i = 1; i < sorted.length; i++) {
        const [above, below] = [sorted[i - 1], sorted[i]];
        if (Math.abs(above.y - below.y) < 0.5) continue;
        // Every line above this one ends above its top (ascenders, the script's loops included).
        for (const a of sorted.slice(0, i).filter((x) => Math.abs(x.y - below.y) >= 0.5))
          expect(
            a.bottom,
            `page ${n}: "${a.text.slice(0, 30)}" over "${below.text.slice(0, 30)}"`,
          ).toBeGreaterThanOrEqual(below.top - 0.01);
      }
    }
    const squash = (s: string) => s.replace(/\s+/g, '');
    for (const value of [name, agent, company, sig.id]) expect(squash(text)).toContain(squash(value));
    const [doc] = await db().select().from(documents).where(eq(documents.id, id));
    expect(text).toContain(
      `Agreed to: “By clicking “Accept & sign” you accept this version of Purchase Order ${doc.number} (rev 1), shown above, and sign it electronically.”`,
    );
  });
});

describe('a timestamped seal', () => {
  it('names the timestamp authority when TSA_URL is set', async () => {
    const { id, r, hash } = await sentToRecipient(co, 'estimate');
    // The first seal (no authority configured) is made and then set aside, so finalize seals again with one.
    expect((await signAs(r, id, 'Dana Reyes', hash)).status).toBe(303);
    await settled(id);
    const ids = (await rowsOf(id)).map((s) => s.id);
    await db()
      .update(signatures)
      .set({ sealedAt: null, sealedPdfKey: null, sealedPdfSha256: null, sealCertificateSha256: null })
      .where(inArray(signatures.id, ids));
    const tsa = fakeTsaFetch();
    vi.spyOn(globalThis, 'fetch').mockImplementation(tsa);
    expect(await finalizeSignature({ ...env, TSA_URL }, db(), ids[0], BASE)).toBe('sealed');
    expect(tsa.requests).toBe(1);
    const { text } = await read(id, await sealedBytes(id));
    expect(text).toContain(`Timestamped by ${new URL(TSA_URL).host}`);
  });
});
