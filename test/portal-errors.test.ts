import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activity, comments, documents, files, orgs, outbox, portalSessions, signatures } from '../src/db/schema';
import { sha256Hex } from '../src/http/crypto';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { BASE, db, location, viaEdge } from './helpers';
import { openPortal, pdfFile, pngDataUrl, signatureDataUrl, uploadFile, versionHashOf, Visitor } from './hostile';
import { normalized, PNG, uploadLogo } from './portal-fixtures';

// Issue 13, "Errors in place, nothing lost": every portal form posts to the document's own address
// with an intent; a refusal comes back there with its message in the form and every value kept
// (the drawn signature too); declining and removing a file ask first; no address a recipient can
// land on is POST-only; an ended link or session shows the company's page with a way back in.

type Company = Awaited<ReturnType<typeof companyWithBudget>>;

let co: Company;
let owner: Visitor;
let other: Company;

const portal = (id: string) => `/portal/documents/${id}`;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Oak & Stone Builders' });
  owner = Visitor.from(co.browser);
  await uploadLogo(co.browser);
  other = await companyWithBudget({ company: 'Birch Lane Homes' });
}, 120_000);

/** A document sent to the company's customer, opened from its emailed link in a fresh browser. */
async function sent(kind = 'estimate', fields: Record<string, string> = { group: co.groups.demolition }, c = co) {
  const id = await createDocument(Visitor.from(c.browser), c.jobId, kind, fields);
  const { link } = await sendDocument(Visitor.from(c.browser), id);
  const r = await openPortal(link);
  return { id, link, r, hash: await versionHashOf(r, id) };
}

const decisions = (id: string) => db().select().from(signatures).where(eq(signatures.documentId, id));
const mailsFor = async (id: string) =>
  (await db().select().from(outbox).where(eq(outbox.documentId, id))).filter((m) => m.kind === 'fresh-link');

async function expireSession(browser: Visitor) {
  await db()
    .update(portalSessions)
    .set({ expiresAt: Date.now() - 1000 })
    .where(eq(portalSessions.id, await sha256Hex(browser.cookies.get('cp_portal')!)));
}

/** The element a refused form's message sits in: announced, focusable, focused on load by portal.js. */
const focusedError = (message: string) =>
  new RegExp(`<p[^>]*role="alert"[^>]*tabindex="-1"[^>]*data-focus-error(="true")?[^>]*>${message}`);

describe("the document's own address takes every portal form by its intent", () => {
  it('sign: 303 to the decision with a one-time notice', async () => {
    const { id, r, hash } = await sent();
    const res = await r.post(portal(id), {
      intent: 'sign',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
      versionHash: hash,
      idempotencyKey: crypto.randomUUID(),
    });
    expect(res.status, (await res.text()).slice(0, 300)).toBe(303);
    expect(location(res)).toBe(`${portal(id)}#decide`);
    const page = await (await r.get(portal(id))).text();
    expect(page).toContain('Thank you — your signature was recorded.');
    expect(await (await r.get(portal(id))).text()).not.toContain('Thank you — your signature was recorded.');
    expect(await decisions(id)).toHaveLength(1);
  });

  it('sign refused (no consent): 422 at the same address, the message in the form and focused, the name kept', async () => {
    // Consent is asked once per contact: the other company's customer has never signed.
    const { id, r, hash } = await sent('estimate', { group: other.groups.demolition }, other);
    const res = await r.post(portal(id), {
      intent: 'sign',
      name: 'Dana Q. Reyes',
      method: 'typed',
      versionHash: hash,
      idempotencyKey: crypto.randomUUID(),
    });
    const page = await res.text();
    expect(res.status).toBe(422);
    expect(page).toMatch(focusedError('Please read and agree'));
    expect(page).toContain('value="Dana Q. Reyes"');
    expect(page).toContain(`action="${portal(id)}#sign"`);
    expect(page).toContain('<script type="module" src="/portal.js"');
    // No name: the same, the consent box kept ticked.
    const noName = await r.post(portal(id), {
      intent: 'sign',
      name: ' ',
      method: 'typed',
      consent: 'yes',
      versionHash: hash,
    });
    const again = await noName.text();
    expect(noName.status).toBe(422);
    expect(again).toMatch(focusedError('Type your full legal name'));
    expect(again).toMatch(/name="consent" value="yes"[^>]*checked/);
    expect(await decisions(id)).toHaveLength(0);
  });

  it('a drawn signature comes back with a refused sign; anything that is not one never does', async () => {
    const { id, r } = await sent();
    const drawn = await signatureDataUrl();
    const base = { intent: 'sign', name: 'Dana Reyes', method: 'drawn', consent: 'yes' };
    // A stale version (the page was open while the contractor revised): 409, the pad's drawing kept.
    const stale = await r.post(portal(id), { ...base, signature: drawn, versionHash: '0'.repeat(64) });
    const page = await stale.text();
    expect(stale.status).toBe(409);
    expect(page).toContain(`value="${drawn}"`);
    // Junk is dropped: not a PNG, not base64, markup, a blank pad, a typed signature's leftovers.
    const blank = pngDataUrl(
      300,
      100,
      new Uint8Array(
        await new Response(
          new Blob([new Uint8Array(100 * 1201)]).stream().pipeThrough(new CompressionStream('deflate')),
        ).arrayBuffer(),
      ),
    );
    for (const [signature, method] of [
      [`data:image/png;base64,${btoa('not a png at all')}`, 'drawn'],
      ['data:image/png;base64,AAAA"><script>alert(1)</script>', 'drawn'],
      ['data:image/svg+xml;base64,PHN2Zz4=', 'drawn'],
      ['javascript:alert(1)', 'drawn'],
      [blank, 'drawn'],
      [drawn, 'typed'],
    ]) {
      const res = await r.post(portal(id), { ...base, method, signature, versionHash: '0'.repeat(64) });
      const body = await res.text();
      expect([409, 422]).toContain(res.status);
      expect(body).not.toContain(signature.slice(0, 60));
      expect(body).not.toContain('<script>alert');
    }
    expect(await decisions(id)).toHaveLength(0);
  });

  it('a drawn signature at its size limit fits the form cap of the address (and of /sign)', async () => {
    // Noise does not compress: a 400×300 RGBA pad is about 470 KB of PNG, near the 512 KB limit.
    const raw = new Uint8Array(300 * (1 + 400 * 4));
    for (let i = 0; i < raw.length; i += 65_536) crypto.getRandomValues(raw.subarray(i, i + 65_536));
    for (let y = 0; y < 300; y++) raw[y * 1601] = 0;
    const idat = new Uint8Array(
      await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer(),
    );
    const big = pngDataUrl(400, 300, idat);
    expect(big.length).toBeGreaterThan(600_000);
    for (const address of ['', '/sign']) {
      const { id, r, hash } = await sent();
      const res = await r.post(`${portal(id)}${address}`, {
        intent: 'sign',
        name: 'Dana Reyes',
        method: 'drawn',
        consent: 'yes',
        signature: big,
        versionHash: hash,
        idempotencyKey: crypto.randomUUID(),
      });
      expect(res.status, `${address || 'the document'}: ${(await res.text()).slice(0, 300)}`).toBe(303);
      expect((await decisions(id))[0]).toMatchObject({ outcome: 'signed', method: 'drawn' });
    }
  }, 60_000);

  it('decline without confirm=yes only asks (200), the reason kept; with it, declines (303 to the decision)', async () => {
    const { id, r, hash } = await sent();
    for (const address of [portal(id), `${portal(id)}/decline`]) {
      const ask = await r.post(address, { intent: 'decline', reason: 'Too dear for us', versionHash: hash });
      const page = await ask.text();
      expect(ask.status).toBe(200);
      expect(page).toContain('name="confirm" value="yes"');
      expect(page).toContain('Too dear for us');
      expect(await decisions(id)).toHaveLength(0);
    }
    const [doc] = await db().select().from(documents).where(eq(documents.id, id));
    expect(doc.status).toBe('viewed');
    const res = await r.post(portal(id), {
      intent: 'decline',
      reason: 'Too dear for us',
      versionHash: hash,
      confirm: 'yes',
    });
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`${portal(id)}#decide`);
    expect(await decisions(id)).toMatchObject([{ outcome: 'declined', reason: 'Too dear for us' }]);
  });

  it('two confirmed declines at once: one declines, the other is told, one decision recorded', async () => {
    const { id, r, hash } = await sent();
    const form = { intent: 'decline', reason: 'No', versionHash: hash, confirm: 'yes' };
    const answers = await Promise.all([r.post(portal(id), form), r.post(`${portal(id)}/decline`, form)]);
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(await refused.text()).toContain('no longer awaiting');
    expect(await decisions(id)).toHaveLength(1);
    const logged = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.documentId, id), eq(activity.action, 'declined')));
    expect(logged).toHaveLength(1);
  });

  it('comment: 303 to the comment; an empty one is refused in the form (422); a long one keeps its text', async () => {
    const { id, r } = await sent();
    const ok = await r.post(portal(id), { intent: 'comment', body: 'Is the tile included?' });
    expect(ok.status).toBe(303);
    expect(location(ok)).toMatch(new RegExp(`^${portal(id)}#comment-[a-z0-9]+$`));

    const empty = await r.post(portal(id), { intent: 'comment', body: '   ' });
    const page = await empty.text();
    expect(empty.status).toBe(422);
    expect(page).toMatch(focusedError('Write a comment before posting.'));
    // The refusal takes the form's anchor (#comment-form): without scripts the browser focuses the element it names.
    expect(page).toContain(`<form method="post" action="${portal(id)}#comment-form"`);
    expect(page).toMatch(/<p class="error" id="comment-form" role="alert" tabindex="-1"/);
    expect(page).toContain('aria-describedby="comment-form"');
    expect(page.match(/id="comment-form"/g)).toHaveLength(1);

    const long = 'A question that goes on. '.repeat(210);
    const tooLong = await r.post(portal(id), { intent: 'comment', body: long });
    const kept = await tooLong.text();
    expect(tooLong.status).toBe(422);
    expect(kept).toContain(`>${long.trim()}</textarea>`);
    expect(await db().select().from(comments).where(eq(comments.documentId, id))).toHaveLength(1);

    // The live page's script posts JSON to the same address.
    const json = await r.fetch(portal(id), {
      method: 'POST',
      body: JSON.stringify({ intent: 'comment', body: 'From the script' }),
      headers: {
        Origin: BASE,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-CSRF-Token': await r.csrf(),
      },
    });
    expect(json.status).toBe(201);
    expect(await json.json()).toMatchObject({ ok: true });
  });

  it('bid: a refused bid keeps every value (422); a good one goes to the decision (303)', async () => {
    const bidId = await createDocument(owner, co.jobId, 'bid_request', { group: co.groups.electrical });
    const vendor = await openPortal((await sendDocument(owner, bidId)).link);
    const page = await (await vendor.get(portal(bidId))).text();
    const line = /name="cost\.([a-z0-9]+)"/.exec(page)![1];
    const hash = await versionHashOf(vendor, bidId);
    const bad = await vendor.post(portal(bidId), {
      intent: 'bid',
      [`cost.${line}`]: '12,5',
      note: 'Kept note',
      versionHash: hash,
    });
    const again = await bad.text();
    expect(bad.status).toBe(422);
    expect(again).toContain('value="12,5"');
    expect(again).toContain('Kept note');
    const good = await vendor.post(portal(bidId), { intent: 'bid', [`cost.${line}`]: '12.50', versionHash: hash });
    expect(good.status).toBe(303);
    expect(location(good)).toBe(`${portal(bidId)}#decide`);
  });

  it('an unknown or missing intent: 400 with a clear page, nothing written; not theirs or no session: 404', async () => {
    const { id, r, hash } = await sent();
    for (const intent of [undefined, '', 'delete', '__proto__', 'constructor', 'toString', 'SIGN']) {
      const form: Record<string, string> = { name: 'Dana Reyes', consent: 'yes', versionHash: hash, body: 'x' };
      if (intent !== undefined) form.intent = intent;
      const res = await r.post(portal(id), form);
      const page = await res.text();
      expect(res.status, `intent ${intent}`).toBe(400);
      expect(page).toContain('That form could not be sent');
      expect(page).toContain(`href="${portal(id)}"`);
    }
    const json = await r.post(portal(id), { intent: 'nope' }, { headers: { Accept: 'application/json' } });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: expect.stringContaining('Nothing was changed') });
    expect(await decisions(id)).toHaveLength(0);
    expect(await db().select().from(comments).where(eq(comments.documentId, id))).toHaveLength(0);

    // Another company's document, or none at all: the stranger's 404 whatever the intent.
    const foreign = await sent('estimate', { group: other.groups.demolition }, other);
    for (const intent of ['sign', 'decline', 'comment', 'bid', 'nope']) {
      const res = await r.post(portal(foreign.id), { intent, name: 'X', consent: 'yes', confirm: 'yes', body: 'x' });
      expect(res.status, intent).toBe(404);
      expect(await res.text()).not.toContain('Birch Lane');
      const stranger = await new Visitor().post(portal(id), { intent, name: 'X', consent: 'yes', body: 'x' });
      expect(stranger.status).toBe(404);
    }
    expect(await decisions(foreign.id)).toHaveLength(0);
  });
});

describe('no address a recipient can land on is POST-only', () => {
  it('GET of each form address leads to its form on the document; without a session, the portal page, never the sign-in', async () => {
    const { id, r } = await sent();
    const fileId = await uploadFile(r, portal(id), pdfFile('mine.pdf'));
    const anchors: Record<string, string> = {
      sign: 'sign',
      decline: 'decline',
      bid: 'bid',
      comments: 'comment-form',
      files: 'files',
      [`files/${fileId}/remove`]: 'files',
    };
    for (const [sub, anchor] of Object.entries(anchors)) {
      const res = await r.get(`${portal(id)}/${sub}`);
      expect(res.status, sub).toBe(303);
      expect(location(res)).toBe(`${portal(id)}#${anchor}`);
      for (const who of [new Visitor(), Visitor.from(co.browser)]) {
        const refused = await who.get(`${portal(id)}/${sub}`);
        const body = await refused.text();
        expect(refused.status, sub).toBe(404);
        expect(location(refused)).toBe('');
        expect(body).toContain('Open the link from your email to see this document');
        expect(body).not.toContain('sign-in');
      }
    }
    // Nothing was removed by reopening the removal's address.
    const [file] = await db().select().from(files).where(eq(files.id, fileId));
    expect(file.removedAt).toBeNull();
    // Any other /portal address is the portal's 404 too, even signed in to the portal.
    const unknown = await r.get('/portal/no-such-page');
    expect(unknown.status).toBe(404);
    expect(location(unknown)).toBe('');
  });
});

describe('removing a file asks first', () => {
  it('Remove shows "Remove plan.pdf?" at the files; Remove removes, Keep keeps; not theirs: 404', async () => {
    const { id, r } = await sent();
    const mine = await uploadFile(r, portal(id), pdfFile('plan.pdf'));
    const theirs = await uploadFile(owner, `/documents/${id}`, pdfFile('contract.pdf'));

    const ask = await r.post(`${portal(id)}/files/${mine}/remove`);
    const page = await ask.text();
    expect(ask.status).toBe(200);
    expect(page).toContain('<strong>Remove plan.pdf?</strong> Everyone on this document will stop seeing it.');
    expect(page).toMatch(/class="confirm-box"[^>]*tabindex="-1" autofocus data-focus-error/);
    expect(page).toContain(`action="${portal(id)}/files/${mine}/remove"`);
    expect(page).toContain(`<a class="btn" href="${portal(id)}#files">Keep</a>`);
    expect((await db().select().from(files).where(eq(files.id, mine)))[0].removedAt).toBeNull();

    // The contractor's file, another account, no session: the same 404 as no file.
    for (const [who, fileId] of [
      [r, theirs],
      [r, 'zzzzzzzzzzzzzzzzzzzzzzzz'],
      [new Visitor(), mine],
    ] as const) {
      expect((await who.post(`${portal(id)}/files/${fileId}/remove`)).status).toBe(404);
      expect((await who.post(`${portal(id)}/files/${fileId}/remove`, { confirm: 'yes' })).status).toBe(404);
    }
    const foreign = await sent('estimate', { group: other.groups.demolition }, other);
    expect((await foreign.r.post(`${portal(id)}/files/${mine}/remove`, { confirm: 'yes' })).status).toBe(404);

    // Two confirmed removals at once: one removes, the other finds nothing; one line in the timeline.
    const both = await Promise.all([
      r.post(`${portal(id)}/files/${mine}/remove`, { confirm: 'yes' }),
      r.post(`${portal(id)}/files/${mine}/remove`, { confirm: 'yes' }),
    ]);
    expect(both.map((b) => b.status).sort()).toEqual([303, 404]);
    expect(location(both.find((b) => b.status === 303)!)).toBe(`${portal(id)}#files-h`);
    expect((await db().select().from(files).where(eq(files.id, mine)))[0].removedAt).not.toBeNull();
    const removed = await db()
      .select()
      .from(activity)
      .where(and(eq(activity.documentId, id), eq(activity.action, 'file_removed')));
    expect(removed).toHaveLength(1);
    // The contractor's Remove asks first too (issue 14); confirm=yes removes.
    const direct = await owner.post(`/documents/${id}/files/${theirs}/remove`, { confirm: 'yes' });
    expect(direct.status).toBe(303);
    expect((await db().select().from(files).where(eq(files.id, theirs)))[0].removedAt).not.toBeNull();
  });
});

describe('a refused upload comes back in the files section', () => {
  async function upload(r: Visitor, id: string, list: File[]) {
    const form = new FormData();
    for (const f of list) form.append('files', f);
    return r.postMultipart(`${portal(id)}/files`, form);
  }

  it('empty, a bad type, too big: 303 to #files, the message shown there once, never in the address bar', async () => {
    const { id, r } = await sent();
    const cases: [File[], string][] = [
      [[], 'Choose one or more files to upload.'],
      [[new File(['MZ'], 'setup.exe', { type: 'application/octet-stream' })], 'setup.exe'],
      [
        [new File([new Uint8Array(1_100_000)], 'huge.pdf', { type: 'application/pdf' })],
        'huge.pdf is larger than 1 MB',
      ],
    ];
    await db().update(orgs).set({ maxUploadMb: 1 }).where(eq(orgs.id, co.orgId));
    try {
      for (const [list, message] of cases) {
        const res = await upload(r, id, list);
        expect(res.status, message).toBe(303);
        expect(location(res)).toBe(`${portal(id)}#files`);
        const page = await (await r.get(portal(id))).text();
        const error =
          /<p class="error" id="files" role="alert" tabindex="-1" autofocus data-focus-error="true">([^<]*)<\/p>/.exec(
            page,
          );
        expect(error?.[1], page.slice(0, 200)).toContain(message);
        expect(page).toContain('aria-describedby="files"');
        expect(page.match(/id="files"/g)).toHaveLength(1);
        expect(page).not.toMatch(/class="notice"[^>]*>[^<]*(Choose one|setup\.exe|huge\.pdf)/);
        // Once: a reload shows the section without it.
        expect(await (await r.get(portal(id))).text()).not.toContain('role="alert" tabindex="-1" autofocus');
      }
    } finally {
      await db().update(orgs).set({ maxUploadMb: 25 }).where(eq(orgs.id, co.orgId));
    }
    expect(await db().select().from(files).where(eq(files.documentId, id))).toHaveLength(0);
    // A script asking for JSON gets the refusal as JSON, as before.
    const form = new FormData();
    const json = await r.fetch(`${portal(id)}/files?_csrf=${await r.csrf()}`, {
      method: 'POST',
      body: form,
      headers: { Origin: BASE, Accept: 'application/json' },
    });
    expect(json.status).toBe(422);
  });

  it("the message belongs to its document: another document's page opened meanwhile does not show it", async () => {
    const { id, r } = await sent();
    const other = (await sent()).id;
    expect((await upload(r, id, [])).status).toBe(303);
    const elsewhere = await (await r.get(portal(other))).text();
    expect(elsewhere).not.toContain('Choose one or more files to upload.');
    const here = await (await r.get(portal(id))).text();
    expect(here).toContain('Choose one or more files to upload.');
  });
});

describe('an ended session or link', () => {
  it("an expired session: the company's page (404) with the masked address and a new-link button, nothing of the document", async () => {
    const { id, r } = await sent();
    await expireSession(r);
    const res = await r.get(portal(id));
    const page = await res.text();
    expect(res.status).toBe(404);
    expect(page).toContain('<h1>This page has expired</h1>');
    expect(page).toContain('<span>Oak &amp; Stone Builders</span>');
    expect(page).toContain(`src="/brand/${co.orgId}/logo"`);
    expect(page).toContain('href="/brand.css?c=');
    expect(page).toContain(`<strong>${co.customerContact.email[0]}•••@example.test</strong>`);
    expect(page).not.toContain(co.customerContact.email);
    expect(page).toContain('Email me a new link');
    expect(page).toContain(`name="document" value="${id}"`);
    for (const secret of ['EST-', 'Remove cabinets', 'Page not found', 'href="/"', '/sign-in'])
      expect(page).not.toContain(secret);

    // Another company's document id, or one that never existed: the same page, only the echo differs.
    const foreign = await sent('estimate', { group: other.groups.demolition }, other);
    const strip = (s: string, d: string) => normalized(s).split(d).join('ID');
    for (const d of [foreign.id, 'zzzzzzzzzzzzzzzzzzzzzzzz']) {
      const same = await r.get(portal(d));
      expect(same.status).toBe(404);
      expect(strip(await same.text(), d)).toBe(strip(page, id));
    }

    // The logo comes from a route that needs no session; an unknown company has none.
    const logo = await new Visitor().get(`/brand/${co.orgId}/logo`);
    expect(logo.status).toBe(200);
    expect(new Uint8Array(await logo.arrayBuffer())).toEqual(PNG);
    expect(logo.headers.get('Content-Security-Policy')).toContain('sandbox');
    expect((await new Visitor().get('/brand/zzzzzzzzzzzzzzzzzzzzzzzz/logo')).status).toBe(404);
    expect((await new Visitor().get(`/brand/${other.orgId}/logo`)).status).toBe(404);
  });

  it('"Email me a new link" from an ended session mails the address on file a link to that document', async () => {
    const { id, r } = await sent();
    const newer = await sent('estimate', { group: co.groups.electrical });
    await expireSession(r);
    const before = (await mailsFor(id)).length;
    const res = await r.post('/p/fresh-link', { document: id }, viaEdge('198.51.100.20'));
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain(
      `We are emailing a new link to <strong>${co.customerContact.email[0]}•••@example.test</strong>`,
    );
    const mails = await mailsFor(id);
    expect(mails).toHaveLength(before + 1);
    expect(mails.at(-1)!.toEmail).toBe(co.customerContact.email);
    const link = new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(mails.at(-1)!.text)![0]).pathname;
    const again = new Visitor();
    const opened = await again.get(link);
    expect(location(opened)).toBe(portal(id));

    // From the portal home (no document named) the newest document the contact can see.
    const home = new Visitor();
    home.cookies = new Map(r.cookies);
    const fromHome = (await mailsFor(newer.id)).length;
    expect((await home.get('/portal')).status).toBe(404);
    await home.post('/p/fresh-link', {}, viaEdge('198.51.100.21'));
    expect(await mailsFor(newer.id)).toHaveLength(fromHome + 1);

    // A document the contact cannot see is never mailed; the newest of theirs is, instead.
    const foreign = await sent('estimate', { group: other.groups.demolition }, other);
    await home.post('/p/fresh-link', { document: foreign.id }, viaEdge('198.51.100.22'));
    expect(await mailsFor(foreign.id)).toHaveLength(0);
  });

  it('five requests at once from one ended session: three emails (the per-document limit), the same answer to all', async () => {
    const { id, r } = await sent();
    await expireSession(r);
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => r.post('/p/fresh-link', { document: id }, viaEdge(`198.51.100.${40 + i}`))),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const bodies = new Set(await Promise.all(answers.map(async (a) => normalized(await a.text()))));
    expect(bodies.size).toBe(1);
    expect(await mailsFor(id)).toHaveLength(3);
  });

  it('a revoked contact: the page says the link was turned off, offers no new link, and asking sends nothing', async () => {
    const c = await companyWithBudget({ company: 'Revoking Builders' });
    const id = await createDocument(Visitor.from(c.browser), c.jobId, 'estimate', { group: c.groups.demolition });
    const r = await openPortal((await sendDocument(Visitor.from(c.browser), id)).link);
    expect(
      (await c.browser.post(`/accounts/${c.customerId}/contacts/${c.customerContact.id}/revoke`, { confirm: 'yes' }))
        .status,
    ).toBe(303);
    const page = await (await r.get(portal(id))).text();
    expect(page).toContain('<h1>This link no longer works</h1>');
    expect(page).toContain('<span>Revoking Builders</span>');
    expect(page).not.toContain('•••');
    expect(page).not.toContain('action="/p/fresh-link"');
    await r.post('/p/fresh-link', { document: id }, viaEdge('198.51.100.60'));
    expect(await mailsFor(id)).toHaveLength(0);
  });

  it('no cookie, or one we never issued: one plain page, 404, naming nobody, whatever the document', async () => {
    const { id } = await sent();
    const stranger = new Visitor();
    const garbage = new Visitor();
    garbage.cookies.set('cp_portal', 'A'.repeat(43));
    const pages = new Set<string>();
    for (const who of [stranger, garbage]) {
      for (const path of [portal(id), portal('zzzzzzzzzzzzzzzzzzzzzzzz'), '/portal', `${portal(id)}.pdf`]) {
        const res = await who.get(path);
        const body = await res.text();
        expect(res.status).toBe(404);
        expect(body).toContain('<h1>Open the link from your email to see this document</h1>');
        expect(body).toContain('ask the person who sent you the document to send it again');
        for (const secret of ['Oak &amp; Stone', 'EST-', '/sign-in', 'href="/"', 'Page not found'])
          expect(body).not.toContain(secret);
        pages.add(normalized(body));
      }
    }
    expect(pages.size).toBe(1);
    // Asking for a new link with neither a link nor a session: the plain answer, nothing sent.
    const before = (await mailsFor(id)).length;
    const asked = await garbage.post('/p/fresh-link', { document: id }, viaEdge('198.51.100.70'));
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain('If this link came from us');
    expect(await mailsFor(id)).toHaveLength(before);
  });
});
