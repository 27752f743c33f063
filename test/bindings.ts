import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../src/index';
import type { Env } from '../src/env';
import { database, type Db } from '../src/db/client';
import { BASE, type Browser } from './helpers';

// Bindings wrapped for tests: a D1 that counts its round trips (and can be told to fail), an R2
// bucket that can be told to fail, and a way to call the Worker's fetch handler with them. The
// DocumentRoom keeps its own env (the real one) inside the Durable Object, so its D1 use is not
// seen here; to count or fault the room's, withRoomD1() swaps its `db` for the length of a call.

export class InjectedFault extends Error {
  constructor(what: string) {
    super(`injected fault: ${what}`);
    this.name = 'InjectedFault';
  }
}

export interface D1Call {
  kind: 'first' | 'all' | 'run' | 'raw' | 'batch' | 'exec' | 'dump';
  sql: string[];
}

export interface D1Faults {
  /** Fail a db.batch() whose statements' SQL this accepts. */
  batch?: (sql: string[]) => boolean;
  /** Fail a single statement (first/all/run/raw) whose SQL this accepts. */
  statement?: (sql: string) => boolean;
}

const REAL = new WeakMap<object, D1PreparedStatement>();
const SQL = new WeakMap<object, string>();

/**
 * A D1 binding that records one entry per round trip: each first/all/run/raw of a prepared
 * statement, and each batch() (however many statements it holds) as ONE. exec and dump count too.
 */
export function countingD1(real: D1Database = env.DB, faults: D1Faults = {}) {
  const calls: D1Call[] = [];
  const sessions: string[] = [];

  const statement = (stmt: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const trip = <T>(kind: D1Call['kind'], run: () => Promise<T>): Promise<T> => {
      calls.push({ kind, sql: [sql] });
      if (faults.statement?.(sql)) return Promise.reject(new InjectedFault(`D1 ${kind}: ${sql.slice(0, 80)}`));
      return run();
    };
    const wrapped = {
      bind: (...values: unknown[]) => statement(stmt.bind(...values), sql),
      first: (column?: string) => trip('first', () => (column === undefined ? stmt.first() : stmt.first(column))),
      all: () => trip('all', () => stmt.all()),
      run: () => trip('run', () => stmt.run()),
      raw: (options?: { columnNames?: boolean }) => trip('raw', () => stmt.raw(options as never)),
    };
    REAL.set(wrapped, stmt);
    SQL.set(wrapped, sql);
    return wrapped as unknown as D1PreparedStatement;
  };

  const database = (d1: D1Database | D1DatabaseSession): D1Database =>
    ({
      prepare: (sql: string) => statement(d1.prepare(sql), sql),
      batch: (statements: D1PreparedStatement[]) => {
        const sqls = statements.map((s) => SQL.get(s) ?? '?');
        calls.push({ kind: 'batch', sql: sqls });
        if (faults.batch?.(sqls))
          return Promise.reject(new InjectedFault(`D1 batch of ${sqls.length}: ${sqls[0]?.slice(0, 80)}`));
        return d1.batch(statements.map((s) => REAL.get(s) ?? s));
      },
      exec: (sql: string) => {
        calls.push({ kind: 'exec', sql: [sql] });
        return (d1 as D1Database).exec(sql);
      },
      dump: () => {
        calls.push({ kind: 'dump', sql: [] });
        return (d1 as D1Database).dump();
      },
      withSession: (constraint?: string) => {
        sessions.push(constraint ?? '');
        return database((d1 as D1Database).withSession(constraint as never));
      },
      // A session's position (issue 19): what the real session reached; the binding itself has none.
      getBookmark: () => ('getBookmark' in d1 ? d1.getBookmark() : null),
    }) as unknown as D1Database;

  return {
    d1: database(real),
    calls,
    /** The argument of every withSession() (a constraint or a bookmark), in order: how each session began. */
    sessions,
    get count() {
      return calls.length;
    },
    reset() {
      calls.length = 0;
      sessions.length = 0;
    },
    /** One line per round trip, for a failing assertion's message. */
    describe() {
      return calls
        .map((c, i) => `${i + 1}. ${c.kind}: ${c.sql.map((s) => s.replace(/\s+/g, ' ').slice(0, 140)).join(' ; ')}`)
        .join('\n');
    },
  };
}

export interface R2Faults {
  put?: (key: string) => boolean;
  get?: (key: string) => boolean;
  delete?: (key: string) => boolean;
}

/** The real bucket, with the chosen operations failing as a network or storage error would. */
export function faultyR2(real: R2Bucket = env.FILES, faults: R2Faults): R2Bucket {
  return new Proxy(real, {
    get(target, prop) {
      const fail = faults[prop as keyof R2Faults];
      if (fail) {
        return (key: string | string[], ...rest: unknown[]) => {
          if ((Array.isArray(key) ? key : [key]).some((k) => fail(k)))
            return Promise.reject(new InjectedFault(`R2 ${String(prop)} ${String(key)}`));
          return (Reflect.get(target, prop) as (...a: unknown[]) => unknown).call(target, key, ...rest);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Every key under a prefix, following the listing's cursor. */
export async function r2Keys(prefix: string, bucket: R2Bucket = env.FILES): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

/**
 * Calls the Worker's fetch handler directly with `bindings` in place of the real ones, as `browser`
 * (its cookies sent and kept), and waits for the response's waitUntil work before returning.
 */
export async function callWorker(browser: Browser, path: string, init: RequestInit, bindings: Partial<Env> = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(browser.request(path, init), { ...env, ...bindings } as Env, ctx);
  const body = await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  browser.keepCookies(res);
  return new Response(body, { status: res.status, headers: res.headers });
}

/**
 * Runs `during` while the document's room writes through `d1` (a counting or failing binding)
 * instead of its own, and puts the room's own back afterwards, whatever happens.
 */
export async function withRoomD1<T>(documentId: string, d1: D1Database, during: () => Promise<T>): Promise<T> {
  const stub = env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(documentId));
  const own = await runInDurableObject(stub, (room) => {
    const r = room as unknown as { db: Db };
    const before = r.db;
    r.db = database(d1);
    return before;
  });
  try {
    return await during();
  } finally {
    await runInDurableObject(stub, (room) => {
      (room as unknown as { db: Db }).db = own;
    });
  }
}

/** A form post as the browser makes it: the CSRF field and a same-origin Origin header. */
export async function formPost(browser: Browser, fields: Record<string, string> = {}): Promise<RequestInit> {
  const body = new URLSearchParams({ _csrf: await browser.csrf(), ...fields });
  return { method: 'POST', body, headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' } };
}

/** An upload as a script posts it: the CSRF token in its header (an upload's body is never read for it). */
export async function multipartPost(browser: Browser, form: FormData): Promise<RequestInit> {
  return { method: 'POST', body: form, headers: { Origin: BASE, 'X-CSRF-Token': await browser.csrf() } };
}

/** GET or POST `path` with a counting D1; returns the response and the round trips it cost. */
export async function countTrips(browser: Browser, path: string, init: RequestInit = {}) {
  const counter = countingD1();
  const res = await callWorker(browser, path, init, { DB: counter.d1 });
  return { res, trips: counter.count, log: counter.describe() };
}
