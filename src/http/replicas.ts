import type { MiddlewareHandler } from 'hono';
import {
  bookmarkOf,
  commitMade,
  duringRequest,
  isBookmark,
  openSession,
  requestDb,
  roomCommitted,
  type Db,
} from '../db/client';
import type { AppEnv } from './context';
import { dropCookie, readCookie, writeCookie } from './cookies';

// Issue 19: every request reads and writes through its own D1 session (ARCHITECTURE.md, "Reads from
// the nearest replica"). A browser that wrote something carries the bookmark its write reached (the
// `bookmark` cookie): its session starts there, so whichever replica serves it already holds that write.
// Without one, the route group's constraint: a page that only reads takes any replica; anything that
// writes, or reads what someone else has just written, starts at the primary.

/** Long enough for any replica to catch up many times over; after it, every replica is newer anyway. */
export const BOOKMARK_SECONDS = 60 * 60;

// GETs that start at the primary: emailed links whose row was written moments before the email went
// out (a replica behind it would call a fresh link expired) and which may write a session themselves;
// Stripe's onboarding return (writes the account's state); development's tools (the dev mailbox reads
// what another browser just did).
const PRIMARY_GETS = [
  /^\/p\/[^/]+$/,
  /^\/sign-up\/verify\/[^/]+$/,
  /^\/reset-password\/[^/]+$/,
  /^\/invite\/[^/]+$/,
  /^\/settings\/account\/email\/[^/]+$/,
  /^\/settings\/payments\/stripe\/(refresh|return)$/,
  /^\/dev\//,
];

/** The constraint of a request that carries no bookmark of its own. */
export function routeConstraint(method: string, path: string, headers: Headers): D1SessionConstraint {
  if (method !== 'GET' && method !== 'HEAD') return 'first-primary';
  // A live page fetching itself again after an event: someone else's write, which it must show.
  if (headers.get('X-Live-Refresh') === '1') return 'first-primary';
  return PRIMARY_GETS.some((p) => p.test(path)) ? 'first-primary' : 'first-unconstrained';
}

/**
 * Opens the request's session (c.get('db')): a route that starts at the primary starts there (nothing is
 * newer); a read starts from the browser's bookmark, else anywhere. After the response, a request that
 * could have written (a primary route, or a room commit made for it) stores the newest bookmark it
 * reached — its own reads and writes and the room's commits — when that moved past the browser's.
 */
export const replicaSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const held = readCookie(c, 'bookmark');
  // Anything not shaped like a bookmark (D1 would refuse it) is no bookmark: the route's constraint.
  const carried = isBookmark(held) ? held : null;
  const constraint = routeConstraint(c.req.method, c.req.path, c.req.raw.headers);
  const fromBookmark = constraint === 'first-unconstrained' ? carried : null;
  let db: Db;
  try {
    db = openSession(c.env.DB, fromBookmark ?? constraint);
  } catch (err) {
    if (!fromBookmark) throw err;
    console.error('bookmark refused', err);
    db = openSession(c.env.DB, constraint);
  }
  c.set('db', db);
  // A request handled inside another (development's simulated Stripe delivers its webhook so) reports
  // what it reached to the outer one too.
  const outer = requestDb();
  await duringRequest(db, next);
  const reached = bookmarkOf(db);
  if (outer && reached) duringRequest(outer, () => commitMade(reached));
  if (c.res.status === 101) return; // a WebSocket handshake: its response is never rebuilt
  // A bookmark D1 would not take (a database restored to an earlier point) must not fail every page: a
  // failed request that started from one forgets it.
  if (c.res.status >= 500 && fromBookmark) return dropCookie(c, 'bookmark');
  if (constraint !== 'first-primary' && !roomCommitted(db)) return; // a read: it wrote nothing to come back to
  // A primary route's bookmark is the newest there is: it replaces whatever the browser held, even one that
  // looked newer (a forged one, or one from before a restore, would otherwise stay for its whole hour).
  if (!reached) return;
  const newer = constraint === 'first-primary' ? reached !== carried : reached > (carried ?? '');
  if (newer) writeCookie(c, 'bookmark', reached, BOOKMARK_SECONDS);
};
