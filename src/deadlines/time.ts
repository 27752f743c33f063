import { addDays, todayIn } from '../documents/drafts';

// Company time: a calendar date means a day in the company's time zone, so a deadline ends at the end
// of that day there, and a reminder goes at 9:00 there, whatever the daylight-saving rules do that day.

export { addDays, todayIn };

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at instant `ms`, in ms (local wall clock minus UTC). */
function offsetAt(ms: number, timeZone: string): number {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormats.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

// zonedTime is pure (a zone's rules don't change while the Worker runs) and a list page asks it for the same
// few dates on every row (each deadline's end of day): remembered per zone, date and minute, a bounded map.
const zonedTimes = new Map<string, number>();
const ZONED_TIMES_KEPT = 4096;

/**
 * The instant the wall clock in `timeZone` reads `minutes` past midnight on `date` (YYYY-MM-DD), as epoch
 * ms. A time skipped by a daylight-saving jump is read with the offset before the jump (2:30 on a spring-forward
 * day is 3:30); a time that happens twice is its first.
 */
export function zonedTime(date: string, minutes: number, timeZone: string): number {
  const key = `${timeZone} ${date} ${minutes}`;
  let at = zonedTimes.get(key);
  if (at === undefined) {
    if (zonedTimes.size >= ZONED_TIMES_KEPT) zonedTimes.clear();
    zonedTimes.set(key, (at = zonedTimeOnce(date, minutes, timeZone)));
  }
  return at;
}

function zonedTimeOnce(date: string, minutes: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d) + minutes * 60_000;
  const first = wall - offsetAt(wall, timeZone);
  const exact = wall - offsetAt(first, timeZone);
  if (exact + offsetAt(exact, timeZone) === wall) return exact;
  // The wall clock never read that time (a spring-forward gap): read with the offset before the jump (the
  // smaller one, east or west of UTC), it lands the gap's length later, after the jump.
  return wall - Math.min(offsetAt(first, timeZone), offsetAt(exact, timeZone));
}

/** Midnight that starts `date` in `timeZone`. */
export const zonedMidnight = (date: string, timeZone: string) => zonedTime(date, 0, timeZone);

/** The first instant after `date` ends in `timeZone`: a deadline on that date holds until just before it. */
export const endOfDay = (date: string, timeZone: string) => zonedMidnight(addDays(date, 1), timeZone);

/**
 * The hour and minute the company's wall clock shows at `now`, as minutes past midnight: what the clock reads,
 * not the time since midnight (on a 25-hour day the clock reads 7:00 eight hours after midnight).
 */
export function minutesIn(timeZone: string, now = Date.now()): number {
  const wall = now + offsetAt(now, timeZone);
  return Math.floor((((wall % 86_400_000) + 86_400_000) % 86_400_000) / 60_000);
}

/** Whole calendar days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
