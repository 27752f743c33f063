// Seals take turns, one at a time per page-Worker isolate. A burst of signatures (each seals after its
// response) used to send every seal to the PDF Worker at once: there they waited for its one-render-at-a-time
// turn (pdf/exclusive.ts) holding their PDFs, and a wait past that lock's deadline ran renders side by side,
// which fontkit's shared process.nextTick shim cannot survive (the render hangs; workerd then cancels or
// restarts). Waiting here costs a promise; a seal that waited longer than MAX_WAIT_MS is not started at all:
// it is recorded as failed and the cron's retry (index.ts `retrySealing`) seals it.

const MAX_WAIT_MS = 20_000;
let last: Promise<void> = Promise.resolve();

/** Runs `work` after every seal before it, or answers `late()` when its turn did not come in time. */
export async function inSealTurn<T>(work: () => Promise<T>, late: () => T, maxWaitMs = MAX_WAIT_MS): Promise<T> {
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
    return turn ? await work() : late();
  } finally {
    // A seal that gave up passes the turn on only when the one before it is done: never two at once.
    if (turn) release();
    else void before.then(release);
  }
}
