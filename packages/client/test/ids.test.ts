import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClientMessageId } from '../src/index.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createClientMessageId', () => {
  it('returns distinct UUID v4 values', () => {
    const ids = new Set(Array.from({ length: 100 }, () => createClientMessageId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });

  it('falls back to getRandomValues outside secure contexts (no randomUUID)', () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: (bytes: Uint8Array) => real.getRandomValues(bytes) });
    const a = createClientMessageId();
    const b = createClientMessageId();
    expect(a).toMatch(UUID_V4);
    expect(a).not.toBe(b);
  });

  it('still works with no crypto at all', () => {
    vi.stubGlobal('crypto', undefined);
    expect(createClientMessageId()).toMatch(UUID_V4);
  });
});
