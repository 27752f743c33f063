import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { files } from '../src/db/schema';
import { BASE, Browser, db } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { PNG } from './portal-fixtures';

// Finding 3: an upload is read only after its sender is known, and never past a cap. Each test sends
// a body as a ReadableStream that counts the bytes the Worker pulls from it: a refusal that pulled
// little never held the body in memory, whatever the body's size.

const MB = 1024 * 1024;
const CHUNK = 64 * 1024;
const BOUNDARY = '----counted';

/** A multipart upload of one PDF of `size` bytes, streamed chunk by chunk on demand, counting what was pulled. */
function countedUpload(size: number, field = 'files', name = 'big.pdf') {
  const head = new TextEncoder().encode(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n` +
      'Content-Type: application/pdf\r\n\r\n%PDF-1.4\n',
  );
  const tail = new TextEncoder().encode(`\r\n--${BOUNDARY}--\r\n`);
  const filler = new Uint8Array(CHUNK).fill(0x41);
  let sent = 0;
  let pulled = 0;
  const total = head.byteLength + size + tail.byteLength;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(ctrl) {
        let chunk: Uint8Array;
        if (sent === 0) chunk = head;
        else if (sent >= head.byteLength + size) chunk = tail;
        else chunk = filler.subarray(0, Math.min(CHUNK, head.byteLength + size - sent));
        sent += chunk.byteLength;
        pulled += chunk.byteLength;
        ctrl.enqueue(chunk);
        if (sent >= total) ctrl.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { body, pulled: () => pulled, total };
}

/** POSTs a counted body; `declared` sends a Content-Length header (else the body is chunked). */
async function send(
  browser: Browser,
  path: string,
  upload: ReturnType<typeof countedUpload>,
  headers: Record<string, string> = {},
) {
  const res = await browser.fetch(path, {
    method: 'POST',
    body: upload.body,
    headers: { Origin: BASE, 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
  });
  const text = await res.text();
  // Let the runtime finish whatever it does with an unread body before counting.
  await new Promise((r) => setTimeout(r, 50));
  return { status: res.status, text, pulled: upload.pulled() };
}

const report: string[] = [];
const note = (label: string, pulled: number, status: number) =>
  report.push(`${label}: answered ${status} after pulling ${pulled} bytes (${(pulled / MB).toFixed(2)} MB)`);

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let docId: string;
let recipient: Browser;

beforeAll(async () => {
  co = await companyWithBudget();
  docId = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
  const { link } = await sendDocument(co.browser, docId);
  recipient = new Browser();
  expect((await recipient.get(link)).status).toBe(303);
});

describe('an anonymous 90 MB upload is refused before its body is read', () => {
  it('with a free CSRF cookie and the token in the body only: 403 having pulled under 1 MB', async () => {
    const stranger = new Browser();
    await stranger.csrf();
    const up = countedUpload(90 * MB);
    const r = await send(stranger, `/documents/${docId}/files`, up);
    note('anonymous, token not in header/URL', r.pulled, r.status);
    expect(r.status).toBe(403);
    expect(r.pulled).toBeLessThan(MB);
  });

  it('with the token in the URL but no session: 401 (dashboard) and 404 (portal), each under 1 MB pulled', async () => {
    const stranger = new Browser();
    const token = await stranger.csrf();
    const dash = await send(stranger, `/documents/${docId}/files?_csrf=${token}`, countedUpload(90 * MB));
    note('anonymous to the dashboard upload, token in URL', dash.pulled, dash.status);
    expect(dash.status).toBe(401);
    expect(dash.pulled).toBeLessThan(MB);
    const portal = await send(stranger, `/portal/documents/${docId}/files?_csrf=${token}`, countedUpload(90 * MB));
    note('anonymous to the portal upload, token in URL', portal.pulled, portal.status);
    expect(portal.status).toBe(404);
    expect(portal.pulled).toBeLessThan(MB);
    const header = await send(stranger, `/portal/documents/${docId}/files`, countedUpload(90 * MB), {
      'X-CSRF-Token': token,
    });
    expect(header.status).toBe(404);
    expect(header.pulled).toBeLessThan(MB);
  });

  it('eight at once from eight strangers: every one refused, none read', async () => {
    const strangers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const b = new Browser();
        return { b, token: await b.csrf() };
      }),
    );
    const results = await Promise.all(
      strangers.map(({ b, token }, i) =>
        send(b, `${i % 2 ? '/portal' : ''}/documents/${docId}/files?_csrf=${token}`, countedUpload(90 * MB)),
      ),
    );
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe(i % 2 ? 404 : 401);
      expect(r.pulled).toBeLessThan(MB);
    }
  });

  it('a declared Content-Length past the cap is refused with 413 before anything is read', async () => {
    const stranger = new Browser();
    const token = await stranger.csrf();
    const up = countedUpload(90 * MB);
    const r = await send(stranger, `/portal/documents/${docId}/files?_csrf=${token}`, up, {
      'Content-Length': String(up.total),
    });
    note('anonymous, Content-Length 90 MB', r.pulled, r.status);
    expect(r.status).toBe(413);
    expect(r.pulled).toBeLessThan(MB);
  });
});

describe('a signed-in over-cap upload is read only up to its cap', () => {
  const CAP = 32 * MB;
  const SLACK = MB;

  it('the contractor: 413 having pulled at most the 32 MB cap (chunked), nothing stored', async () => {
    const before = await db().$count(files, eq(files.documentId, docId));
    const up = countedUpload(90 * MB);
    const r = await send(co.browser, `/documents/${docId}/files?_csrf=${await co.browser.csrf()}`, up);
    note('contractor, 90 MB chunked', r.pulled, r.status);
    expect(r.status).toBe(413);
    expect(r.text).toContain('larger than we accept in one go (32 MB)');
    expect(r.text).toContain('<a href="/">Go to the home page</a>');
    expect(r.pulled).toBeGreaterThan(CAP);
    expect(r.pulled).toBeLessThanOrEqual(CAP + SLACK);
    expect(await db().$count(files, eq(files.documentId, docId))).toBe(before);
  });

  it('the recipient: 413 having pulled at most the cap; with a declared Content-Length, before reading', async () => {
    const token = await recipient.csrf();
    const chunked = await send(recipient, `/portal/documents/${docId}/files?_csrf=${token}`, countedUpload(90 * MB));
    note('recipient, 90 MB chunked', chunked.pulled, chunked.status);
    expect(chunked.status).toBe(413);
    expect(chunked.pulled).toBeLessThanOrEqual(CAP + SLACK);
    // Its page leads back to the document, never to the contractor's sign-in (the home page).
    expect(chunked.text).toContain(`<a href="/portal/documents/${docId}">Back to the document</a>`);
    expect(chunked.text).not.toContain('href="/"');
    const up = countedUpload(40 * MB);
    const declared = await send(recipient, `/portal/documents/${docId}/files`, up, {
      'X-CSRF-Token': token,
      'Content-Length': String(up.total),
    });
    note('recipient, Content-Length 40 MB', declared.pulled, declared.status);
    expect(declared.status).toBe(413);
    expect(declared.pulled).toBeLessThan(MB);
  });

  it('a body under the cap with one file over the per-file limit still gets the per-file message (422)', async () => {
    const up = countedUpload(26 * MB);
    const r = await send(co.browser, `/documents/${docId}/files?_csrf=${await co.browser.csrf()}`, up);
    expect(r.status).toBe(422);
    expect(r.text).toContain('larger than 25 MB');
    expect(r.pulled).toBe(up.total);
  });

  it('the logo: 413 having pulled at most 1 MB and a little', async () => {
    const up = countedUpload(90 * MB, 'logo', 'logo.png');
    const r = await send(co.browser, `/settings/logo?_csrf=${await co.browser.csrf()}`, up);
    note('logo, 90 MB chunked', r.pulled, r.status);
    expect(r.status).toBe(413);
    expect(r.text).toContain('The logo must be at most 1 MB.');
    expect(r.pulled).toBeLessThanOrEqual(MB + 64 * 1024 + SLACK);
    expect((await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, co.orgId) }))!.logoKey).toBeNull();
  });

  it('a form body (urlencoded) to an upload address is capped like any form: 1 MB, even before the session', async () => {
    const stranger = new Browser();
    await stranger.csrf();
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(ctrl) {
          const chunk = new TextEncoder().encode(`${pulled === 0 ? '_csrf=x&pad=' : ''}${'x'.repeat(CHUNK)}`);
          pulled += chunk.byteLength;
          ctrl.enqueue(chunk);
          if (pulled > 90 * MB) ctrl.close();
        },
      },
      { highWaterMark: 0 },
    );
    const res = await stranger.fetch(`/portal/documents/${docId}/files`, {
      method: 'POST',
      body,
      headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    await res.text();
    await new Promise((r) => setTimeout(r, 50));
    note('anonymous urlencoded 90 MB chunked to an upload address', pulled, res.status);
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(2 * MB + SLACK);
  });
});

describe('/verify refuses past its own 30 MB limit without reading further', () => {
  it('chunked: 413 having pulled at most 30 MB and a little; declared: 413 before reading', async () => {
    await env.DB.exec('DELETE FROM rate_limits');
    const stranger = new Browser();
    const token = await stranger.csrf();
    const chunked = await send(stranger, `/verify?_csrf=${token}`, countedUpload(90 * MB, 'file', 'signed.pdf'));
    note('/verify, 90 MB chunked', chunked.pulled, chunked.status);
    expect(chunked.status).toBe(413);
    expect(chunked.text).toContain('larger than 30 MB');
    expect(chunked.pulled).toBeLessThanOrEqual(30 * MB + 64 * 1024 + MB);
    const up = countedUpload(31 * MB, 'file', 'signed.pdf');
    const declared = await send(stranger, `/verify?_csrf=${token}`, up, { 'Content-Length': String(up.total) });
    note('/verify, Content-Length 31 MB', declared.pulled, declared.status);
    expect(declared.status).toBe(413);
    expect(declared.pulled).toBeLessThan(MB);
  });
});

/** The upload form of a page, as a browser without scripts submits it: its action and its other fields. */
function uploadForm(html: string, path: string) {
  const at = html.indexOf(`action="${path}?_csrf=`);
  if (at < 0) throw new Error(`no upload form posting to ${path}`);
  const action = /action="([^"]*)"/.exec(html.slice(at))![1].replace(/&amp;/g, '&');
  const form = html.slice(at, html.indexOf('</form>', at));
  const fields = [...form.matchAll(/<input\b[^>]*\bname="([^"]*)"[^>]*\bvalue="([^"]*)"/g)].map((m) => [m[1], m[2]]);
  return { action, fields, hasFileInput: /type="file"/.test(form) };
}

describe('the upload forms work without scripts: the token rides in the action URL', () => {
  const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

  it('the contractor and the recipient share a file through the plain form; a body-only token is refused', async () => {
    for (const [b, page, path] of [
      [co.browser, `/documents/${docId}`, `/documents/${docId}/files`],
      [recipient, `/portal/documents/${docId}`, `/portal/documents/${docId}/files`],
    ] as const) {
      const html = await (await b.get(page)).text();
      const { action, fields, hasFileInput } = uploadForm(html, path);
      expect(hasFileInput).toBe(true);
      expect(action).toBe(`${path}?_csrf=${await b.csrf()}`);
      const form = new FormData();
      for (const [k, v] of fields) form.append(k, v);
      form.append('files', new File([PDF], `plain-${b === recipient ? 'r' : 'c'}.pdf`, { type: 'application/pdf' }));
      const res = await b.fetch(action, { method: 'POST', body: form, headers: { Origin: BASE } });
      expect(res.status).toBe(303);
      expect(res.headers.get('Location')).toBe(`${page}#files-h`);

      const old = new FormData();
      old.set('_csrf', await b.csrf());
      old.append('files', new File([PDF], 'body-token.pdf', { type: 'application/pdf' }));
      expect((await b.fetch(path, { method: 'POST', body: old, headers: { Origin: BASE } })).status).toBe(403);
    }
    const names = (await db().select().from(files).where(eq(files.documentId, docId))).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['plain-c.pdf', 'plain-r.pdf']));
    expect(names).not.toContain('body-token.pdf');
  });

  it('a script uploads with the X-CSRF-Token header and gets JSON', async () => {
    const form = new FormData();
    form.append('files', new File([PDF], 'scripted.pdf', { type: 'application/pdf' }));
    const res = await co.browser.fetch(`/documents/${docId}/files`, {
      method: 'POST',
      body: form,
      headers: { Origin: BASE, Accept: 'application/json', 'X-CSRF-Token': await co.browser.csrf() },
    });
    expect(res.status).toBe(201);
    expect((await res.json()) as { files: { name: string }[] }).toMatchObject({ files: [{ name: 'scripted.pdf' }] });
  });

  it('the logo form and the verify form post with the token in their action', async () => {
    const settings = uploadForm(await (await co.browser.get('/settings')).text(), '/settings/logo');
    const logo = new FormData();
    for (const [k, v] of settings.fields) logo.append(k, v);
    logo.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
    const saved = await co.browser.fetch(settings.action, { method: 'POST', body: logo, headers: { Origin: BASE } });
    expect(saved.status).toBe(303);
    expect((await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, co.orgId) }))!.logoKey).not.toBeNull();

    await env.DB.exec('DELETE FROM rate_limits');
    const visitor = new Browser();
    const verify = uploadForm(await (await visitor.get('/verify')).text(), '/verify');
    const check = new FormData();
    for (const [k, v] of verify.fields) check.append(k, v);
    check.set('file', new File([PDF], 'any.pdf', { type: 'application/pdf' }));
    const res = await visitor.fetch(verify.action, { method: 'POST', body: check, headers: { Origin: BASE } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Not a document we signed');
  });
});

afterAll(() =>
  console.info(`upload memory bound (bytes the Worker pulled before answering):\n  ${report.join('\n  ')}`),
);
