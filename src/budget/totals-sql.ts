import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { QTY_SCALE } from './totals';

/**
 * A line's total in SQL, as totals.ts lineTotal rounds it: once, half away from zero. Exact in SQLite's
 * 64-bit integers: every writer refuses a line past MAX_LINE_TOTAL (10^12 cents), so |quantity × amount|
 * stays below 10^16 + QTY_SCALE, far under 2^63 (9.2 × 10^18), and SQLite's integer division truncates
 * toward zero, which the CASE turns into half away from zero for either sign.
 */
export function lineTotalSql(quantity: AnyColumn | SQL, amount: AnyColumn | SQL): SQL {
  const product = sql`(${quantity} * ${amount})`;
  const half = sql.raw(String(QTY_SCALE / 2));
  const scale = sql.raw(String(QTY_SCALE));
  return sql`CASE WHEN ${product} < 0 THEN -((-${product} + ${half}) / ${scale}) ELSE (${product} + ${half}) / ${scale} END`;
}
