// Work that takes turns, one at a time per isolate, in the order it arrived. CPU-bound work (a PDF
// render, a seal) gains nothing from running side by side in one isolate; taking turns, the first of a
// burst finishes first instead of every one finishing last.
//
// The line is shared state, and every request in it acts only on its own timers:
// - A waiter looks at the line and runs when nothing is running and it is the first waiter still there.
//   The first NEAR waiters look every NEXT_POLL_MS, so the line does not stand idle between two turns (at
//   20 ms, ~10 ms on average: a third of a 25 ms render, which capped a busy PDF Worker's throughput in npm
//   run bench), even when a few short turns (a 7 ms seal) follow each other; the others every POLL_MS
//   times how many fours ahead of them, at most every FARTHEST_POLL_MS (a waiter far back cannot run
//   before the turns ahead of it, of 5 ms or more each: a PDF render's or a seal's is longer; a hundred
//   waiters looked 6,800 times a second with every one but the nearest at POLL_MS, ~2,700 now;
//   test/turns.test.ts counts them). Waiters ahead that give up leave without a turn, all at once when a
//   burst arrived together: so no waiter sleeps past the soonest of their deadlines.
//   A look costs the same however long the line (filtering the whole line at every look was 6% of the
//   page Worker's profile).
//   The one running shows it is alive every POLL_MS.
// - One whose request has ended (a seal that gave up, a download cancelled while it waited, work cut off
//   mid-way) stops showing itself, and SEEN_WITHIN_MS later the line goes on without it. `heldAtMostMs` is
//   the longest any one may hold the line even while seen.
// - Nothing is handed on or woken from another request. A chain of promises, each waiter handing the turn
//   on from its own request, jammed for good when that request had ended (workerd drops its continuations);
//   a waiter woken by the one finishing ran on in the finisher's request and set its next timer there, so
//   workerd cancelled it as hung once that request ended. test/turns.test.ts takes the line from separate
//   requests for both.
//
// A waiter whose turn did not come within `maxWaitMs` answers `late()` instead and leaves the line; the one
// running keeps its turn, so giving up never lets two of the line run at once. Two run at once only when
// the one running was not seen for SEEN_WITHIN_MS while its request lived (an isolate too busy to run a
// timer for a second) or held the line past `heldAtMostMs`; side by side is safe, only slower.

export interface TurnLimits {
  maxWaitMs: number;
  heldAtMostMs: number;
}

const POLL_MS = 20;
const NEXT_POLL_MS = 2;
const NEAR = 4;
const SEEN_WITHIN_MS = 1_000;
/** Well within SEEN_WITHIN_MS: a waiter looking this seldom is still seen when it reaches the front. */
const FARTHEST_POLL_MS = 200;

interface Ticket {
  order: number;
  seenAt: number;
  inLine: boolean;
  /** When it gives up (`late()`) unless its turn came. */
  deadline: number;
}

export class Turns {
  private line: Ticket[] = [];
  private running: { since: number; seenAt: number } | null = null;
  private arrived = 0;
  /** The soonest deadline of a waiter in the line, or earlier (one that ran or left is not taken out). */
  private soonest = Infinity;

  constructor(private readonly limits: TurnLimits) {}

  /** Runs `work` after everything before it in the line, or answers `late()` when its turn did not come in time. */
  async run<T>(work: () => Promise<T>, late: () => T | Promise<T>, maxWaitMs = this.limits.maxWaitMs): Promise<T> {
    const deadline = Date.now() + maxWaitMs;
    const ticket: Ticket = { order: this.arrived++, seenAt: Date.now(), inLine: true, deadline };
    this.line.push(ticket);
    this.soonest = Math.min(this.soonest, deadline);
    try {
      for (let next = this.placeOf(ticket); next !== 'run'; next = this.placeOf(ticket)) {
        const left = deadline - Date.now();
        if (left <= 0) {
          this.leave(ticket); // before `late()`, which may take a while: the line does not wait on it
          return await late();
        }
        await new Promise<void>((resolve) => setTimeout(resolve, Math.min(next, left)));
      }
    } finally {
      this.leave(ticket);
    }
    const mine = { since: Date.now(), seenAt: Date.now() };
    this.running = mine;
    const beat = setInterval(() => (mine.seenAt = Date.now()), POLL_MS);
    try {
      return await work();
    } finally {
      clearInterval(beat);
      if (this.running === mine) this.running = null;
    }
  }

  /**
   * 'run' when `ticket` may run now (nothing running, or no one seen, and first of the waiters still here), else
   * how long it waits before it looks again: the less, the nearer it is to the front.
   */
  private placeOf(ticket: Ticket): 'run' | number {
    const now = Date.now();
    ticket.seenAt = now;
    const held = this.running;
    if (held && (now - held.seenAt > SEEN_WITHIN_MS || now - held.since > this.limits.heldAtMostMs))
      this.running = null;
    // Waiters that stopped showing themselves (their request ended) are passed over when they reach the front.
    while (this.line.length && this.line[0] !== ticket && now - this.line[0].seenAt > SEEN_WITHIN_MS)
      this.line.shift()!.inLine = false;
    // A waiter passed over while its isolate was too busy to look is put back in its place.
    if (!ticket.inLine) {
      const after = this.line.findIndex((t) => t.order > ticket.order);
      this.line.splice(after < 0 ? this.line.length : after, 0, ticket);
      ticket.inLine = true;
    }
    if (this.line[0] === ticket) return this.running ? NEXT_POLL_MS : 'run';
    const place = this.line.indexOf(ticket);
    if (place < NEAR) return NEXT_POLL_MS;
    // Found again only once a deadline passed: a look costs the same however long the line.
    if (this.soonest <= now)
      this.soonest = this.line.reduce((s, t) => (t.deadline > now ? Math.min(s, t.deadline) : s), Infinity);
    const oneLeaves = this.soonest - now + NEXT_POLL_MS;
    return Math.max(NEXT_POLL_MS, Math.min(POLL_MS * Math.floor(place / NEAR), FARTHEST_POLL_MS, oneLeaves));
  }

  private leave(ticket: Ticket) {
    const at = this.line.indexOf(ticket);
    if (at >= 0) this.line.splice(at, 1);
    ticket.inLine = false;
  }
}
