import { describe, expect, it } from 'vitest';
import { createIdFactory } from '../src/storage/db/ids.js';

describe('createIdFactory', () => {
  it('makes unique ULIDs that sort in creation order, also many within one millisecond', () => {
    const nextId = createIdFactory();
    const now = Date.now();
    // 10,000 ids in the same millisecond, then in later ones: more than two pools of randomness.
    const ids = [
      ...Array.from({ length: 10_000 }, () => nextId(now)),
      ...Array.from({ length: 10_000 }, (_, i) => nextId(now + 1 + i)),
    ];
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('draws different randomness in each process-wide factory', () => {
    const seedTime = Date.UTC(2026, 0, 1);
    const a = createIdFactory()(seedTime);
    const b = createIdFactory()(seedTime);
    expect(a.slice(0, 10)).toBe(b.slice(0, 10));
    expect(a.slice(10)).not.toBe(b.slice(10));
  });
});
