import type { Db } from '../db/client';
import { queueMail } from '../mail/outbox';
import { minutesIn, todayIn } from '../deadlines/time';
import type { Env } from '../env';
import { digestMail } from './mail';
import { companyZones, digestContent, dueDigestUsers, markDigestStatement, type DigestContent } from './queries';

// The contractor's daily digest (issue 16), from the cron every 5 minutes: at 7:00 company time or the first
// run after it that day, once per user and day. "Since yesterday" is the 24 hours before the run.

/** When the digest goes out, in minutes after midnight company time. */
export const DIGEST_AT_MINUTES = 7 * 60;
/** Users per cron run: 100 digests (one batch each) every 5 minutes is 28,800 an hour; the rest wait a run. */
export const DIGEST_USERS_PER_RUN = 100;
const DAY_MS = 86_400_000;

/** Each zone that is at or past 7:00 now, with its today. */
function zonesDue(zones: string[], now: number): Record<string, string> {
  const due: Record<string, string> = {};
  for (const tz of zones) {
    try {
      if (minutesIn(tz, now) >= DIGEST_AT_MINUTES) due[tz] = todayIn(tz, now);
    } catch {
      // A zone the runtime does not know gets no digest rather than stopping everyone's.
    }
  }
  return due;
}

/**
 * Sends the digests due now. Per user, ONE batch marks the day done (only if no run did yet) and queues the
 * email under a fixed id (`digest-<user>-<day>`, a second insert is nothing): two runs at once send one. A day
 * with nothing to say is only marked. A missed morning is caught up later that day; a missed day is not sent
 * the next day (the day is always today).
 */
export async function sendDailyDigests(env: Env, db: Db, now = Date.now()): Promise<{ sent: number }> {
  const today = zonesDue(await companyZones(db), now);
  if (!Object.keys(today).length) return { sent: 0 };
  const people = await dueDigestUsers(db, today, DIGEST_USERS_PER_RUN);
  const contents = new Map<string, Promise<DigestContent>>();
  let sent = 0;
  for (const u of people) {
    try {
      if (await digestFor(u)) sent++;
    } catch (err) {
      // One user's failure (a bad row, D1 busy) never holds up the others; theirs is tried again next run.
      console.error('daily digest', u.id, err);
    }
  }
  return { sent };

  async function digestFor(u: (typeof people)[number]): Promise<boolean> {
    const day = today[u.timeZone];
    if (!contents.has(u.orgId))
      contents.set(u.orgId, digestContent(db, u.orgId, { since: now - DAY_MS, now, today: day }));
    const mail = digestMail(await contents.get(u.orgId)!, { origin: env.APP_ORIGIN, today: day });
    const mark = markDigestStatement(db, u.id, day);
    if (!mail) {
      await mark;
      return false;
    }
    const queue = queueMail(
      db,
      {
        id: `digest-${u.id}-${day}`,
        orgId: u.orgId,
        kind: 'daily_digest',
        to: { email: u.email, name: u.name },
        fromName: 'Contractor Portal',
        ...mail,
      },
      now,
    ).onConflictDoNothing();
    await db.batch([mark, queue]);
    return true;
  }
}
