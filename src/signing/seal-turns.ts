import { Turns } from '../turns';

// Seals take turns, one at a time per page-Worker isolate (../turns). A seal runs after its signature's
// response, in a waitUntil that lives about 30 s: a burst of signatures sealing side by side would all
// finish late, and past that limit every one would be cut off. In turns, the first finish first; a seal
// that waited longer than maxWaitMs is not started at all: it is recorded as failed and the cron's retry
// (index.ts `retrySealing`) seals it. A cancelled holder frees the line after heldAtMostMs, a little
// longer than a waitUntil can live.

export const sealTurns = new Turns({ maxWaitMs: 20_000, heldAtMostMs: 35_000 });
