import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Column,
  createTableRelationsHelpers,
  extractTablesRelationalConfig,
  fillPlaceholders,
  getTableColumns,
  is,
  SQL,
  Table,
  type Placeholder,
} from 'drizzle-orm';
import { SQLiteAsyncDialect, type PreparedQueryConfig, type SQLitePreparedQuery } from 'drizzle-orm/sqlite-core';
import { DrizzleD1Database, SQLiteD1Session } from 'drizzle-orm/d1';
import type { BatchItem } from 'drizzle-orm/batch';
import * as schema from './schema';

/** What a Db runs its SQL on: the binding itself (always the primary) or a D1 session (issue 19). */
export type D1Client = D1Database | D1DatabaseSession;
export type Db = DrizzleD1Database<typeof schema> & { $client: D1Client };

// drizzle(d1, { schema }) rebuilds its relational config from the whole schema on every call, a few
// milliseconds of CPU that every request paid (npm run bench), and makes a relational query builder per
// table. None of it holds per-request state: a Db over a request's own D1 session (issue 19) is an
// object whose prototype is one Db made once per isolate (the dialect, the schema's config), with its
// own drizzle session and client: two properties, under a microsecond (drizzle() over a session was
// ~250 µs in node). db.query (a few rare reads use it) is made on first use, per Db.
let base: Db | undefined;

function baseDb(): Db {
  if (base) return base;
  const dialect = new SQLiteAsyncDialect();
  const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  const config = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  const db = new DrizzleD1Database('async', dialect, undefined as never, undefined) as Db;
  Object.defineProperty(db, '_', { value: config });
  Object.defineProperty(db, 'query', {
    get(this: Db & { session: unknown }) {
      const query = new DrizzleD1Database('async', dialect, this.session as never, config as never).query;
      Object.defineProperty(this, 'query', { value: query });
      return query;
    },
  });
  return (base = db);
}

function connect(client: D1Client): Db {
  const proto = baseDb() as Db & { dialect: SQLiteAsyncDialect; _: unknown };
  const db = Object.create(proto) as Db;
  Object.assign(db, {
    session: new SQLiteD1Session(client as D1Database, proto.dialect, proto._ as never),
    $client: client,
  });
  return db;
}

// A Db straight on the binding (the room's reads outside a write, tests) is kept per binding object for
// the isolate's life.
const instances = new WeakMap<D1Database, Db>();

/** A Db on the binding itself: no session, every query to the primary. Requests use openSession. */
export function database(d1: D1Database): Db {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = connect(d1)));
  return db;
}

// Issue 19: reads from the nearest replica. Every request, cron run and room write opens its own D1
// session (ARCHITECTURE.md, "Reads from the nearest replica"): from a bookmark — the position in the
// database the browser's last write reached, carried in a cookie (http/replicas.ts) — so a replica at
// least that new serves it, or from its route's constraint. Bookmarks sort lexically, oldest first.

/** A D1 bookmark's shape (`00000001-0000000a-00004f61-` and 32 hex digits); anything else is not one. */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

export function isBookmark(value: unknown): value is string {
  return typeof value === 'string' && BOOKMARK.test(value);
}

/** The newest of these bookmarks (anything not shaped like one is ignored), or null. */
export function newestBookmark(...marks: (string | null | undefined)[]): string | null {
  let newest: string | null = null;
  for (const mark of marks) if (isBookmark(mark) && (newest === null || mark > newest)) newest = mark;
  return newest;
}

/**
 * One request's (or room write's, or cron run's) D1 session. When a room write commits during the
 * request (rooms/client.ts reports its bookmark), the reads after it start a new session from that
 * bookmark: what the request wrote through the room, it reads back, even from a replica.
 */
class RequestSession {
  private session: D1DatabaseSession;
  private reached: string | null;
  /** Whether a room write committed for this request. */
  roomCommitted = false;

  constructor(
    private readonly d1: D1Database,
    start: D1SessionConstraint | string,
  ) {
    this.session = d1.withSession(start);
    this.reached = isBookmark(start) ? start : null;
  }

  prepare(query: string) {
    return this.session.prepare(query);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]) {
    return this.session.batch<T>(statements);
  }

  /** The newest position this request's reads and writes (its own and its room commits') reached. */
  getBookmark(): string | null {
    return newestBookmark(this.reached, this.session.getBookmark());
  }

  /** A commit made elsewhere for this request (the room's): later reads see it. */
  caughtUp(bookmark: string) {
    if (!isBookmark(bookmark)) return;
    this.roomCommitted = true;
    if (bookmark <= (this.getBookmark() ?? '')) return;
    this.reached = newestBookmark(this.reached, this.session.getBookmark(), bookmark);
    this.session = this.d1.withSession(bookmark);
  }
}

/**
 * A Db on a new D1 session of `d1`, from a bookmark or a constraint (`first-primary`: the first query
 * goes to the primary; `first-unconstrained`: to any replica). Cheap: the schema's config is shared.
 */
export function openSession(d1: D1Database, start: D1SessionConstraint | string): Db {
  return connect(new RequestSession(d1, start) as unknown as D1DatabaseSession);
}

/** The bookmark a Db's session has reached, or null (a Db on the binding itself has none). */
export function bookmarkOf(db: Db): string | null {
  const client = db.$client as Partial<D1DatabaseSession>;
  return typeof client.getBookmark === 'function' ? newestBookmark(client.getBookmark()) : null;
}

/** Whether a room write committed for the request whose session this Db is (openSession, commitMade). */
export function roomCommitted(db: Db): boolean {
  return db.$client instanceof RequestSession && db.$client.roomCommitted;
}

const requests = new AsyncLocalStorage<Db>();

/** Runs a request with `db` as its session: room commits made meanwhile are reported to it (commitMade). */
export function duringRequest<T>(db: Db, run: () => T): T {
  return requests.run(db, run);
}

/** The Db of the request being handled (duringRequest), if any. */
export function requestDb(): Db | undefined {
  return requests.getStore();
}

/** A room write committed at `bookmark` on behalf of the current request (rooms/client.ts documentRoom). */
export function commitMade(bookmark: string | undefined) {
  const client = requests.getStore()?.$client;
  if (bookmark && client instanceof RequestSession) client.caughtUp(bookmark);
}

/**
 * Gives every selected column a unique alias. D1's batch returns rows as objects keyed by column
 * name, and drizzle maps them back by position: two joined tables' "id" or "name" would collapse
 * into one. Wrap the fields of any joined select that runs inside db.batch() with this.
 */
export function distinct<T extends Record<string, unknown>>(fields: T): T {
  let n = 0;
  const walk = (value: unknown): unknown => {
    if (is(value, Column)) return new SQL([value as never]).mapWith(value as Column).as(`c${n++}`);
    if (is(value, SQL.Aliased)) return value;
    if (is(value, SQL)) return (value as SQL).as(`c${n++}`);
    if (is(value, Table)) return walk(getTableColumns(value as Table));
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(fields) as T;
}

/** A drizzle prepared query: its SQL built once, run many times with placeholder values. */
export type Prepared = SQLitePreparedQuery<PreparedQueryConfig & { type: 'async' }>;
export type Rows<Q> = Q extends SQLitePreparedQuery<infer T> ? T['all'] : never;
/** A value a query is built with: a string now, or a named placeholder filled when it runs. */
export type Param<T = string> = T | Placeholder;

// Building a query's SQL (selections, joins, `is()` checks on every column) was the largest
// single cost of a page after rendering: ~18% of the portal document page's CPU (npm run bench
// -- --profile). Hot queries are built once per isolate with sql.placeholder() values, on a Db of
// their own that cannot run them: each request's session is another Db, so a prepared query always
// runs through batchPrepared() or allPrepared() with the request's db, never by its own .all().
const notHere = (query: string) => () => {
  throw new Error(`A prepared query runs through batchPrepared() or allPrepared(db, …): ${query.slice(0, 80)}`);
};
let builder: Db | undefined;
const preparedQueries = new Map<(db: Db) => unknown, unknown>();

/** The query `build` makes, built once per isolate (`_db` is not used to build it: any Db runs it). */
export function prepared<Q>(_db: Db, build: (db: Db) => Q): Q {
  let query = preparedQueries.get(build);
  if (query === undefined) {
    builder ??= connect({
      prepare: (query: string) => {
        const fail = notHere(query);
        return { bind: fail, first: fail, all: fail, run: fail, raw: fail };
      },
      batch: () => Promise.reject(new Error('A prepared query runs through batchPrepared()')),
    } as unknown as D1Database);
    preparedQueries.set(build, (query = build(builder)));
  }
  return query as Q;
}

export function prepareEach<const T extends readonly { prepare(): Prepared }[]>(
  queries: T,
): { -readonly [K in keyof T]: ReturnType<T[K]['prepare']> } {
  return queries.map((q) => q.prepare()) as never;
}

/**
 * Runs prepared queries in one D1 batch (one round trip, one transaction), each with its
 * placeholders filled from `values`, and maps each result as drizzle would. db.batch() cannot:
 * it binds placeholders unfilled.
 */
export async function batchPrepared<const T extends readonly Prepared[]>(
  db: Db,
  queries: T,
  values: Record<string, unknown>,
): Promise<{ -readonly [K in keyof T]: Rows<T[K]> }> {
  const statements = queries.map((query) => {
    const { sql, params } = query.getQuery();
    return db.$client.prepare(sql).bind(...fillPlaceholders(params, values));
  });
  const results = await db.$client.batch(statements);
  return results.map((result, i) => mapRows(queries[i], result)) as never;
}

/**
 * Runs one prepared query with its placeholders filled from `values` (one round trip), as its own .all()
 * would but on `db`'s session: rows as arrays, mapped by position, so joined tables' columns of the same
 * name need no distinct().
 */
export async function allPrepared<Q extends Prepared>(
  db: Db,
  query: Q,
  values: Record<string, unknown>,
): Promise<Rows<Q>> {
  const { sql, params } = query.getQuery();
  const statement = db.$client.prepare(sql).bind(...fillPlaceholders(params, values));
  const internals = query as unknown as { fields?: unknown; customResultMapper?: unknown };
  if (!internals.fields && !internals.customResultMapper) return (await statement.all()).results as Rows<Q>;
  const rows = await statement.raw();
  const flat = flatRows(query);
  return (
    flat ? flat(rows) : (query as unknown as { mapAllResult(rows: unknown[]): unknown }).mapAllResult(rows)
  ) as Rows<Q>;
}

function mapRows(query: Prepared, result: D1Result) {
  const flat = flatRows(query);
  return flat ? flat(result.results as Record<string, unknown>[]) : query.mapResult(result, true);
}

// drizzle maps each row by asking every field what it is (is() walks prototypes) and walking its
// path, for every row: ~13% of a 200-item job page's CPU. A flat selection's decoders never change,
// so they are looked up once per prepared query. Nested selections (joined tables as objects,
// which drizzle may turn to null) keep drizzle's own mapping.
type Decoder = { mapFromDriverValue(value: unknown): unknown };
type FieldOf = { path: string[]; field: unknown };
type Row = Record<string, unknown> | unknown[];
const flatMappers = new WeakMap<Prepared, ((rows: Row[]) => unknown[]) | null>();

function flatRows(query: Prepared) {
  if (flatMappers.has(query)) return flatMappers.get(query)!;
  // Internal to drizzle (pinned in package-lock.json); any other shape falls back to mapResult.
  const internals = query as unknown as { fields?: FieldOf[]; customResultMapper?: unknown };
  const fields = internals.fields;
  let mapper: ((rows: Row[]) => unknown[]) | null = null;
  if (Array.isArray(fields) && !internals.customResultMapper && fields.every((f) => f.path.length === 1)) {
    const keys = fields.map((f) => f.path[0]);
    const decoderOf = (sql: SQL) => (sql as unknown as { decoder: Decoder }).decoder;
    const decoders = fields.map(
      ({ field }) =>
        (is(field, Column)
          ? field
          : is(field, SQL)
            ? decoderOf(field)
            : is(field, SQL.Aliased)
              ? decoderOf(field.sql)
              : null) as Decoder | null,
    );
    if (decoders.every(Boolean)) {
      mapper = (rows) =>
        rows.map((row) => {
          const values = Array.isArray(row) ? row : Object.values(row);
          const out: Record<string, unknown> = {};
          for (let i = 0; i < keys.length; i++) {
            const raw = values[i];
            out[keys[i]] = raw === null ? null : decoders[i]!.mapFromDriverValue(raw);
          }
          return out;
        });
    }
  }
  flatMappers.set(query, mapper);
  return mapper;
}
