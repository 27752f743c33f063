import type { Db } from '../db/client';
import type { Env } from '../env';
import { documentRoom } from '../rooms/client';
import { dueDocuments } from './queries';
import type { RemindOutcome } from './send';

// The scheduled run (the cron, every 5 minutes): due reminders, handed to their documents' rooms, which decide
// and send each once (reminders/send.ts). State lives in D1, so a missed run or a reset room loses nothing:
// the next run finds the same rows still scheduled.

/**
 * Documents one run hands to their rooms. Each is one Durable Object call (a subrequest): 200 stays far under
 * the 1,000 subrequests a Worker invocation may make, and at 10 at a time (a room's write is a few D1 round
 * trips) a run takes a few seconds of a cron's 15 minutes. 200 documents every 5 minutes is 57,600 a day; a
 * backlog of 1,000 due in the same minute is done in 5 runs (25 minutes), the longest-waiting first.
 */
export const RUN_CAP = 200;
/** Room calls in flight at once. */
export const RUN_CONCURRENCY = 10;

export interface RunOutcome extends RemindOutcome {
  documents: number;
  failed: number;
}

export async function runReminders(env: Env, db: Db, now = Date.now(), cap = RUN_CAP): Promise<RunOutcome> {
  const due = await dueDocuments(db, now, cap);
  const total: RunOutcome = { documents: due.length, failed: 0, sent: 0, cancelled: 0, skipped: 0 };
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const d = due[next++];
      try {
        const result = await documentRoom(env, d.documentId).remind({
          orgId: d.orgId,
          documentId: d.documentId,
          jobId: d.jobId,
          timeZone: d.timeZone,
          origin: env.APP_ORIGIN,
          reminderIds: d.reminderIds,
          now,
        });
        if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
        total.sent += result.value.sent;
        total.cancelled += result.value.cancelled;
        total.skipped += result.value.skipped;
      } catch (err) {
        // Its rows stay scheduled: the next run tries this document again.
        total.failed++;
        console.error(`reminders of document ${d.documentId}`, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(RUN_CONCURRENCY, due.length) }, worker));
  return total;
}
