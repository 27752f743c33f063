import { exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { Turns } from '../src/turns';

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A fresh line per test (seals: src/signing/finalize.ts `sealTurns`; PDFs: src/pdf/render.ts `inPdfTurn`). */
function line(heldAtMostMs = 35_000) {
  const turns = new Turns({ maxWaitMs: 20_000, heldAtMostMs });
  const log: string[] = [];
  const take = (name: string, work: () => Promise<void>, maxWaitMs?: number, late?: () => Promise<string>) =>
    turns.run(
      async () => {
        log.push(`${name} start`);
        await work();
        log.push(`${name} end`);
        return name;
      },
      late ??
        (async () => {
          log.push(`${name} late`);
          return 'late';
        }),
      maxWaitMs,
    );
  return { take, log };
}

describe('turns (src/turns.ts)', () => {
  it('runs work one at a time, in the order it arrived', async () => {
    const { take, log } = line();
    expect(await Promise.all(['a', 'b', 'c'].map((n) => take(n, () => wait(5))))).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('a hundred waiters behind a long turn look a few hundred times, not thousands, and still run in order', async () => {
    const { take, log } = line();
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      const first = take('first', () => wait(300));
      const rest = Array.from({ length: 100 }, (_, i) => take(`w${i}`, async () => {}));
      await first;
      // While the first held the line (300 ms): the four nearest every 2 ms (600 looks), the others less
      // often the farther back (every 20 ms each, as before, was 96 × 15 = 1,440 more).
      const looks = timers.mock.calls.length;
      expect(looks).toBeGreaterThan(100);
      expect(looks).toBeLessThan(1_100);
      await Promise.all(rest);
    } finally {
      timers.mockRestore();
    }
    expect(log.filter((l) => l.endsWith(' start'))).toEqual(
      ['first', ...Array.from({ length: 100 }, (_, i) => `w${i}`)].map((n) => `${n} start`),
    );
  });

  it('when a burst ahead gives up at once, the waiter behind it is not left asleep: the next turn starts at once', async () => {
    const { take, log } = line();
    const started: Record<string, number> = {};
    const at = Date.now();
    const first = take('first', () => wait(305));
    const impatient = Array.from({ length: 40 }, (_, i) => take(`gives-up-${i}`, async () => {}, 300));
    const patient = Array.from({ length: 20 }, (_, i) =>
      take(`p${i}`, async () => void (started[`p${i}`] = Date.now() - at)),
    );
    await Promise.all([first, ...impatient, ...patient]);
    expect(log.filter((l) => l.endsWith(' late'))).toHaveLength(40);
    // The one at the front slept at most every 200 ms at the 41st place; it looks again when the 40 give up.
    expect(started.p0).toBeLessThan(380);
    expect(Object.keys(started)).toEqual(Array.from({ length: 20 }, (_, i) => `p${i}`));
  });

  it('one that waited too long gives up, and the one after it still waits for the running one', async () => {
    const { take, log } = line();
    const results = await Promise.all([
      take('slow', () => wait(80), 1_000),
      take('impatient', () => wait(1), 10),
      take('next', () => wait(1), 1_000),
    ]);
    expect(results).toEqual(['slow', 'late', 'next']);
    expect(log).toEqual(['slow start', 'impatient late', 'slow end', 'next start', 'next end']);
  });

  it('a PDF whose turn is late runs anyway, and the line behind it keeps its order', async () => {
    const turns = new Turns({ maxWaitMs: 20_000, heldAtMostMs: 35_000 });
    const log: string[] = [];
    const pdf = (name: string, ms: number, maxWaitMs?: number) => {
      const work = async () => {
        log.push(`${name} start`);
        await wait(ms);
        log.push(`${name} end`);
        return name;
      };
      return turns.run(work, work, maxWaitMs);
    };
    const results = await Promise.all([pdf('slow', 80), pdf('hurried', 1, 10), pdf('next', 1)]);
    expect(results).toEqual(['slow', 'hurried', 'next']);
    expect(log).toEqual(['slow start', 'hurried start', 'hurried end', 'slow end', 'next start', 'next end']);
  });

  it('work that throws passes the turn on', async () => {
    const turns = new Turns({ maxWaitMs: 20_000, heldAtMostMs: 35_000 });
    const failed = turns.run(
      async () => {
        throw new Error('pdf worker down');
      },
      () => 'late',
    );
    await expect(failed).rejects.toThrow('pdf worker down');
    expect(
      await turns.run(
        async () => 'after',
        () => 'late',
      ),
    ).toBe('after');
  });

  it('a holder that never finishes (its request cancelled) frees the line after the longest it can live', async () => {
    const { take, log } = line(60);
    let finishStuck!: () => void;
    const stuck = take('stuck', () => new Promise<void>((resolve) => (finishStuck = resolve)), 1_000);
    expect(await take('early', () => wait(1), 20)).toBe('late');
    await wait(70);
    // Past the limit the line is free; the stuck one finishing meanwhile hands nothing on. (The taker's own turn
    // stays well inside the 60 ms limit: the next waiter looks every 2 ms and would find it past it.)
    const taker = take('taker', () => wait(30), 1_000);
    await wait(5);
    finishStuck();
    await stuck;
    const after = take('after', () => wait(1), 1_000);
    expect(await Promise.all([taker, after])).toEqual(['taker', 'after']);
    expect(log).toEqual([
      'stuck start',
      'early late',
      'taker start',
      'stuck end',
      'taker end',
      'after start',
      'after end',
    ]);
  });

  // Each call below is its own request (test/worker.ts `/__test/turns`: a line with maxWaitMs 300).
  // workerd drops the continuations of a request that has ended, so nothing may hand a turn on from
  // the request of a waiter that is gone.
  const take = async (ms: number, signal?: AbortSignal) =>
    (await exports.default.fetch(`http://localhost/__test/turns?ms=${ms}`, { signal })).text();

  it('a waiter that gave up and ended before the holder finished does not hold up the next', async () => {
    const holder = take(800);
    await wait(50);
    expect(await take(1)).toMatch(/^late/); // waits 300 ms, answers late; its request ends
    expect(await holder).toMatch(/^ran/);
    await wait(20);
    expect(await take(1)).toMatch(/^ran after \d{1,2} ms/);
    expect(await take(1)).toMatch(/^ran/);
  });

  it('a waiter whose request is cancelled while it waits is passed over within a second or so', async () => {
    const holder = take(150);
    await wait(20);
    const leaving = new AbortController();
    const cancelled = take(1, leaving.signal).catch(() => 'cancelled');
    await wait(30);
    leaving.abort(); // the client went away while its PDF waited in line
    const abortedAt = Date.now();
    expect(await cancelled).toBe('cancelled');
    expect(await holder).toMatch(/^ran/);
    // The line goes on once the cancelled waiter has not been seen for SEEN_WITHIN_MS (1 s); this line's
    // callers give up after 300 ms (a seal waits 20 s, a PDF 30 s), so they are late until then.
    let answer = '';
    while (!answer.startsWith('ran') && Date.now() - abortedAt < 3_000) answer = await take(1);
    expect(answer).toMatch(/^ran/);
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
    expect(await Promise.all([take(1), take(1)])).toEqual([
      expect.stringMatching(/^ran/),
      expect.stringMatching(/^ran/),
    ]);
  });
});
