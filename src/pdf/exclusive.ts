// fontkit's font subsetter runs its stream through a module-level `process.nextTick` shim: one
// queue per isolate, drained by a setTimeout of whichever request queued first. Two PDF renders
// at once in one isolate share that queue, so one request's continuations run inside the other's
// timer; workerd cancels those cross-request continuations and the render hangs until the
// runtime kills the request ("code had hung", a 500). Measured with `npm run bench`: ten
// concurrent draft-PDF downloads, every one failed. Rendering is pure CPU, so running one at a
// time per isolate costs no throughput.
//
// Each waiter also keeps its own deadline (a timer in its own request): a render whose request was
// cancelled mid-way never releases its turn, and must not stall every later PDF forever.

const MAX_WAIT_MS = 30_000;
let last: Promise<void> = Promise.resolve();

export async function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const before = last;
  let release!: () => void;
  last = new Promise<void>((resolve) => (release = resolve));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([before, new Promise<void>((resolve) => (timer = setTimeout(resolve, MAX_WAIT_MS)))]);
    clearTimeout(timer);
    return await work();
  } finally {
    release();
  }
}
