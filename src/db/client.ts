import { Column, fillPlaceholders, getTableColumns, is, SQL, Table, type Placeholder } from 'drizzle-orm';
import type { PreparedQueryConfig, SQLitePreparedQuery } from 'drizzle-orm/sqlite-core';
import { drizzle } from 'drizzle-orm/d1';
import * as schema from './schema';

const connect = (d1: D1Database) => drizzle(d1, { schema });
export type Db = ReturnType<typeof connect>;

// drizzle() rebuilds its relational config from the whole schema on every call, a few
// milliseconds of CPU that every request paid (npm run bench). The instance holds no per-request
// state, so it is kept per binding object for the isolate's life.
const instances = new WeakMap<D1Database, Db>();

export function database(d1: D1Database): Db {
  let db = instances.get(d1);
  if (!db) instances.set(d1, (db = connect(d1)));
  return db;
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
// -- --profile). Hot queries are built once per Db and isolate with sql.placeholder() values.
const preparedQueries = new WeakMap<Db, Map<(db: Db) => unknown, unknown>>();

export function prepared<Q>(db: Db, build: (db: Db) => Q): Q {
  let cache = preparedQueries.get(db);
  if (!cache) preparedQueries.set(db, (cache = new Map()));
  if (!cache.has(build)) cache.set(build, build(db));
  return cache.get(build) as Q;
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
  return results.map((result, i) => {
    const flat = flatRows(queries[i]);
    return flat ? flat(result.results as Record<string, unknown>[]) : queries[i].mapResult(result, true);
  }) as never;
}

// drizzle maps each row by asking every field what it is (is() walks prototypes) and walking its
// path, for every row: ~13% of a 200-item job page's CPU. A flat selection's decoders never change,
// so they are looked up once per prepared query. Nested selections (joined tables as objects,
// which drizzle may turn to null) keep drizzle's own mapping.
type Decoder = { mapFromDriverValue(value: unknown): unknown };
type FieldOf = { path: string[]; field: unknown };
const flatMappers = new WeakMap<Prepared, ((rows: Record<string, unknown>[]) => unknown[]) | null>();

function flatRows(query: Prepared) {
  if (flatMappers.has(query)) return flatMappers.get(query)!;
  // Internal to drizzle (pinned in package-lock.json); any other shape falls back to mapResult.
  const internals = query as unknown as { fields?: FieldOf[]; customResultMapper?: unknown };
  const fields = internals.fields;
  let mapper: ((rows: Record<string, unknown>[]) => unknown[]) | null = null;
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
          const values = Object.values(row);
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
