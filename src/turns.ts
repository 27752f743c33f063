// Work that takes turns, one at a time per isolate, in the order it arrived: a line of promises.
// CPU-bound work (a PDF render, a seal) gains nothing from running side by side in one isolate; taking
// turns, the first of a burst finishes first instead of every one finishing last.
//
// Each waiter waits on the one before it, racing a timer of its own request (a promise resolved from
// another request must not be all a request waits on: workerd ends it, "Promise will never complete").
// A waiter whose turn did not come within `maxWaitMs` answers `late()` instead, and hands its place on
// only once the one before it is done, so giving up never lets two of the line run at once. A holder whose
// request was cancelled mid-way never finishes: past `heldAtMostMs` the next to arrive starts a new line,
// and the old holder's late finish wakes nobody new.

export interface TurnLimits {
  maxWaitMs: number;
  heldAtMostMs: number;
}

export class Turns {
  private last: Promise<void> = Promise.resolve();
  private running: { since: number } | null = null;

  constructor(private readonly limits: TurnLimits) {}

  /** Runs `work` after everything before it in the line, or answers `late()` when its turn did not come in time. */
  async run<T>(work: () => Promise<T>, late: () => T | Promise<T>, maxWaitMs = this.limits.maxWaitMs): Promise<T> {
    const { heldAtMostMs } = this.limits;
    if (this.running && Date.now() - this.running.since > heldAtMostMs) this.last = Promise.resolve();
    const before = this.last;
    let release!: () => void;
    this.last = new Promise<void>((resolve) => (release = resolve));
    let timer: ReturnType<typeof setTimeout> | undefined;
    let turn = false;
    try {
      turn = await Promise.race([
        before.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), maxWaitMs))),
      ]);
      clearTimeout(timer);
      if (!turn) return await late();
      const mine = { since: Date.now() };
      this.running = mine;
      try {
        return await work();
      } finally {
        if (this.running === mine) this.running = null;
      }
    } finally {
      if (turn) release();
      else void before.then(release);
    }
  }
}
