import { expect } from 'vitest';
import { callWorker, countingD1 } from './bindings';
import { Browser, PASSWORD } from './helpers';

// What the held-page tests (page-cache, job-page-cache, document-page-cache) share: a page load, its cost in D1
// round trips and statements, and the same contractor signed in from another browser.

export const page = async (b: Browser, path: string) => {
  const res = await b.get(path);
  return { status: res.status, html: await res.text(), res };
};

/** What the page of `path` costs this browser now: its D1 round trips and each batch's statement count. */
export async function cost(b: Browser, path: string) {
  const counter = countingD1();
  const res = await callWorker(b, path, {}, { DB: counter.d1 });
  const statements = counter.calls.map((c) => c.sql.length);
  return { status: res.status, html: await res.text(), trips: counter.count, log: counter.describe(), statements };
}

/** The same contractor signed in from a second browser: another session, whose writes forget nothing of the first's. */
export async function secondBrowser(email: string) {
  const b = new Browser();
  expect((await b.post('/sign-in', { email, password: PASSWORD, next: '/jobs' })).status).toBe(303);
  return b;
}
