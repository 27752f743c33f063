import { describe, expect, it } from 'vitest';
import { inSealTurn } from '../src/signing/seal-turns';

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('seal turns (signing/seal-turns.ts)', () => {
  it('runs seals one at a time, in order', async () => {
    const log: string[] = [];
    const seal = (name: string) =>
      inSealTurn(
        async () => {
          log.push(`${name} start`);
          await wait(5);
          log.push(`${name} end`);
          return name;
        },
        () => 'late',
      );
    expect(await Promise.all([seal('a'), seal('b'), seal('c')])).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('a seal that waited too long gives up, and the one after it still waits for the running seal', async () => {
    const log: string[] = [];
    const seal = (name: string, ms: number, maxWaitMs: number) =>
      inSealTurn(
        async () => {
          log.push(`${name} start`);
          await wait(ms);
          log.push(`${name} end`);
          return name;
        },
        () => {
          log.push(`${name} late`);
          return 'late';
        },
        { maxWaitMs, heldAtMostMs: 35_000 },
      );
    const results = await Promise.all([seal('slow', 80, 1_000), seal('impatient', 1, 10), seal('next', 1, 1_000)]);
    expect(results).toEqual(['slow', 'late', 'next']);
    expect(log).toEqual(['slow start', 'impatient late', 'slow end', 'next start', 'next end']);
  });

  it('a seal that throws passes the turn on', async () => {
    const failed = inSealTurn(
      async () => {
        throw new Error('pdf worker down');
      },
      () => 'late',
    );
    await expect(failed).rejects.toThrow('pdf worker down');
    expect(
      await inSealTurn(
        async () => 'after',
        () => 'late',
      ),
    ).toBe('after');
  });

  it('a holder that never finishes (its request cancelled) frees the turn after the longest a seal can live', async () => {
    const log: string[] = [];
    const seal = (name: string, work: () => Promise<void>, maxWaitMs = 1_000) =>
      inSealTurn(
        async () => {
          log.push(`${name} start`);
          await work();
          log.push(`${name} end`);
          return name;
        },
        () => {
          log.push(`${name} late`);
          return 'late';
        },
        { maxWaitMs, heldAtMostMs: 60 },
      );
    let finishStuck!: () => void;
    const stuck = seal('stuck', () => new Promise<void>((resolve) => (finishStuck = resolve)));
    expect(await seal('early', () => wait(1), 20)).toBe('late');
    await wait(70);
    // Past the limit the turn is free; the stuck seal finishing meanwhile hands nothing on.
    const taker = seal('taker', () => wait(60));
    await wait(5);
    finishStuck();
    await stuck;
    const after = seal('after', () => wait(1));
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
});
