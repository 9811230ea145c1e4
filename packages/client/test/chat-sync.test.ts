import type { MessageData } from '@mpi/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatSync, type SyncBridge } from '../src/chat-sync.js';
import type { AckEventName } from '../src/types.js';

function msg(seq: number, senderId = 'bob'): MessageData {
  return {
    id: `id-${seq}`,
    clientMessageId: `cm-${seq}`,
    chatId: 'c1',
    senderId,
    text: `t${seq}`,
    createdAt: new Date(seq * 1000).toISOString(),
    seq,
  };
}

/** A bridge that records requests and answers from `answers` (default `{ ok: true }`). */
function bridge(answers: Partial<Record<AckEventName, (payload: never) => unknown>> = {}) {
  const requests: Array<[string, unknown]> = [];
  const signals: string[] = [];
  let ready = true;
  const b: SyncBridge = {
    request: (async (event: AckEventName, payload: unknown) => {
      requests.push([event, payload]);
      const answer = answers[event];
      return answer ? answer(payload as never) : { ok: true };
    }) as SyncBridge['request'],
    isReady: () => ready,
    deviceId: async () => 'device-1',
    signal: (event, chatId) => {
      if (!ready) return false;
      signals.push(`${event}:${chatId}`);
      return true;
    },
  };
  return {
    b,
    requests,
    signals,
    setReady(value: boolean) {
      ready = value;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ChatSync', () => {
  it('routes server events into the store and confirms receipts after catch-up', async () => {
    const fake = bridge();
    const sync = new ChatSync(fake.b);
    sync.session.user = { userId: 'me', userInfo: {} };
    sync.store.setCurrentUser('me');
    sync.connected();
    await vi.advanceTimersByTimeAsync(0);
    sync.handle('queued_messages', [[msg(1), msg(2)]]);
    sync.handle('receive_message', [msg(2)]);
    sync.handle('receive_message', [{ nonsense: true }]);
    sync.handle('catch_up_complete', [{ messages: 2, cursors: [{ chatId: 'c1', seq: 0 }] }]);
    await vi.advanceTimersByTimeAsync(60);
    expect(sync.store.getChatSnapshot('c1').messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(fake.requests.filter(([event]) => event === 'messages_received')).toEqual([
      ['messages_received', { chatId: 'c1', upToSeq: 2 }],
    ]);
    sync.destroy();
  });

  it('resync_required drops the chat and reloads its newest page', async () => {
    const fake = bridge({ get_history: () => ({ ok: true, messages: [msg(42), msg(41)], hasMore: true }) });
    const sync = new ChatSync(fake.b);
    sync.handle('receive_message', [msg(3)]);
    sync.handle('resync_required', [{ chatId: 'c1', prunedSeq: 40 }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.requests).toContainEqual(['get_history', { chatId: 'c1', limit: 50 }]);
    expect(sync.store.getChatSnapshot('c1').messages.map((m) => m.seq)).toEqual([41, 42]);
    sync.handle('catch_up_complete', [{ messages: 0, cursors: [{ chatId: 'c1', seq: 2 }] }]);
    await vi.advanceTimersByTimeAsync(60);
    expect(fake.requests).toContainEqual(['messages_received', { chatId: 'c1', upToSeq: 42 }]);
    sync.destroy();
  });

  it('destroy() leaves no timer behind (typing, receipts, outbox retries, store)', async () => {
    const fake = bridge({
      send_message: () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'slow' } }),
    });
    const sync = new ChatSync(fake.b);
    sync.connected();
    await vi.advanceTimersByTimeAsync(0);
    sync.typing.start('c1');
    sync.handle('typing_update', [{ chatId: 'c1', userId: 'bob', isTyping: true }]);
    sync.handle('catch_up_complete', [{ messages: 0, cursors: [] }]);
    sync.handle('receive_message', [msg(5)]);
    sync.handle('receive_message', [msg(7)]); // a gap: the receipt tracker keeps ticking
    void sync.outbox.send('c1', 'hello', 'x1');
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBeGreaterThanOrEqual(3);
    sync.destroy();
    expect(vi.getTimerCount()).toBe(0);
    expect(sync.store.listenerCount()).toBe(0);
  });

  it('remembers the rate limit of send_message for the outbox', async () => {
    let calls = 0;
    const fake = bridge({
      send_message: (payload: { clientMessageId: string; chatId: string; text: string }) =>
        ++calls === 1
          ? { ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } }
          : {
              ok: true,
              duplicate: false,
              message: { ...msg(1, 'me'), clientMessageId: payload.clientMessageId },
            },
    });
    const sync = new ChatSync(fake.b);
    sync.connected();
    await vi.advanceTimersByTimeAsync(0);
    sync.handle('socket_rate_limit_exceeded', [
      { code: 'RATE_LIMITED', message: 'x', event: 'send_message', retryAfterMs: 3000 },
    ]);
    const ack = sync.outbox.send('c1', 'hello', 'r1');
    await vi.advanceTimersByTimeAsync(2900);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    expect((await ack).ok).toBe(true);
    sync.destroy();
  });
});
