import { isCuid } from '@paralleldrive/cuid2';
import { describe, expect, it, vi } from 'vitest';
import { createId } from '../src/db/ids';

describe('createId', () => {
  it('makes cuid2 ids: 24 characters, a letter first, all distinct', () => {
    const ids = Array.from({ length: 20_000 }, () => createId());
    for (const id of ids.slice(0, 500)) {
      expect(id).toMatch(/^[a-z][a-z0-9]{23}$/);
      expect(isCuid(id)).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws its randomness from crypto.getRandomValues', () => {
    const spy = vi.spyOn(crypto, 'getRandomValues');
    try {
      for (let i = 0; i < 50; i++) createId();
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});
