import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ConfirmOutcome, ReceiptTracker } from '../src/receipts.js';

interface Fake {
  confirms: Array<[string, number]>;
  fetches: Array<[string, number, number]>;
  /** Seqs the fake server still has, per chat. */
  history: Map<string, Set<number>>;
  outcome: ConfirmOutcome;
  /** get_history fails (null) while true. */
  fetchFails: boolean;
  tracker: ReceiptTracker;
}

function setup(): Fake {
  const fake = { confirms: [], fetches: [], history: new Map(), outcome: 'ok' } as unknown as Fake;
  fake.tracker = new ReceiptTracker(
    {
      confirm: async (chatId, upToSeq) => {
        fake.confirms.push([chatId, upToSeq]);
        return fake.outcome;
      },
      fetchGap: async (chatId, beforeSeq, limit) => {
        fake.fetches.push([chatId, beforeSeq, limit]);
        if (fake.fetchFails) return null;
        const have = fake.history.get(chatId) ?? new Set<number>();
        const seqs = [];
        for (let seq = beforeSeq - limit; seq < beforeSeq; seq++) if (have.has(seq)) seqs.push(seq);
        for (const seq of seqs) fake.tracker.note(chatId, seq); // the store reports what it took in
        return seqs;
      },
    },
    { tickMs: 50, gapFillAfterMs: 2000 },
  );
  return fake;
}

let fake: Fake;
beforeEach(() => {
  vi.useFakeTimers();
  fake = setup();
});
afterEach(() => {
  fake.tracker.destroy();
  vi.useRealTimers();
});

const tick = (ms = 50) => vi.advanceTimersByTimeAsync(ms);

describe('ReceiptTracker: the contiguous rule', () => {
  it('confirms nothing before catch_up_complete, then up to the contiguous run from the cursor', async () => {
    for (const seq of [11, 12, 14]) fake.tracker.note('c1', seq);
    await tick(500);
    expect(fake.confirms).toEqual([]);
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 10 }]);
    await tick();
    expect(fake.confirms).toEqual([['c1', 12]]); // 13 is missing: 14 is not confirmed
    fake.tracker.note('c1', 13);
    await tick();
    expect(fake.confirms).toEqual([
      ['c1', 12],
      ['c1', 14],
    ]);
  });

  it('never confirms above a hole at the baseline (first queued message still in flight)', async () => {
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 10 }]);
    fake.tracker.note('c1', 12);
    await tick(200);
    expect(fake.confirms).toEqual([]);
    expect(fake.tracker.state('c1')).toMatchObject({ baseline: 10, contiguous: 10 });
  });

  it('batches: one cumulative receipt per chat per tick', async () => {
    fake.tracker.catchUpComplete([
      { chatId: 'a', seq: 0 },
      { chatId: 'b', seq: 5 },
    ]);
    for (let seq = 1; seq <= 100; seq++) fake.tracker.note('a', seq);
    for (let seq = 6; seq <= 9; seq++) fake.tracker.note('b', seq);
    await tick();
    expect(fake.confirms).toEqual([
      ['a', 100],
      ['b', 9],
    ]);
    await tick(500);
    expect(fake.confirms).toHaveLength(2);
    expect(fake.tracker.hasTimer).toBe(false); // idle: no timer left running
  });

  it('a chat first seen after catch-up starts at its first seq − 1', async () => {
    fake.tracker.catchUpComplete([]);
    fake.tracker.note('new', 1);
    fake.tracker.note('new', 2);
    fake.tracker.note('late', 40);
    await tick();
    expect(fake.confirms).toEqual([
      ['new', 2],
      ['late', 40],
    ]);
    expect(fake.tracker.state('late')).toMatchObject({ baseline: 39 });
  });

  it('a chat without a cursor but seen during catch-up starts at its lowest seq − 1', async () => {
    fake.tracker.note('c1', 8);
    fake.tracker.note('c1', 7);
    fake.tracker.catchUpComplete([]);
    await tick();
    expect(fake.confirms).toEqual([['c1', 8]]);
  });

  it('stops on a lost connection and waits for the next catch_up_complete', async () => {
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 0 }]);
    fake.tracker.connectionLost();
    fake.tracker.note('c1', 1);
    await tick(200);
    expect(fake.confirms).toEqual([]);
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 0 }]);
    await tick();
    expect(fake.confirms).toEqual([['c1', 1]]);
  });

  it('retries a failed confirmation on the next tick', async () => {
    fake.outcome = 'retry';
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 0 }]);
    fake.tracker.note('c1', 1);
    await tick();
    fake.outcome = 'ok';
    await tick();
    expect(fake.confirms).toEqual([
      ['c1', 1],
      ['c1', 1],
    ]);
    await tick(200);
    expect(fake.confirms).toHaveLength(2);
  });

  it('fills a gap that lasts more than 2 s with get_history', async () => {
    fake.history.set('c1', new Set([1, 2, 3, 4, 5, 6]));
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 0 }]);
    for (const seq of [1, 2, 5, 6]) fake.tracker.note('c1', seq);
    await tick(1900);
    expect(fake.fetches).toEqual([]);
    expect(fake.confirms).toEqual([['c1', 2]]);
    await tick(200);
    expect(fake.fetches).toEqual([['c1', 5, 2]]);
    await tick();
    expect(fake.confirms.at(-1)).toEqual(['c1', 6]);
  });

  it('skips seqs the server no longer has (deleted by retention) when filling', async () => {
    fake.history.set('c1', new Set([4]));
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 0 }]);
    fake.tracker.note('c1', 5);
    await tick(2100);
    await tick();
    expect(fake.fetches).toEqual([['c1', 5, 4]]);
    expect(fake.confirms.at(-1)).toEqual(['c1', 5]);
  });

  it('resync_required moves the baseline past the pruned seqs', async () => {
    fake.tracker.resync('c1', 20);
    fake.tracker.note('c1', 21);
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 3 }]);
    await tick();
    expect(fake.confirms).toEqual([['c1', 21]]);
  });

  it('a cursor ahead of what is held: the missing seqs are fetched at once, confirmed only once held', async () => {
    fake.history.set('c1', new Set([1, 2, 3, 4, 5, 6, 7, 8]));
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 0 }]);
    fake.tracker.note('c1', 1);
    await tick();
    fake.tracker.connectionLost();
    // Another tab of the device (or a new device on the server) confirmed up to 7; this store holds 1.
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 7 }]);
    fake.tracker.note('c1', 8);
    await tick();
    expect(fake.fetches).toEqual([['c1', 8, 6]]); // no 2 s wait: seqs 2..7
    await tick();
    expect(fake.confirms).toEqual([
      ['c1', 1],
      ['c1', 8],
    ]);
  });

  it('a cursor ahead of what is held: no receipt of the chat while the fetch fails', async () => {
    fake.history.set('c1', new Set([1, 2, 3, 4]));
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 0 }]);
    fake.tracker.note('c1', 1);
    await tick();
    fake.tracker.connectionLost();
    fake.fetchFails = true;
    fake.tracker.catchUpComplete([{ chatId: 'c1', seq: 3 }]);
    fake.tracker.note('c1', 4);
    await tick(5000);
    expect(fake.fetches.length).toBeGreaterThan(1); // retried
    expect(fake.confirms).toEqual([['c1', 1]]);
    fake.fetchFails = false;
    await tick(2100);
    expect(fake.confirms).toEqual([
      ['c1', 1],
      ['c1', 4],
    ]);
  });
});
