import { Column, getTableColumns, is, SQL, Table } from 'drizzle-orm';
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
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(fields) as T;
}
