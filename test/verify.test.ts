import { env } from 'cloudflare:workers';
import { and, eq, isNull } from 'drizzle-orm';
import { PDFDocument } from 'pdf-lib';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rateLimits, signatures } from '../src/db/schema';
import { sha256Hex } from '../src/http/crypto';
import { describeCertificate, readSeal, sealPdf } from '../src/signing/seal';
import { companyWithBudget, sentToRecipient } from './fixtures';
import lookalikeCertificate from './fixtures/verify-lookalike-cert.pem?raw';
import otherKey from './fixtures/seal-test-ec-key.pem?raw';
import { BASE, Browser, db, viaEdge } from './helpers';
import { fakeTsaFetch, TSA_URL } from './tsa-fake';

// Issue 18, part C: /verify reads the seal inside a file and says what it is, in words. The files are
// sealed through the real path (signed in the portal, sealed by finalize, downloaded); the altered
// ones are made from them as an attacker or an accident would.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
/** Two sealed estimates: their ids, sealed bytes, record (a signature id) and unsigned PDF hash. */
const sealed: { id: string; bytes: Uint8Array<ArrayBuffer>; record: string; unsignedSha: string; number: string }[] =
  [];

async function signAndSeal(name: string) {
  const { id, r, hash } = await sentToRecipient(co, 'estimate');
  const res = await r.post(`/portal/documents/${id}/sign`, {
    versionHash: hash,
    idempotencyKey: `verify-${name}`,
    name,
    method: 'typed',
    consent: 'yes',
  });
  if (res.status !== 303) throw new Error(`sign: ${res.status}`);
  // The sign request seals after answering (waitUntil): wait for the seal as expect.poll would.
  for (let i = 0; i < 200; i++) {
    const [row] = await db().select().from(signatures).where(eq(signatures.documentId, id));
    if (row?.sealedPdfSha256) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, id));
  const bytes = new Uint8Array(await (await r.get(`/portal/documents/${id}/signed.pdf`)).arrayBuffer());
  const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, id) });
  return { id, bytes, record: sig.id, unsignedSha: sig.unsignedPdfSha256, number: doc!.number };
}

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Verify Builders LLC' });
  sealed.push(await signAndSeal('Dana Reyes'), await signAndSeal('Sam Patel'));
}, 90_000);

afterEach(() => vi.restoreAllMocks());

const visitor = new Browser();
let nextIp = 1;
/** Posts a check from a fresh address (the rate limit is per address), as the page's form does. */
async function check(what: { file?: Uint8Array; sha256?: string }, path = '/verify', ip = `198.51.100.${nextIp++}`) {
  const form = new FormData();
  if (what.file) form.set('file', new File([what.file as BlobPart], 'signed.pdf', { type: 'application/pdf' }));
  if (what.sha256 !== undefined) form.set('sha256', what.sha256);
  const url = `${path}?_csrf=${encodeURIComponent(await visitor.csrf())}`;
  const res = await visitor.fetch(url, { method: 'POST', body: form, ...viaEdge(ip, { Origin: BASE }) });
  return { status: res.status, text: (await res.text()).replace(/&#x27;|&#39;/g, "'") };
}

/** The page's text without its tags, for the sentences a person reads. */
const words = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"');

const latin1 = (b: Uint8Array) => new TextDecoder('latin1').decode(b);
const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const join = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};
/** The sealed file's /ByteRange: where its /Contents hex starts and ends. */
function byteRange(pdf: Uint8Array) {
  const text = latin1(pdf);
  const m = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text.slice(text.lastIndexOf('/ByteRange')))!;
  return { contentsAt: Number(m[2]), gapEnd: Number(m[3]) };
}

/** An incremental update as a PDF editor saves one: a new object, its xref section and a trailer after %%EOF. */
function incrementalUpdate(pdf: Uint8Array) {
  const text = latin1(pdf);
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
  const size = Number([...text.matchAll(/\/Size (\d+)/g)].at(-1)![1]);
  const root = [...text.matchAll(/\/Root (\d+ \d+ R)/g)].at(-1)![1];
  const objectAt = pdf.length + 1;
  const object = `\n${size} 0 obj\n<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (Paid in full) >>\nendobj\n`;
  const xrefAt = pdf.length + object.length;
  const update =
    `${object}xref\n${size} 1\n${String(objectAt).padStart(10, '0')} 00000 n \n` +
    `trailer\n<< /Size ${size + 1} /Root ${root} /Prev ${prev} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return join(pdf, bytesOf(update));
}

async function unsignedPdf() {
  const doc = await PDFDocument.create();
  doc.addPage([300, 300]).drawText('An estimate, never sealed');
  return new Uint8Array(await doc.save());
}

describe('/verify answers in words', () => {
  it('the sealed file itself: verified, with its document, company, signer and that it is certified', async () => {
    const [a] = sealed;
    const { status, text } = await check({ file: a.bytes });
    expect(status).toBe(200);
    const said = words(text);
    expect(said).toContain('Verified. Sealed by us and unchanged.');
    expect(said).toContain('This is the exact file sealed through this portal.');
    expect(said).toContain(`Document Estimate ${a.number}`);
    expect(said).toContain('Company Verify Builders LLC');
    expect(said).toMatch(/Signed by Dana Reyes, \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(said).toContain('Certified: later changes show as a violation in PDF readers.');
    expect(text).toContain('<details class="verify-details">');
    expect(said).toContain(`File SHA-256 ${await sha256Hex(a.bytes)}`);
    expect(text).toContain(`href="/verify/${a.record}"`);
    // Pasting its SHA-256 says the same.
    const pasted = words((await check({ sha256: (await sha256Hex(a.bytes)).toUpperCase() })).text);
    expect(pasted).toContain('Verified. Sealed by us and unchanged.');
    expect(pasted).toContain('Signed by Dana Reyes');
  });

  it('the same file with its record gone: the seal alone says ours and unchanged, and that no record was found', async () => {
    const [a] = sealed;
    const sha = await sha256Hex(a.bytes);
    await db().update(signatures).set({ sealedPdfSha256: null }).where(eq(signatures.documentId, a.id));
    try {
      const said = words((await check({ file: a.bytes })).text);
      expect(said).toContain('Verified. Sealed by us and unchanged.');
      expect(said).toContain('No record of it was found here');
      expect(said).not.toContain('Dana Reyes');
      expect(said).toContain('Exact match with a sealed file No');
    } finally {
      await db().update(signatures).set({ sealedPdfSha256: sha }).where(eq(signatures.documentId, a.id));
    }
  });

  it('an incremental update appended after the seal: changed after sealing, how many bytes, and which document', async () => {
    const [a] = sealed;
    const updated = incrementalUpdate(a.bytes);
    const added = updated.length - a.bytes.length;
    const said = words((await check({ file: updated })).text);
    expect(said).toContain(
      `Sealed by us, then changed after sealing: ${added.toLocaleString('en-US')} bytes were appended (an incremental update).`,
    );
    expect(said).toContain(`The sealed part is this document: Document Estimate ${a.number}`);
    expect(said).toContain(
      `The part our seal covers is unchanged, and ${added.toLocaleString('en-US')} bytes were added after it: ` +
        'something was saved onto the end of the file afterwards',
    );
    expect(said).not.toContain('covers every byte');
    expect(said).not.toContain('Verified');
  });

  it('one byte changed inside the signed range, or the file cut short: sealed by us, but changed', async () => {
    const [a] = sealed;
    const changed = a.bytes.slice();
    changed[200] ^= 1;
    const said = words((await check({ file: changed })).text);
    expect(said).toContain('Sealed by us, but changed: the signed bytes no longer match the seal.');
    expect(said).not.toContain('Verified');
    expect(said).not.toContain('Dana Reyes');

    const cut = words((await check({ file: a.bytes.slice(0, a.bytes.length - 200) })).text);
    expect(cut).toContain('Sealed by us, but changed: the signed bytes no longer match the seal.');
    expect(cut).toContain('The file looks cut short');
  });

  it('the /Contents swapped with another sealed file’s CMS: sealed by us, but changed', async () => {
    const [a, b] = sealed;
    const ra = byteRange(a.bytes);
    const rb = byteRange(b.bytes);
    const cms = b.bytes.subarray(rb.contentsAt + 1, rb.gapEnd - 1);
    expect(cms.length).toBe(ra.gapEnd - ra.contentsAt - 2);
    const swapped = a.bytes.slice();
    swapped.set(cms, ra.contentsAt + 1);
    const said = words((await check({ file: swapped })).text);
    expect(said).toContain('Sealed by us, but changed: the signed bytes no longer match the seal.');
    expect(said).toContain('Our sealing certificate Yes');
  });

  it('a seal whose own signature fails names no certificate: the seal can’t be checked, nothing said is ours', async () => {
    const [a] = sealed;
    const { contentsAt, gapEnd } = byteRange(a.bytes);
    const hex = latin1(a.bytes.subarray(contentsAt + 1, gapEnd - 1));
    // The last byte of the CMS (its signature value), before the zero padding.
    const last = contentsAt + 1 + hex.replace(/0+$/, '').length - 1;
    const broken = a.bytes.slice();
    broken[last] = broken[last] === 0x61 ? 0x62 : 0x61;
    const said = words((await check({ file: broken })).text);
    expect(said).toContain('Sealed, but the seal can’t be checked: its signature doesn’t verify.');
    expect(said).toContain('Nothing shows who sealed this file or that it is unchanged');
    expect(said).toContain('Our sealing certificate No');
    expect(said).not.toContain('Sealed by us');
    expect(said).not.toContain('Verified');
    expect(said).not.toContain('Dana Reyes');
  });

  it('a look-alike certificate naming the same seal: a key that isn’t ours, until a row says it sealed here', async () => {
    const signer = { certificatePem: lookalikeCertificate, privateKeyPem: otherKey, label: 'look-alike' };
    const forged = await sealPdf(await unsignedPdf(), { signer, name: 'Verify Builders LLC' });
    const ours = await describeCertificate(env.SEAL_CERTIFICATE!);
    const theirs = await describeCertificate(lookalikeCertificate);
    expect(theirs.subject).toBe(ours.subject);
    const said = words((await check({ file: forged })).text);
    expect(said).toContain('Sealed by a key that isn’t ours.');
    expect(said).toContain(`It claims to be from ${ours.subject}; that is not our sealing certificate.`);
    expect(said).toContain('Signature Verifies over the bytes it covers');
    expect(said).toContain('Our sealing certificate No');
    expect(said).not.toContain('Verified');

    // A key rotation: a certificate that sealed a file here stays ours for /verify.
    const [row] = await db().select().from(signatures).where(eq(signatures.documentId, sealed[1].id));
    await db().update(signatures).set({ sealCertificateSha256: theirs.sha256 }).where(eq(signatures.id, row.id));
    try {
      const rotated = words((await check({ file: forged })).text);
      expect(rotated).toContain('Verified. Sealed by us and unchanged.');
      expect(rotated).toContain('No record of it was found here');
    } finally {
      await db()
        .update(signatures)
        .set({ sealCertificateSha256: row.sealCertificateSha256 })
        .where(eq(signatures.id, row.id));
    }
  });

  it('a seal carrying a timestamp says when the timestamp authority stamped it', async () => {
    const genTime = new Date('2026-11-02T09:30:00Z');
    vi.spyOn(globalThis, 'fetch').mockImplementation(fakeTsaFetch({ genTime }));
    const signer = {
      certificatePem: env.SEAL_CERTIFICATE!,
      privateKeyPem: env.SEAL_PRIVATE_KEY!,
      label: 'built-in key',
    };
    const stamped = await sealPdf(await unsignedPdf(), { signer, timestamp: { url: TSA_URL } });
    vi.restoreAllMocks();
    const said = words((await check({ file: stamped })).text);
    expect(said).toContain('Verified. Sealed by us and unchanged.');
    const authority = (await readSeal(stamped)).timestampAuthority;
    expect(authority).toBeTruthy();
    expect(said).toContain(`Time stamped 2026-11-02 09:30 UTC by ${authority}.`);
    expect(said).toContain(`Timestamp 2026-11-02 09:30 UTC, ${authority}`);
  });

  it('not a PDF, and a PDF without a seal: not sealed', async () => {
    const notPdf = words((await check({ file: bytesOf('Dear customer, here is your estimate.') })).text);
    expect(notPdf).toContain('Not sealed.');
    expect(notPdf).toContain('this file is not a PDF');
    const plain = words((await check({ file: await unsignedPdf() })).text);
    expect(plain).toContain('Not sealed.');
    expect(plain).toContain('Not a document we signed: this PDF carries no seal.');
  });

  it('the unsigned PDF’s hash, which the certificate page prints: says what it is and to upload the signed PDF', async () => {
    const [a] = sealed;
    const said = words((await check({ sha256: a.unsignedSha })).text);
    // Only what the unsigned file itself says: its label and company, not who signed, when, or the seal.
    expect(said).toContain(`Document Estimate ${a.number} Company Verify Builders LLC`);
    for (const hidden of ['Dana Reyes', 'Signed by', 'Sealed ', a.record, await sha256Hex(a.bytes)])
      expect(said).not.toContain(hidden);
    expect(said).toContain(
      `This is the SHA-256 of the unsigned PDF of Estimate ${a.number}, which its signature certificate prints. ` +
        'The signed file has its own SHA-256: upload the signed PDF to check it.',
    );
    expect(said).toContain('Company Verify Builders LLC');
    const nothing = words((await check({ sha256: 'ab'.repeat(32) })).text);
    expect(nothing).toContain('No document sealed here has this SHA-256.');
  });

  it('bad input: 422 with the message and the typed value kept; nothing but the rate limit is written', async () => {
    const empty = await check({});
    expect(empty.status).toBe(422);
    expect(words(empty.text)).toContain('Choose a PDF file or paste a SHA-256 (64 hexadecimal characters).');
    const typo = await check({ sha256: '  12ab-not-a-hash ' });
    expect(typo.status).toBe(422);
    expect(typo.text).toContain('value="12ab-not-a-hash"');
    expect(typo.text).toContain('<form');
  });

  it('a post without the CSRF token is refused (403), to /verify and to a record', async () => {
    const form = new FormData();
    form.set('sha256', 'ab'.repeat(32));
    for (const path of ['/verify', `/verify/${sealed[0].record}`]) {
      const res = await new Browser().fetch(path, { method: 'POST', body: form, headers: { Origin: BASE } });
      expect(res.status, path).toBe(403);
    }
  });

  it('the same check at once from one address: each answers alike, each counted once by the rate limit', async () => {
    const ip = '198.51.100.250';
    const answers = await Promise.all([1, 2, 3].map(() => check({ file: sealed[0].bytes }, '/verify', ip)));
    for (const a of answers) expect(words(a.text)).toContain('Verified. Sealed by us and unchanged.');
    const [limit] = await db()
      .select()
      .from(rateLimits)
      .where(eq(rateLimits.key, `verify:${ip}`));
    expect(limit.count).toBe(3);
  });

  it('one bucket of 30 checks an hour per address for /verify and every record page', async () => {
    const ip = '198.51.100.251';
    for (let i = 0; i < 15; i++) expect((await check({ sha256: 'cd'.repeat(32) }, '/verify', ip)).status).toBe(200);
    for (let i = 0; i < 15; i++)
      expect((await check({ file: sealed[1].bytes }, `/verify/${sealed[1].record}`, ip)).status).toBe(200);
    const limited = await check({ file: sealed[1].bytes }, `/verify/${sealed[1].record}`, ip);
    expect(limited.status).toBe(429);
    expect(words(limited.text)).toContain('Too many checks from your address. Try again in an hour.');
    expect((await check({ sha256: 'cd'.repeat(32) }, '/verify', ip)).status).toBe(429);
  });
});

describe('/verify/:record', () => {
  it('shows the record: document, company, signers, when it was sealed and the sealed file’s SHA-256', async () => {
    const [a] = sealed;
    const res = await visitor.get(`/verify/${a.record}`);
    expect(res.status).toBe(200);
    const said = words(await res.text());
    expect(said).toContain(`Record ${a.record}`);
    expect(said).toContain(`Document Estimate ${a.number}`);
    expect(said).toContain('Company Verify Builders LLC');
    expect(said).toContain('Signed by Dana Reyes');
    expect(said).toMatch(/Sealed \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(said).toContain(`Sealed file’s SHA-256 ${await sha256Hex(a.bytes)}`);
    expect(said).toContain('Check a file against this record');
  });

  it('names a countersignature as such', async () => {
    const [, b] = sealed;
    const [row] = await db().select().from(signatures).where(eq(signatures.documentId, b.id));
    await db()
      .insert(signatures)
      .values({
        ...row,
        id: `cs${row.id.slice(2)}`,
        contactId: null,
        userId: co.userId,
        outcome: 'countersigned',
        signerName: 'Casey Owner',
        signedAt: row.signedAt + 60_000,
        idempotencyKey: null,
      });
    try {
      const said = words(await (await visitor.get(`/verify/${b.record}`)).text());
      expect(said).toContain('Signed by Sam Patel');
      expect(said).toContain('Countersigned by Casey Owner');
    } finally {
      await db()
        .delete(signatures)
        .where(eq(signatures.id, `cs${row.id.slice(2)}`));
    }
  });

  it('an unknown, hostile or unsealed record is a 404 page in the public style', async () => {
    const declined = await sentToRecipient(co, 'estimate');
    const no = await declined.r.post(`/portal/documents/${declined.id}/decline`, {
      versionHash: declined.hash,
      reason: 'Too high',
    });
    expect(no.status).toBeLessThan(400);
    const [row] = await db()
      .select()
      .from(signatures)
      .where(and(eq(signatures.documentId, declined.id), isNull(signatures.sealedPdfSha256)));
    for (const id of ['nosuchrecord', 'x'.repeat(300), "a'b", row?.id ?? 'declinedrow']) {
      const res = await visitor.get(`/verify/${encodeURIComponent(id)}`);
      expect(res.status, id).toBe(404);
      const page = await res.text();
      const said = words(page);
      expect(said).toContain('Page not found');
      expect(said).toContain('No sealed document has this record number.');
      expect(page).toContain('<a href="/verify">Verify a signed document</a>');
    }
    const post = await check({ file: sealed[0].bytes }, '/verify/nosuchrecord');
    expect(post.status).toBe(404);
  });

  it('checks a file against the record: the one sealed for it, another sealed file, an altered copy, no file', async () => {
    const [a, b] = sealed;
    const same = words((await check({ file: a.bytes }, `/verify/${a.record}`)).text);
    expect(same).toContain(`This file is the one sealed for record ${a.record}.`);
    expect(same).toContain('It is unchanged since it was sealed.');

    const other = words((await check({ file: b.bytes }, `/verify/${a.record}`)).text);
    expect(other).toContain(`This file is not the one sealed for record ${a.record}. What it is:`);
    expect(other).toContain('Verified. Sealed by us and unchanged.');
    expect(other).toContain('Signed by Sam Patel');

    const appended = words((await check({ file: incrementalUpdate(a.bytes) }, `/verify/${a.record}`)).text);
    expect(appended).toContain(`This file is not the one sealed for record ${a.record}.`);
    expect(appended).toContain('Sealed by us, then changed after sealing');

    const none = await check({}, `/verify/${a.record}`);
    expect(none.status).toBe(422);
    expect(words(none.text)).toContain('Choose the signed PDF to check against this record.');
    expect(words(none.text)).toContain(`Record ${a.record}`);
  });
});

describe('uploads over the 30 MB limit are refused without reading past it', () => {
  const MB = 1024 * 1024;
  const BOUNDARY = '----verify';
  /** A multipart upload of `size` bytes, streamed on demand, counting what the Worker pulled. */
  function counted(size: number) {
    const head = bytesOf(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n` +
        'Content-Type: application/pdf\r\n\r\n%PDF-1.7\n',
    );
    const tail = bytesOf(`\r\n--${BOUNDARY}--\r\n`);
    const filler = new Uint8Array(256 * 1024).fill(0x41);
    const total = head.length + size + tail.length;
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(ctrl) {
          const chunk = pulled === 0 ? head : pulled >= head.length + size ? tail : filler;
          const part = chunk.subarray(0, Math.min(chunk.length, total - pulled));
          pulled += part.length;
          ctrl.enqueue(part);
          if (pulled >= total) ctrl.close();
        },
      },
      { highWaterMark: 0 },
    );
    return { body, total, pulled: () => pulled };
  }

  it('a declared Content-Length over the cap, and a chunked body over it, to /verify and to a record: 413', async () => {
    for (const path of ['/verify', `/verify/${sealed[0].record}`]) {
      await env.DB.exec('DELETE FROM rate_limits');
      const token = await visitor.csrf();
      const send = async (up: ReturnType<typeof counted>, headers: Record<string, string> = {}) => {
        const res = await visitor.fetch(`${path}?_csrf=${token}`, {
          method: 'POST',
          body: up.body,
          headers: { Origin: BASE, 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
        });
        const text = await res.text();
        await new Promise((r) => setTimeout(r, 50));
        return { status: res.status, text, pulled: up.pulled() };
      };
      const up = counted(31 * MB);
      const declared = await send(up, { 'Content-Length': String(up.total) });
      expect(declared.status, path).toBe(413);
      expect(declared.text).toContain('That file is larger than 30 MB; paste its SHA-256 instead.');
      expect(declared.pulled, path).toBeLessThan(MB);
      const chunked = await send(counted(40 * MB));
      expect(chunked.status, path).toBe(413);
      expect(chunked.text).toContain('larger than 30 MB');
      expect(chunked.pulled, path).toBeLessThanOrEqual(30 * MB + 64 * 1024 + MB);
    }
  });
});
