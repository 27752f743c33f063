// Seals take turns, one at a time per page-Worker isolate. A burst of signatures (each seals after its
// response) used to send every seal to the PDF Worker at once: there they waited for its one-render-at-a-time
// turn (pdf/exclusive.ts) holding their PDFs, and a wait past that lock's deadline ran renders side by side,
// which fontkit's shared process.nextTick shim cannot survive (the render hangs; workerd then cancels or
// restarts). Waiting here costs a promise; a seal that waited longer than MAX_WAIT_MS is not started at all:
// it is recorded as failed and the cron's retry (index.ts `retrySealing`) seals it.
//
// The turn is a holder and a queue, not a chain of promises: a seal that gives up only leaves the queue, and
// the holder wakes the next waiter still there while its own request is alive. A holder whose request was
// cancelled mid-seal never hands the turn on; past HELD_AT_MOST_MS (a waitUntil lives about 30 s after its
// response) its turn is taken as free, and its late finish, if it comes, hands on nothing.

const MAX_WAIT_MS = 20_000;
const HELD_AT_MOST_MS = 35_000;

interface Limits {
  maxWaitMs: number;
  heldAtMostMs: number;
}

let holder: { since: number } | null = null;
const queue: ((turn: { since: number }) => void)[] = [];

/** Runs `work` when no other seal runs in this isolate, or answers `late()` when its turn did not come in time. */
export async function inSealTurn<T>(
  work: () => Promise<T>,
  late: () => T,
  limits: Limits = { maxWaitMs: MAX_WAIT_MS, heldAtMostMs: HELD_AT_MOST_MS },
): Promise<T> {
  const turn = await takeTurn(limits);
  if (!turn) return late();
  try {
    return await work();
  } finally {
    handOn(turn);
  }
}

function takeTurn({ maxWaitMs, heldAtMostMs }: Limits): Promise<{ since: number } | null> {
  if (!holder || Date.now() - holder.since > heldAtMostMs) {
    holder = { since: Date.now() };
    return Promise.resolve(holder);
  }
  return new Promise((resolve) => {
    const wake = (turn: { since: number }) => {
      clearTimeout(timer);
      resolve(turn);
    };
    const timer = setTimeout(() => {
      const i = queue.indexOf(wake);
      if (i >= 0) queue.splice(i, 1);
      resolve(null);
    }, maxWaitMs);
    queue.push(wake);
  });
}

/** The holder's turn goes to the first waiter, or is free; a turn already taken as abandoned hands on nothing. */
function handOn(turn: { since: number }) {
  if (holder !== turn) return;
  const next = queue.shift();
  holder = next ? { since: Date.now() } : null;
  if (next && holder) next(holder);
}
