// Seals take turns, one at a time per page-Worker isolate. A burst of signatures (each seals after its
// response) used to send every seal to the PDF Worker at once: there they waited for its one-render-at-a-time
// turn (pdf/exclusive.ts) holding their PDFs, and a wait past that lock's deadline ran renders side by side,
// which fontkit's shared process.nextTick shim cannot survive (the render hangs; workerd then cancels or
// restarts). Waiting here costs a promise; a seal that waited longer than MAX_WAIT_MS is not started at all:
// it is recorded as failed and the cron's retry (index.ts `retrySealing`) seals it.
//
// Each seal waits on the one before it, racing a timer of its own request (a promise resolved from another
// request must not be all a request waits on: workerd ends it, "Promise will never complete"). A seal that
// gives up hands its place on only once the seal before it is done, so two never run at once. A holder whose
// request was cancelled mid-seal never finishes: past HELD_AT_MOST_MS (a waitUntil lives about 30 s after its
// response) the next seal to arrive starts a new line, and the old one's late finish wakes nobody new.

const MAX_WAIT_MS = 20_000;
const HELD_AT_MOST_MS = 35_000;

interface Limits {
  maxWaitMs: number;
  heldAtMostMs: number;
}

let last: Promise<void> = Promise.resolve();
let running: { since: number } | null = null;

/** Runs `work` after every seal before it, or answers `late()` when its turn did not come in time. */
export async function inSealTurn<T>(
  work: () => Promise<T>,
  late: () => T,
  { maxWaitMs, heldAtMostMs }: Limits = { maxWaitMs: MAX_WAIT_MS, heldAtMostMs: HELD_AT_MOST_MS },
): Promise<T> {
  if (running && Date.now() - running.since > heldAtMostMs) last = Promise.resolve();
  const before = last;
  let release!: () => void;
  last = new Promise<void>((resolve) => (release = resolve));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let turn = false;
  try {
    turn = await Promise.race([
      before.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), maxWaitMs))),
    ]);
    clearTimeout(timer);
    if (!turn) return late();
    const mine = { since: Date.now() };
    running = mine;
    try {
      return await work();
    } finally {
      if (running === mine) running = null;
    }
  } finally {
    if (turn) release();
    else void before.then(release);
  }
}
