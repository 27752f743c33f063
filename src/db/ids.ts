import { init } from '@paralleldrive/cuid2';

// Row ids are cuid2. Version 2 turns the hash into text with native BigInt; version 3 does it with
// bignumber.js and asks the platform for a random number per character, ~250 µs an id against
// ~30 µs (a 120-line document from the budget makes 120 ids; every comment and view makes one).
// The randomness still comes from crypto.getRandomValues, drawn 256 numbers at a time.
const pool = new Uint32Array(256);
let next = pool.length;

function secureRandom(): number {
  if (next === pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  return pool[next++] / 2 ** 32;
}

let generate: (() => string) | null = null;

/** A new cuid2 id (24 characters, starting with a letter). Made on first use, not at module load. */
export function createId(): string {
  generate ??= init({ random: secureRandom });
  return generate();
}
