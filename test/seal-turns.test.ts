import { describe, expect, it } from 'vitest';
import { inSealTurn } from '../src/signing/seal-turns';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
        maxWaitMs,
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
});
