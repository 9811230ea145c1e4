import type { ErrorCode, MessageData } from '@mpi/protocol';
import { sleep, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryOutboxStore } from '../src/outbox/memory-store.js';
import { Outbox, type SendAck } from '../src/outbox/outbox.js';
import type { OutboxEntry } from '../src/outbox/types.js';

type Reply = SendAck | 'hang';

/** A fake server: answers sends from a script, records them, and checks they never overlap. */
function harness(script: (entry: OutboxEntry, attempt: number) => Reply = () => ({ ok: true }) as never) {
  const state = {
    connected: true,
    epoch: 1,
    sent: [] as string[],
    inFlight: new Set<string>(),
    maxConcurrentPerChat: 0,
    events: [] as string[],
    retryAfterMs: undefined as number | undefined,
    hanging: [] as Array<(ack: SendAck) => void>,
  };
  let seq = 0;
  const store = new MemoryOutboxStore();
  const outbox = new Outbox(
    store,
    {
      canSend: () => state.connected,
      connectionEpoch: () => state.epoch,
      currentUserId: () => 'me',
      retryAfterMs: () => state.retryAfterMs,
      send: (entry) => {
        state.sent.push(entry.clientMessageId);
        const chatInFlight = [...state.inFlight].filter((id) => id.startsWith(`${entry.chatId}/`)).length + 1;
        state.maxConcurrentPerChat = Math.max(state.maxConcurrentPerChat, chatInFlight);
        const key = `${entry.chatId}/${entry.clientMessageId}`;
        state.inFlight.add(key);
        const reply = script(entry, state.sent.filter((id) => id === entry.clientMessageId).length);
        return new Promise<SendAck>((resolve) => {
          const done = (ack: SendAck) => {
            state.inFlight.delete(key);
            resolve(ack);
          };
          if (reply === 'hang') state.hanging.push(done);
          else {
            const ack: SendAck = reply.ok
              ? { ok: true, duplicate: false, message: message(entry, ++seq) }
              : reply;
            setTimeout(() => done(ack), 1);
          }
        });
      },
    },
    {
      queued: (e) => state.events.push(`queued:${e.clientMessageId}`),
      sent: (e) => state.events.push(`sent:${e.clientMessageId}`),
      failed: (e) => state.events.push(`failed:${e.clientMessageId}:${e.error?.code}`),
      discarded: (e) => state.events.push(`discarded:${e.clientMessageId}`),
    },
    { retryDelayMs: 20, defaultRateLimitDelayMs: 30 },
  );
  return { state, store, outbox };
}

function message(entry: OutboxEntry, seq: number): MessageData {
  return {
    id: `m-${entry.clientMessageId}`,
    clientMessageId: entry.clientMessageId,
    chatId: entry.chatId,
    senderId: 'me',
    text: entry.text,
    createdAt: new Date().toISOString(),
    seq,
  };
}

const fail = (code: ErrorCode): SendAck => ({ ok: false, error: { code, message: code } });

let current: ReturnType<typeof harness> | undefined;
afterEach(() => {
  current?.outbox.destroy();
  current = undefined;
});

describe('Outbox', () => {
  it('sends in order per chat, one at a time, and empties the store', async () => {
    const h = harness();
    current = h;
    const acks = Array.from({ length: 20 }, (_, i) => h.outbox.send(i % 2 ? 'b' : 'a', `t${i}`, `id${i}`));
    const results = await Promise.all(acks);
    expect(results.every((ack) => ack.ok)).toBe(true);
    expect(h.state.sent.filter((id) => Number(id.slice(2)) % 2 === 0)).toEqual(
      Array.from({ length: 10 }, (_, i) => `id${i * 2}`),
    );
    expect(h.state.maxConcurrentPerChat).toBe(1);
    expect(h.store.size).toBe(0);
  });

  it('waits while disconnected, then flushes with the same clientMessageId', async () => {
    const h = harness();
    current = h;
    h.state.connected = false;
    const ack = h.outbox.send('a', 'hello', 'x');
    await sleep(30);
    expect(h.state.sent).toEqual([]);
    expect(await h.outbox.entries()).toMatchObject([{ clientMessageId: 'x', status: 'pending' }]);
    h.state.connected = true;
    h.outbox.flush();
    expect(await ack).toMatchObject({ ok: true, message: { clientMessageId: 'x' } });
    expect(h.state.sent).toEqual(['x']);
  });

  it('final errors fail the message, the rest of the chat goes on; retry and discard', async () => {
    const h = harness((entry, attempt) =>
      entry.text === 'bad' && attempt === 1 ? fail('VALIDATION_FAILED') : ({ ok: true } as never),
    );
    current = h;
    const [bad, good] = await Promise.all([h.outbox.send('a', 'bad', 'b1'), h.outbox.send('a', 'ok', 'g1')]);
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(good.ok).toBe(true);
    expect(await h.outbox.entries()).toMatchObject([{ clientMessageId: 'b1', status: 'failed' }]);
    expect(h.store.size).toBe(1);
    expect(await h.outbox.retry('b1')).toMatchObject({ ok: true });
    expect(await h.outbox.retry('b1')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const h2 = harness(() => fail('NOT_A_MEMBER'));
    const denied = await h2.outbox.send('a', 'x', 'd1');
    expect(denied.ok).toBe(false);
    expect(await h2.outbox.discard('d1')).toBe(true);
    expect(await h2.outbox.entries()).toEqual([]);
    expect(h2.store.size).toBe(0);
    expect(h2.state.events).toEqual(['queued:d1', 'failed:d1:NOT_A_MEMBER', 'discarded:d1']);
    h2.outbox.destroy();
  });

  it('UNAVAILABLE keeps the message pending and retries with backoff', async () => {
    const h = harness((_entry, attempt) => (attempt < 3 ? fail('UNAVAILABLE') : ({ ok: true } as never)));
    current = h;
    const ack = await h.outbox.send('a', 'x', 'u1');
    expect(ack.ok).toBe(true);
    expect(h.state.sent).toEqual(['u1', 'u1', 'u1']);
  });

  it('RATE_LIMITED waits retryAfterMs before resending', async () => {
    const h = harness((_entry, attempt) => (attempt === 1 ? fail('RATE_LIMITED') : ({ ok: true } as never)));
    current = h;
    h.state.retryAfterMs = 150;
    const started = Date.now();
    const ack = await h.outbox.send('a', 'x', 'r1');
    expect(ack.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('never sends a second copy while one is on the wire, even across a reconnect', async () => {
    const h = harness((_entry, attempt) => (attempt === 1 ? 'hang' : ({ ok: true } as never)));
    current = h;
    const ack = h.outbox.send('a', 'x', 'w1');
    await waitFor(() => h.state.hanging.length === 1);
    h.outbox.flush();
    h.outbox.flush();
    await sleep(20);
    expect(h.state.sent).toEqual(['w1']);
    expect(await h.outbox.discard('w1')).toBe(false); // on the wire: cannot be discarded
    // The connection drops (the pending ack resolves UNAVAILABLE) and comes back.
    h.state.epoch++;
    h.state.hanging[0]?.(fail('UNAVAILABLE'));
    expect((await ack).ok).toBe(true);
    expect(h.state.sent).toEqual(['w1', 'w1']);
    expect(h.state.maxConcurrentPerChat).toBe(1);
  });

  it('loads what an earlier run left in the store and sends it first', async () => {
    const store = new MemoryOutboxStore();
    await store.put({
      clientMessageId: 'old',
      chatId: 'a',
      text: 'from before',
      userId: 'me',
      createdAt: 1,
      order: 1,
      status: 'pending',
      error: null,
      attempts: 1,
    });
    const sent: string[] = [];
    const outbox = new Outbox(
      store,
      {
        canSend: () => true,
        connectionEpoch: () => 1,
        currentUserId: () => 'me',
        retryAfterMs: () => undefined,
        send: async (entry) => {
          sent.push(entry.clientMessageId);
          return { ok: true, duplicate: false, message: message(entry, sent.length) };
        },
      },
      { queued: () => {}, sent: () => {}, failed: () => {}, discarded: () => {} },
    );
    await outbox.send('a', 'new', 'new');
    await waitFor(() => store.size === 0);
    expect(sent).toEqual(['old', 'new']);
    outbox.destroy();
  });

  it('destroy() resolves waiting sends with UNAVAILABLE and keeps the entries', async () => {
    const h = harness();
    current = h;
    h.state.connected = false;
    const ack = h.outbox.send('a', 'x', 'z1');
    await h.outbox.entries();
    h.outbox.destroy();
    expect(await ack).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(h.store.size).toBe(1);
  });
});
