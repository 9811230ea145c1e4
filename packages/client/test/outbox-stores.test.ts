import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from '@mpi/test-kit';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { IndexedDbOutboxStore } from '../src/browser/index.js';
import { MemoryOutboxStore, type OutboxEntry, type OutboxStore } from '../src/index.js';
import { FileOutboxStore } from '../src/node/index.js';

function entry(n: number, overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    clientMessageId: `cm-${n}`,
    chatId: 'chat-1',
    text: `message ${n}`,
    userId: 'alice',
    createdAt: 1_700_000_000_000 + n,
    order: n,
    status: 'pending',
    error: null,
    attempts: 0,
    ...overrides,
  };
}

/** The contract every store meets; `reopen` gives a fresh instance over the same storage. */
function contract(name: string, make: () => { store: OutboxStore; reopen: () => OutboxStore }) {
  describe(name, () => {
    it('puts, replaces, deletes and loads in send order', async () => {
      const { store } = make();
      expect(await store.load()).toEqual([]);
      await store.put(entry(3));
      await store.put(entry(1));
      await store.put(entry(2));
      await store.put(entry(2, { status: 'failed', error: { code: 'VALIDATION_FAILED', message: 'x' } }));
      await store.delete('cm-3');
      await store.delete('missing');
      const loaded = await store.load();
      expect(loaded.map((e) => e.clientMessageId)).toEqual(['cm-1', 'cm-2']);
      expect(loaded[1]).toEqual(
        entry(2, { status: 'failed', error: { code: 'VALIDATION_FAILED', message: 'x' } }),
      );
    });

    it('returns copies: changing a loaded entry does not change the store', async () => {
      const { store } = make();
      const original = entry(1);
      await store.put(original);
      original.text = 'changed after put';
      const [loaded] = await store.load();
      expect(loaded?.text).toBe('message 1');
    });

    it('keeps concurrent writes', async () => {
      const { store, reopen } = make();
      await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(entry(i))));
      await Promise.all(Array.from({ length: 25 }, (_, i) => store.delete(`cm-${i * 2}`)));
      expect((await store.load()).length).toBe(25);
      expect((await reopen().load()).map((e) => e.order)).toEqual(
        Array.from({ length: 25 }, (_, i) => i * 2 + 1),
      );
    });
  });
}

contract('MemoryOutboxStore', () => {
  const store = new MemoryOutboxStore();
  return { store, reopen: () => store };
});

contract('IndexedDbOutboxStore (fake-indexeddb)', () => {
  const indexedDB = new IDBFactory();
  return {
    store: new IndexedDbOutboxStore({ indexedDB }),
    reopen: () => new IndexedDbOutboxStore({ indexedDB }),
  };
});

contract('FileOutboxStore', () => {
  const path = tempDir('mpi-outbox-').file('nested', 'outbox.json');
  return { store: new FileOutboxStore(path), reopen: () => new FileOutboxStore(path) };
});

describe('IndexedDbOutboxStore', () => {
  it('keeps separate databases apart and fails clearly without IndexedDB', async () => {
    const indexedDB = new IDBFactory();
    const a = new IndexedDbOutboxStore({ indexedDB, databaseName: 'user-a' });
    const b = new IndexedDbOutboxStore({ indexedDB, databaseName: 'user-b' });
    await a.put(entry(1));
    expect(await b.load()).toEqual([]);
    await a.close();
    expect(await new IndexedDbOutboxStore({ indexedDB, databaseName: 'user-a' }).load()).toHaveLength(1);
    await expect(new IndexedDbOutboxStore({ indexedDB: undefined }).load()).rejects.toThrow(/IndexedDB/);
  });
});

describe('FileOutboxStore', () => {
  it('writes atomically (no temp file left) and readable JSON', async () => {
    const dir = tempDir('mpi-outbox-');
    const path = dir.file('outbox.json');
    const store = new FileOutboxStore(path);
    await Promise.all([store.put(entry(1)), store.put(entry(2)), store.delete('cm-1')]);
    await store.flushed();
    expect(readdirSync(dir.path)).toEqual(['outbox.json']);
    const body = JSON.parse(readFileSync(path, 'utf8')) as { version: number; entries: OutboxEntry[] };
    expect(body.version).toBe(1);
    expect(body.entries.map((e) => e.clientMessageId)).toEqual(['cm-2']);
  });

  it('ignores malformed entries and refuses a corrupt file', async () => {
    const path = tempDir('mpi-outbox-').file('outbox.json');
    writeFileSync(path, JSON.stringify({ version: 1, entries: [entry(1), { nope: true }] }));
    expect((await new FileOutboxStore(path).load()).map((e) => e.clientMessageId)).toEqual(['cm-1']);
    writeFileSync(path, '{ torn');
    await expect(new FileOutboxStore(path).load()).rejects.toThrow(/not valid JSON/);
  });
});
