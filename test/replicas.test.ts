import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import worker from '../src/index';
import { isBookmark } from '../src/db/client';
import type { Env } from '../src/env';
import { callWorker, formPost, withRoomD1 } from './bindings';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import type { Browser } from './helpers';
import { openLink } from './portal-fixtures';

// Issue 19, reads from the nearest replica (ARCHITECTURE.md): every request, cron run and room write
// opens its own D1 session, and a browser that wrote carries the bookmark its write reached.
// Local D1 has no replicas, but its sessions and bookmarks are real (the simulator's commit tokens):
// what each session began from is recorded by a wrapped binding, for the Worker and inside the room.

const COOKIE = 'cp_bookmark'; // local and test: no __Host- prefix (http/cookies.ts)

/** The real D1 binding, recording each withSession(): its argument and the session it gave. */
function recordingD1(real: D1Database = env.DB) {
  const opened: { from: string; session: D1DatabaseSession }[] = [];
  const d1 = new Proxy(real, {
    get(target, prop) {
      if (prop === 'withSession')
        return (from: string) => {
          const session = target.withSession(from);
          opened.push({ from, session });
          return session;
        };
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { d1, opened, from: () => opened.map((o) => o.from) };
}

let contractor: Browser;
let recipient: Browser;
let documentId: string;

beforeAll(async () => {
  const co = await companyWithBudget({ company: 'Replica Builders' });
  contractor = co.browser;
  documentId = await createDocument(co.browser, co.jobId, 'estimate', { item: [co.items[0].id] });
  recipient = (await openLink((await sendDocument(co.browser, documentId)).link)).browser;
});

/** A comment posted as `browser` through the Worker and the room, both recorded; the answer and the cookie. */
async function comment(browser: Browser, path: string, body: string) {
  const worker = recordingD1();
  const room = recordingD1();
  const res = await withRoomD1(documentId, room.d1, async () =>
    callWorker(browser, path, await formPost(browser, { body }), { DB: worker.d1 }),
  );
  const roomCommit = room.opened.at(-1)?.session.getBookmark() ?? null;
  return { res, worker, room, roomCommit, cookie: browser.cookies.get(COOKIE) };
}

describe('reads from the nearest replica: sessions and bookmarks', () => {
  it('local D1 hands out real bookmarks: shaped like production ones, newer ones sorting after', async () => {
    const session = env.DB.withSession('first-primary');
    expect(session.getBookmark()).toBeNull();
    await session.prepare('SELECT 1').all();
    const first = session.getBookmark();
    await session.prepare("UPDATE orgs SET name = name WHERE id = 'none'").run();
    const second = session.getBookmark();
    expect(isBookmark(first), String(first)).toBe(true);
    expect(isBookmark(second), String(second)).toBe(true);
    expect(second! > first!).toBe(true);
  });

  for (const side of ['portal', 'contractor'] as const) {
    it(`a comment posted on the ${side} side is on the poster's next page load, read from the commit's bookmark`, async () => {
      const browser = side === 'portal' ? recipient : contractor;
      const page = side === 'portal' ? `/portal/documents/${documentId}` : `/documents/${documentId}`;
      const text = `Read back from the ${side} side ${crypto.randomUUID()}`;
      const posted = await comment(browser, `${page}/comments`, text);
      expect(posted.res.status).toBe(303);
      // The POST started at the primary; the room wrote through its own session from the primary.
      expect(posted.worker.from()[0]).toBe('first-primary');
      expect(posted.room.from().length).toBeGreaterThan(0);
      expect(new Set(posted.room.from())).toEqual(new Set(['first-primary']));
      // The response's cookie is at least the room's commit, which is newer than what the Worker itself read.
      expect(isBookmark(posted.roomCommit), String(posted.roomCommit)).toBe(true);
      expect(posted.cookie! >= posted.roomCommit!, `${posted.cookie} vs room ${posted.roomCommit}`).toBe(true);
      expect(posted.worker.opened[0].session.getBookmark()! < posted.roomCommit!).toBe(true);
      const line = posted.res.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`))!;
      expect(line).toMatch(/HttpOnly/i);
      expect(line).toMatch(/SameSite=Lax/i);
      expect(line).toMatch(/Path=\//i);
      expect(line).toMatch(/Max-Age=3600/i);

      // The next page load opens its session from exactly that bookmark, and shows the comment.
      const next = recordingD1();
      const res = await callWorker(browser, page, {}, { DB: next.d1 });
      expect(res.status).toBe(200);
      expect(next.from()[0]).toBe(posted.cookie);
      expect(await res.text()).toContain(text);
      // A read writes nothing: the browser keeps the bookmark of its write.
      expect(res.headers.getSetCookie().some((l) => l.startsWith(`${COOKIE}=`))).toBe(false);
    });
  }

  it('without a bookmark a page reads from any replica and a form starts at the primary; a bad cookie is ignored', async () => {
    const page = `/portal/documents/${documentId}`;
    const saved = recipient.cookies.get(COOKIE);
    try {
      recipient.cookies.delete(COOKIE);
      const read = recordingD1();
      expect((await callWorker(recipient, page, {}, { DB: read.d1 })).status).toBe(200);
      // (A logged view then commits through the room, after the response: a later session, no cookie.)
      expect(read.from()[0]).toBe('first-unconstrained');
      expect(recipient.cookies.has(COOKIE)).toBe(false);

      // A live page fetching itself after someone else's write reads at the primary.
      const live = recordingD1();
      const refresh = { headers: { 'X-Live-Refresh': '1' } };
      expect((await callWorker(recipient, page, refresh, { DB: live.d1 })).status).toBe(200);
      expect(live.from()[0]).toBe('first-primary');

      // Garbage, a huge value, almost a bookmark: no 500, the route's own constraint, and the cookie replaced
      // only by a write's.
      const forged = [
        'garbage',
        'f'.repeat(3000),
        '00000000-0000000d-00000000-0000000000000000000000000000000g',
        '00000000-0000000D-00000000-00000000000000000000000000000000',
        '../../etc',
      ];
      for (const value of forged) {
        recipient.cookies.set(COOKIE, value);
        const bad = recordingD1();
        const res = await callWorker(recipient, page, {}, { DB: bad.d1 });
        expect(res.status, value.slice(0, 40)).toBe(200);
        expect(bad.from()[0], value.slice(0, 40)).toBe('first-unconstrained');
      }
      // A form with a forged bookmark starts at the primary and leaves a real one.
      recipient.cookies.set(COOKIE, 'garbage');
      const text = `Posted past a forged bookmark ${crypto.randomUUID()}`;
      const posted = await comment(recipient, `${page}/comments`, text);
      expect(posted.res.status).toBe(303);
      expect(posted.worker.from()[0]).toBe('first-primary');
      expect(isBookmark(posted.cookie), String(posted.cookie)).toBe(true);

      // A well-shaped bookmark from the future (forged, or from before a restore) is replaced at the next
      // write by the primary's real one, not kept for its hour because it sorts after it.
      const future = `ffffffff-ffffffff-ffffffff-${'f'.repeat(32)}`;
      recipient.cookies.set(COOKIE, future);
      const after = await comment(recipient, `${page}/comments`, `Past a future bookmark ${crypto.randomUUID()}`);
      expect(after.res.status).toBe(303);
      expect(after.cookie).not.toBe(future);
      expect(isBookmark(after.cookie), String(after.cookie)).toBe(true);
      expect(after.cookie! >= after.roomCommit!).toBe(true);
    } finally {
      if (saved) recipient.cookies.set(COOKIE, saved);
    }
  });

  it('a well-formed bookmark D1 refuses fails that one load, whose answer forgets it', async () => {
    // What production D1 would do with a bookmark it does not know (a database restored to an earlier point).
    const refusing = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === 'withSession')
          return (from: string) => {
            if (!isBookmark(from)) return target.withSession(from);
            const refuse = () => Promise.reject(new Error('D1_ERROR: unknown bookmark'));
            const statement = { bind: () => statement, all: refuse, raw: refuse, first: refuse, run: refuse };
            return { prepare: () => statement, batch: refuse, getBookmark: () => from };
          };
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const page = `/portal/documents/${documentId}`;
    const saved = recipient.cookies.get(COOKIE);
    try {
      recipient.cookies.set(COOKIE, 'ffffffff-ffffffff-ffffffff-ffffffffffffffffffffffffffffffff');
      const failed = await callWorker(recipient, page, {}, { DB: refusing });
      expect(failed.status).toBe(500);
      expect(failed.headers.getSetCookie().find((l) => l.startsWith(`${COOKIE}=`))).toMatch(/Max-Age=0/i);
      expect(recipient.cookies.has(COOKIE)).toBe(false);
      const next = recordingD1();
      expect((await callWorker(recipient, page, {}, { DB: next.d1 })).status).toBe(200);
      expect(next.from()[0]).toBe('first-unconstrained');
    } finally {
      if (saved) recipient.cookies.set(COOKIE, saved);
    }
  });

  it('two comments at once from one browser: both on the next load, the cookie at least as new as both commits', async () => {
    const page = `/portal/documents/${documentId}`;
    const room = recordingD1();
    const texts = [1, 2].map((n) => `Concurrent comment ${n} ${crypto.randomUUID()}`);
    const answers = await withRoomD1(documentId, room.d1, async () => {
      const inits = await Promise.all(texts.map((body) => formPost(recipient, { body })));
      return Promise.all(inits.map((init) => callWorker(recipient, `${page}/comments`, init)));
    });
    expect(answers.map((r) => r.status)).toEqual([303, 303]);
    const commits = room.opened.map((o) => o.session.getBookmark()).filter(isBookmark);
    expect(commits.length).toBeGreaterThanOrEqual(2);
    const cookie = recipient.cookies.get(COOKIE)!;
    for (const commit of commits) expect(cookie >= commit, `${cookie} vs ${commit}`).toBe(true);
    const next = recordingD1();
    const html = await (await callWorker(recipient, page, {}, { DB: next.d1 })).text();
    expect(next.from()[0]).toBe(cookie);
    for (const text of texts) expect(html).toContain(text);
  });

  it('the cron opens its sessions at the primary', async () => {
    const cron = recordingD1();
    const ctx = createExecutionContext();
    await worker.scheduled!(
      { scheduledTime: Date.now(), cron: '*/5 * * * *', noRetry() {} } as ScheduledController,
      { ...env, DB: cron.d1 } as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(cron.opened.length).toBeGreaterThanOrEqual(2);
    expect(new Set(cron.from())).toEqual(new Set(['first-primary']));
  });
});
