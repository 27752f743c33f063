import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../src/index';
import { outbox, signatures } from '../src/db/schema';
import type { Env } from '../src/env';
import { callWorker, countingD1, faultyR2, formPost, multipartPost, r2Keys, withRoomD1 } from './bindings';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db, uniqueEmail } from './helpers';
import { openLink, PNG } from './portal-fixtures';

// Issue 7, "Fault injection". The bindings are wrapped (test/bindings.ts) and the Worker's own
// fetch and scheduled handlers are called with them; a DocumentRoom is faulted from inside with
// runInDurableObject. Every case shows what is left behind by the failure, then that the retried
// operation succeeds. (test/mail.test.ts covers delivery itself in more detail.)

afterEach(() => {
  vi.restoreAllMocks();
});

const rowsOf = {
  files: (documentId: string) => db().query.files.findMany({ where: (t, { eq }) => eq(t.documentId, documentId) }),
  activity: (documentId: string, action?: string) =>
    db().query.activity.findMany({
      where: (t, { and, eq }) =>
        action ? and(eq(t.documentId, documentId), eq(t.action, action)) : eq(t.documentId, documentId),
      orderBy: (t, { asc }) => asc(t.seq),
    }),
  outbox: (documentId: string) => db().query.outbox.findMany({ where: (t, { eq }) => eq(t.documentId, documentId) }),
  document: async (documentId: string) =>
    (await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, documentId) }))!,
  versions: (documentId: string) =>
    db().query.documentVersions.findMany({ where: (t, { eq }) => eq(t.documentId, documentId) }),
  org: async (orgId: string) => (await db().query.orgs.findFirst({ where: (t, { eq }) => eq(t.id, orgId) }))!,
};

const docPrefix = (orgId: string, documentId: string) => `org/${orgId}/doc/${documentId}/`;
const textFile = (name: string) => new File([`contents of ${name}\n`], name, { type: 'text/plain' });

async function uploadForm(browser: Browser, name: string) {
  const form = new FormData();
  form.append('files', textFile(name));
  return multipartPost(browser, form);
}

/** A company with a sent estimate (2 lines), and its recipient signed in to the portal. */
async function sentEstimate() {
  const co = await companyWithBudget();
  const documentId = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
  const { link } = await sendDocument(co.browser, documentId);
  const { browser: recipient } = await openLink(link);
  // Opening the page logs a view through the room after the response: let it land first.
  await expect.poll(async () => (await rowsOf.activity(documentId, 'viewed')).length).toBe(1);
  return { co, documentId, recipient };
}

/** A company with a draft estimate that has a recipient, ready to send. */
async function draftEstimate() {
  const co = await companyWithBudget();
  const documentId = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
  const send = () =>
    formPost(co.browser, { name: co.customerContact.name, email: co.customerContact.email, message: 'Our estimate.' });
  return { co, documentId, send };
}

async function expectDraftUntouched(orgId: string, documentId: string) {
  const doc = await rowsOf.document(documentId);
  expect(doc.status).toBe('draft');
  expect(doc.sentVersion).toBeNull();
  expect((await rowsOf.versions(documentId)).map((v) => v.state)).toEqual(['draft']);
  expect(await rowsOf.activity(documentId, 'sent')).toHaveLength(0);
  expect(await rowsOf.outbox(documentId)).toHaveLength(0);
  expect(await r2Keys(docPrefix(orgId, documentId))).toEqual([]);
}

async function expectSentOnce(orgId: string, documentId: string) {
  const doc = await rowsOf.document(documentId);
  expect(doc.status).toBe('sent');
  expect(doc.sentVersion).toBe(1);
  const [version] = await rowsOf.versions(documentId);
  expect(version.state).toBe('sent');
  expect(await r2Keys(docPrefix(orgId, documentId))).toEqual([version.pdfKey]);
  expect(await rowsOf.activity(documentId, 'sent')).toHaveLength(1);
  expect(await rowsOf.outbox(documentId)).toHaveLength(1);
}

const isInjected = (res: Response) => res.status >= 500 && res.status < 600;

describe('an R2 put that fails leaves no D1 row', () => {
  it('file upload (either side): no files row, no activity, no object; the retry stores it once', async () => {
    const { co, documentId, recipient } = await sentEstimate();
    const prefix = docPrefix(co.orgId, documentId);
    const objectsBefore = await r2Keys(prefix);
    const activityBefore = await rowsOf.activity(documentId);
    const FILES = faultyR2(env.FILES, { put: () => true });

    for (const [browser, path] of [
      [co.browser, `/documents/${documentId}/files`],
      [recipient, `/portal/documents/${documentId}/files`],
    ] as const) {
      const res = await callWorker(browser, path, await uploadForm(browser, 'quote.txt'), { FILES });
      expect(isInjected(res), `${path}: ${res.status}`).toBe(true);
      expect(await res.text()).not.toContain('injected fault'); // the error page shows no internals
    }
    expect(await rowsOf.files(documentId)).toHaveLength(0);
    expect(await rowsOf.activity(documentId)).toEqual(activityBefore);
    expect(await r2Keys(prefix)).toEqual(objectsBefore);

    // Recovery: the same upload with R2 working is stored once, row and object together.
    const res = await callWorker(
      recipient,
      `/portal/documents/${documentId}/files`,
      await uploadForm(recipient, 'quote.txt'),
    );
    expect(res.status).toBe(303);
    const files = await rowsOf.files(documentId);
    expect(files).toHaveLength(1);
    expect(await r2Keys(prefix)).toEqual([...objectsBefore, files[0].r2Key].sort());
    expect(await rowsOf.activity(documentId, 'file_added')).toHaveLength(1);
    const download = await recipient.get(`/portal/documents/${documentId}/files/${files[0].id}`);
    expect(await download.text()).toBe('contents of quote.txt\n');
  });

  it('sending: the PDF put fails, the document stays a draft with nothing logged or queued; the retry sends it', async () => {
    const { co, documentId, send } = await draftEstimate();
    const res = await callWorker(co.browser, `/documents/${documentId}/send`, await send(), {
      FILES: faultyR2(env.FILES, { put: () => true }),
    });
    expect(isInjected(res)).toBe(true);
    await expectDraftUntouched(co.orgId, documentId);

    const retry = await callWorker(co.browser, `/documents/${documentId}/send`, await send());
    expect(retry.status).toBe(303);
    await expectSentOnce(co.orgId, documentId);
  });

  it('company logo: the put fails, the org keeps no logo key; the retry sets it', async () => {
    const co = await companyWithBudget();
    const logo = () => {
      const form = new FormData();
      form.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
      return multipartPost(co.browser, form);
    };
    const res = await callWorker(co.browser, '/settings/logo', await logo(), {
      FILES: faultyR2(env.FILES, { put: () => true }),
    });
    expect(isInjected(res)).toBe(true);
    expect((await rowsOf.org(co.orgId)).logoKey).toBeNull();
    expect(await r2Keys(`org/${co.orgId}/logo/`)).toEqual([]);

    expect((await callWorker(co.browser, '/settings/logo', await logo())).status).toBe(303);
    const org = await rowsOf.org(co.orgId);
    expect(await r2Keys(`org/${co.orgId}/logo/`)).toEqual([org.logoKey]);
  });
});

describe('a D1 write that fails leaves no R2 object and no activity', () => {
  it('sending: the batch fails after the PDF was put; the PDF is deleted, nothing is logged or queued; the retry sends it', async () => {
    const { co, documentId, send } = await draftEstimate();
    // The send commits in the document's room, which writes D1 with its own binding: fault that one.
    const counter = countingD1(env.DB, { batch: (sql) => sql.some((s) => s.startsWith('update "document_versions"')) });
    const res = await withRoomD1(documentId, counter.d1, async () =>
      callWorker(co.browser, `/documents/${documentId}/send`, await send()),
    );
    expect(isInjected(res)).toBe(true);
    expect(
      counter.calls.some((c) => c.kind === 'batch' && c.sql.some((s) => s.startsWith('insert into "activity"'))),
    ).toBe(true); // the send batch was the one refused
    await expectDraftUntouched(co.orgId, documentId);

    const retry = await callWorker(co.browser, `/documents/${documentId}/send`, await send());
    expect(retry.status).toBe(303);
    await expectSentOnce(co.orgId, documentId);
  });

  it("file upload: the room's batch fails after the object was put; the object is deleted, no row, no activity; the retry stores it", async () => {
    const { co, documentId, recipient } = await sentEstimate();
    const prefix = docPrefix(co.orgId, documentId);
    const objectsBefore = await r2Keys(prefix);
    const activityBefore = await rowsOf.activity(documentId);
    // The room writes D1 with its own binding: fault the room's db from inside the object.
    const failing = countingD1(env.DB, { batch: (sql) => sql.some((s) => s.startsWith('insert into "files"')) });
    const refused = await withRoomD1(documentId, failing.d1, async () =>
      callWorker(recipient, `/portal/documents/${documentId}/files`, await uploadForm(recipient, 'receipt.txt')),
    );
    expect(isInjected(refused)).toBe(true);
    expect(failing.calls.filter((c) => c.kind === 'batch')).toHaveLength(1);
    expect(await rowsOf.files(documentId)).toHaveLength(0);
    expect(await rowsOf.activity(documentId)).toEqual(activityBefore);
    expect(await r2Keys(prefix)).toEqual(objectsBefore);

    const res = await callWorker(
      recipient,
      `/portal/documents/${documentId}/files`,
      await uploadForm(recipient, 'receipt.txt'),
    );
    expect(res.status).toBe(303);
    const files = await rowsOf.files(documentId);
    expect(files).toHaveLength(1);
    expect(await r2Keys(prefix)).toEqual([...objectsBefore, files[0].r2Key].sort());
    const added = await rowsOf.activity(documentId, 'file_added');
    expect(added).toHaveLength(1);
    expect(added[0].seq).toBe(Math.max(...activityBefore.map((a) => a.seq ?? 0)) + 1); // no gap left by the failed write
  });

  it('company logo: the org update fails after the put; the object is deleted and the old logo kept; the retry sets it', async () => {
    const co = await companyWithBudget();
    const logo = () => {
      const form = new FormData();
      form.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
      return multipartPost(co.browser, form);
    };
    const counter = countingD1(env.DB, { statement: (sql) => sql.startsWith('update "orgs"') });
    const res = await callWorker(co.browser, '/settings/logo', await logo(), { DB: counter.d1 });
    expect(isInjected(res)).toBe(true);
    expect((await rowsOf.org(co.orgId)).logoKey).toBeNull();
    expect(await r2Keys(`org/${co.orgId}/logo/`)).toEqual([]);

    expect((await callWorker(co.browser, '/settings/logo', await logo())).status).toBe(303);
    const org = await rowsOf.org(co.orgId);
    expect(org.logoKey).toMatch(new RegExp(`^org/${co.orgId}/logo/`));
    expect(await r2Keys(`org/${co.orgId}/logo/`)).toEqual([org.logoKey]);
  });
});

describe('MailChannels failures leave the message queued; a later scheduled retry delivers it exactly once', () => {
  const keyed = { MAILCHANNELS_API_KEY: 'test-mc-key' };

  async function scheduled(bindings: Partial<Env> = {}) {
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }),
      { ...env, ...bindings } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
  }

  /** Stubs fetch to MailChannels: `target` gets `answer`, every other message is accepted. */
  function stubMailChannels(target: string, answer: (init: RequestInit | undefined) => Promise<Response>) {
    const realFetch = globalThis.fetch;
    const toTarget: number[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      if (new URL(req.url).host !== 'api.mailchannels.net') return realFetch(input as RequestInfo, init);
      const body = (await req.json()) as { personalizations: { to: { email: string }[] }[] };
      if (!body.personalizations[0].to.some((t) => t.email === target)) return new Response(null, { status: 202 });
      toTarget.push(Date.now());
      return answer(init);
    });
    return toTarget;
  }

  const rowOf = async (id: string) => (await db().query.outbox.findFirst({ where: eq(outbox.id, id) }))!;

  /** Runs the cron until the message has been tried (other queued mail may be ahead of it). */
  async function tryUntilAttempted(id: string, attempts: number, bindings: Partial<Env>) {
    for (let i = 0; i < 20 && (await rowOf(id)).attempts < attempts; i++) await scheduled(bindings);
    expect((await rowOf(id)).attempts).toBe(attempts);
  }

  for (const fault of ['a 500 answer', 'a timeout'] as const) {
    it(`${fault}`, async () => {
      const co = await companyWithBudget();
      const email = uniqueEmail('mail-fault');
      const documentId = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      await sendDocument(co.browser, documentId, { email });
      const [queued] = await rowsOf.outbox(documentId);
      expect(queued).toMatchObject({ status: 'queued', attempts: 0, toEmail: email });

      let failing = true;
      if (fault === 'a timeout') {
        // The client's 15 s AbortSignal.timeout, shortened; MailChannels never answers until it fires.
        const realTimeout = AbortSignal.timeout.bind(AbortSignal);
        vi.spyOn(AbortSignal, 'timeout').mockImplementation(() => realTimeout(50));
      }
      const calls = stubMailChannels(email, (init) => {
        if (!failing) return Promise.resolve(new Response(null, { status: 202 }));
        if (fault === 'a 500 answer') return Promise.resolve(new Response('upstream unavailable', { status: 500 }));
        return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
      });

      const before = Date.now();
      await tryUntilAttempted(queued.id, 1, keyed);
      let row = await rowOf(queued.id);
      expect(row.status).toBe('queued');
      expect(row.lastError).toMatch(
        fault === 'a 500 answer'
          ? /MailChannels answered 500: upstream unavailable/
          : /MailChannels unreachable: .*(timeout|abort)/i,
      );
      expect(row.nextAttemptAt).toBeGreaterThan(before);
      expect(calls).toHaveLength(1);

      // Not due yet: another cron run leaves it alone.
      await scheduled(keyed);
      expect(calls).toHaveLength(1);
      expect((await rowOf(queued.id)).attempts).toBe(1);

      // MailChannels is back and the retry delay has passed.
      failing = false;
      await db()
        .update(outbox)
        .set({ nextAttemptAt: Date.now() - 1 })
        .where(eq(outbox.id, queued.id));
      await tryUntilAttempted(queued.id, 2, keyed);
      row = await rowOf(queued.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
      expect(calls).toHaveLength(2);

      // Exactly once: later runs, even with the message's retry time long past, send nothing more.
      await db().update(outbox).set({ nextAttemptAt: 0 }).where(eq(outbox.id, queued.id));
      await scheduled(keyed);
      await scheduled(keyed);
      expect(calls).toHaveLength(2);
      expect((await rowOf(queued.id)).status).toBe('sent');
    });
  }
});

describe('sealing', () => {
  it('a sealing failure leaves the document "finalizing"; the scheduled retry completes it', async () => {
    const { co, documentId, recipient } = await sentEstimate();
    const page = await (await recipient.get(`/portal/documents/${documentId}`)).text();
    const versionHash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    // R2 fails to give the unsigned PDF back while the signing request seals in waitUntil.
    const FILES = faultyR2(env.FILES, { get: (key) => key.endsWith('.pdf') });
    const res = await callWorker(
      recipient,
      `/portal/documents/${documentId}/sign`,
      await formPost(recipient, {
        versionHash,
        idempotencyKey: 'fault-seal-1',
        name: co.customerContact.name,
        method: 'typed',
        consent: 'yes',
      }),
      { FILES },
    );
    expect(res.status).toBe(303);

    const signatureOf = async () =>
      (await db().select().from(signatures).where(eq(signatures.documentId, documentId)))[0];
    let sig = await signatureOf();
    expect(sig.outcome).toBe('signed');
    expect(sig.sealedAt).toBeNull();
    expect(sig.sealedPdfKey).toBeNull();
    expect(sig.sealError).toContain('injected fault');
    expect((await rowsOf.document(documentId)).status).toBe('approved');
    expect(await rowsOf.activity(documentId, 'sealed')).toHaveLength(0);
    expect((await r2Keys(docPrefix(co.orgId, documentId))).filter((k) => k.includes('-signed-'))).toEqual([]);
    expect(await (await recipient.get(`/portal/documents/${documentId}`)).text()).toContain(
      'Finalizing the signed PDF',
    );
    expect(await (await co.browser.get(`/documents/${documentId}`)).text()).toContain('Finalizing the signed PDF');
    expect((await recipient.get(`/portal/documents/${documentId}/signed.pdf`)).status).toBe(404);

    // The cron's retry, through the Worker's real scheduled handler.
    for (let i = 0; i < 5 && !(await signatureOf()).sealedAt; i++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
    sig = await signatureOf();
    expect(sig.sealedAt).not.toBeNull();
    expect(sig.sealError).toBeNull();
    expect(await r2Keys(docPrefix(co.orgId, documentId))).toContain(sig.sealedPdfKey);
    expect(await rowsOf.activity(documentId, 'sealed')).toHaveLength(1);
    const pdf = await recipient.get(`/portal/documents/${documentId}/signed.pdf`);
    expect(pdf.status).toBe(200);
    expect(new TextDecoder().decode((await pdf.arrayBuffer()).slice(0, 5))).toBe('%PDF-');
    expect(await (await recipient.get(`/portal/documents/${documentId}`)).text()).toContain('Download the signed PDF');

    // Another run finds nothing to do: still one seal.
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController(), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await rowsOf.activity(documentId, 'sealed')).toHaveLength(1);
  });
});

describe('a DocumentRoom reset between two writes loses nothing', () => {
  it('the timeline sequence continues from D1 without a gap or a repeat', async () => {
    const { co, documentId, recipient } = await sentEstimate();
    const stub = () => env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(documentId));
    const post = async (browser: Browser, path: string, body: string) => {
      const res = await callWorker(browser, path, await formPost(browser, { body }));
      expect(res.status).toBe(303);
    };
    await post(co.browser, `/documents/${documentId}/comments`, 'Before the reset.');
    const marker = Symbol.for('fault-test-instance');
    await runInDurableObject(stub(), (room) => {
      (room as unknown as Record<symbol, boolean>)[marker] = true;
    });

    // The comment set the room's notice alarm (due at once for a first comment): let it run first,
    // so nothing the room does on its own writes storage after the reset.
    await expect
      .poll(() => runInDurableObject(stub(), (_room, state) => state.storage.getAlarm()), { timeout: 10_000 })
      .toBeNull();

    // Reset: the room's storage is wiped and the object is aborted, so its memory goes too.
    const left = await runInDurableObject(stub(), async (_room, state) => {
      await state.storage.deleteAll();
      return (await state.storage.list()).size;
    });
    expect(left).toBe(0);
    await runInDurableObject(stub(), (_room, state) => state.abort('reset by the fault test')).catch(() => undefined);
    expect(
      await runInDurableObject(stub(), (room) => (room as unknown as Record<symbol, boolean>)[marker] ?? false),
    ).toBe(false);

    // Writes after the reset, some at once from both sides, and a file.
    await post(recipient, `/portal/documents/${documentId}/comments`, 'After the reset.');
    await Promise.all([
      post(co.browser, `/documents/${documentId}/comments`, 'Concurrent from the office.'),
      post(recipient, `/portal/documents/${documentId}/comments`, 'Concurrent from the customer.'),
      callWorker(
        recipient,
        `/portal/documents/${documentId}/files`,
        await uploadForm(recipient, 'after-reset.txt'),
      ).then((r) => expect(r.status).toBe(303)),
    ]);

    const comments = await db().query.comments.findMany({ where: (t, { eq }) => eq(t.documentId, documentId) });
    expect(comments.map((c) => c.body).sort()).toEqual([
      'After the reset.',
      'Before the reset.',
      'Concurrent from the customer.',
      'Concurrent from the office.',
    ]);
    expect(await rowsOf.files(documentId)).toHaveLength(1);
    const timeline = await rowsOf.activity(documentId);
    expect(timeline.map((a) => a.seq)).toEqual(timeline.map((_, i) => i + 1));
    expect(timeline.filter((a) => a.action === 'commented')).toHaveLength(4);
    expect(timeline.filter((a) => a.action === 'file_added')).toHaveLength(1);
    expect(await rowsOf.activity(documentId, 'sent')).toHaveLength(1);
  });
});

describe('found while injecting faults', () => {
  it("one contractor's uploads never use up another company's upload limit", async () => {
    // The limit key was "upload:contractor:" for every contractor of every org: 60 uploads an hour
    // anywhere locked every company out of sharing files. It is per user now.
    const a = await sentEstimate();
    const b = await sentEstimate();
    let last = 0;
    for (let i = 0; i < 61; i++) {
      const form = new FormData();
      form.append('files', textFile(`batch-${i}.txt`));
      last = (await a.co.browser.postMultipart(`/documents/${a.documentId}/files`, form)).status;
      if (i < 60) expect(last, `upload ${i + 1}`).toBe(303);
    }
    expect(last).toBe(429);
    const form = new FormData();
    form.append('files', textFile('other-company.txt'));
    expect((await b.co.browser.postMultipart(`/documents/${b.documentId}/files`, form)).status).toBe(303);
  }, 120_000);
});
