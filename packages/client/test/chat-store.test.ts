import type { ChatSummary, MessageData } from '@mpi/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutboxEntry } from '../src/outbox/types.js';
import { toChatMessage } from '../src/store/chat-state.js';
import { ChatStateStore } from '../src/store/chat-store.js';
import { MessageList } from '../src/store/message-list.js';
import type { ChatStoreTransport } from '../src/store/types.js';

const ME = 'me';

function msg(seq: number, overrides: Partial<MessageData> = {}): MessageData {
  return {
    id: `id-${overrides.chatId ?? 'c1'}-${seq}`,
    clientMessageId: `cm-${seq}`,
    chatId: 'c1',
    senderId: 'bob',
    text: `text ${seq}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    seq,
    ...overrides,
  };
}

function entry(clientMessageId: string, overrides: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    clientMessageId,
    chatId: 'c1',
    text: `local ${clientMessageId}`,
    userId: ME,
    createdAt: Date.now(),
    order: 1,
    status: 'pending',
    error: null,
    attempts: 0,
    ...overrides,
  };
}

function transport(overrides: Partial<ChatStoreTransport> = {}): ChatStoreTransport {
  return {
    getHistory: async () => ({ ok: true, messages: [], hasMore: false }),
    markRead: async () => ({ ok: true, unreadCount: 0 }),
    listChats: async () => ({ ok: true, chats: [], profiles: [], presence: [] }),
    getMembers: async () => ({ ok: true, members: [], profiles: [], presence: [] }),
    ...overrides,
  };
}

function store(options: { max?: number; onHeld?: (chatId: string, seq: number) => void } = {}) {
  const s = new ChatStateStore(transport(), { maxMessagesPerChat: options.max, onHeld: options.onHeld });
  s.setCurrentUser(ME);
  return s;
}

const seqs = (s: ChatStateStore, chatId = 'c1') => s.getChatSnapshot(chatId).messages.map((m) => m.seq);

afterEach(() => {
  vi.useRealTimers();
});

describe('MessageList', () => {
  it('orders by seq whatever the arrival order, and dedupes by id', () => {
    const list = new MessageList(10);
    const make = (seq: number) => toChatMessage(msg(seq), false, 'received');
    for (const seq of [3, 1, 2, 3, 5, 4, 1]) list.upsertSent(make(seq));
    expect(list.toArray().map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(list.upsertSent(make(2))).toBe(false);
  });

  it('keeps at most `limit` sent messages, dropping the oldest, and never drops pending ones', () => {
    const list = new MessageList(3);
    const make = (seq: number) => toChatMessage(msg(seq), false, 'received');
    list.addPending({ ...make(0), id: null, seq: null, clientMessageId: 'p1', own: true, status: 'pending' });
    for (let seq = 1; seq <= 6; seq++) list.upsertSent(make(seq));
    expect(list.toArray().map((m) => m.seq)).toEqual([4, 5, 6, null]);
    expect(list.trimmed).toBe(true);
    expect(list.upsertSent(make(2))).toBe(false); // older than the window and no room: dropped
    expect(list.lowestSeq).toBe(4);
  });
});

describe('ChatStateStore: merging', () => {
  it('merges live, queued and history messages into one ordered, deduplicated list', () => {
    const held: number[] = [];
    const s = store({ onHeld: (_chat, seq) => held.push(seq) });
    s.ingest([msg(5)]); // live
    s.ingest([msg(1), msg(2), msg(3), msg(5)]); // queued, overlapping the live one
    s.ingest([msg(4), msg(3)]); // history
    expect(seqs(s)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(s.getChatSnapshot('c1').messages.map((m) => m.id)).size).toBe(5);
    expect(held.sort((a, b) => a - b)).toEqual([1, 2, 3, 3, 4, 5, 5]);
  });

  it('replaces an own pending message by its sent version (matched by clientMessageId), pending last', () => {
    const s = store();
    s.showPending(entry('a', { order: 1 }));
    s.showPending(entry('b', { order: 2 }));
    s.ingest([msg(1)]);
    expect(s.getChatSnapshot('c1').messages.map((m) => [m.clientMessageId, m.status])).toEqual([
      ['cm-1', 'received'],
      ['a', 'pending'],
      ['b', 'pending'],
    ]);
    s.ingest([msg(2, { clientMessageId: 'a', senderId: ME })]);
    s.ingest([msg(2, { clientMessageId: 'a', senderId: ME })]); // the same again, e.g. queued on another device
    expect(s.getChatSnapshot('c1').messages.map((m) => [m.seq, m.clientMessageId, m.status])).toEqual([
      [1, 'cm-1', 'received'],
      [2, 'a', 'sent'],
      [null, 'b', 'pending'],
    ]);
  });

  it('another user with the same clientMessageId does not replace my pending message', () => {
    const s = store();
    s.showPending(entry('same'));
    s.ingest([msg(1, { clientMessageId: 'same', senderId: 'bob' })]);
    expect(s.getChatSnapshot('c1').messages.map((m) => m.status)).toEqual(['received', 'pending']);
  });

  it('shows failed messages with their error, and removes discarded ones', () => {
    const s = store();
    const failed = entry('x', { status: 'failed', error: { code: 'VALIDATION_FAILED', message: 'blank' } });
    s.showPending(entry('x'));
    s.showPending(failed);
    expect(s.getChatSnapshot('c1').messages[0]).toMatchObject({
      status: 'failed',
      error: { code: 'VALIDATION_FAILED' },
    });
    s.removePending(failed);
    expect(s.getChatSnapshot('c1').messages).toEqual([]);
  });

  it('is bounded per chat: 500 by default, oldest dropped, hasMore true again', () => {
    const s = store();
    s.ingest(Array.from({ length: 600 }, (_, i) => msg(i + 1)));
    const snap = s.getChatSnapshot('c1');
    expect(snap.messages).toHaveLength(500);
    expect(snap.messages[0]?.seq).toBe(101);
    expect(snap.messages.at(-1)?.seq).toBe(600);
    expect(snap.hasMore).toBe(true);
  });
});

describe('ChatStateStore: changes of messages', () => {
  const edited = (seq: number, version: number, text: string) =>
    msg(seq, { version, text, editedAt: '2026-01-01T01:00:00.000Z' });

  it('keeps the newer version whatever the arrival order', () => {
    const s = store();
    s.ingest([msg(1)]);
    s.applyChanges([edited(1, 2, 'second')]);
    s.ingest([edited(1, 1, 'first')]); // a history page read in between
    expect(s.getChatSnapshot('c1').messages[0]).toMatchObject({ text: 'second', version: 2 });
  });

  it('a change that overtakes its message is applied when the message comes', () => {
    const s = store();
    s.applyChanges([edited(1, 3, 'changed')]);
    expect(s.getChatSnapshot('c1').messages).toEqual([]); // not held: no island in the list
    s.ingest([msg(1)]); // the copy of a catch-up page read before the change
    expect(s.getChatSnapshot('c1').messages[0]).toMatchObject({ text: 'changed', version: 3 });
  });

  it('the quotes of held replies follow their original', () => {
    const s = store();
    const quote = { messageId: 'id-c1-1', seq: 1, senderId: 'bob', text: 'text 1', deleted: false };
    s.ingest([msg(1), msg(2, { replyTo: quote })]);
    s.applyChanges([msg(1, { version: 1, text: '', deletedAt: '2026-01-01T01:00:00.000Z' })]);
    expect(s.getChatSnapshot('c1').messages[1]?.replyTo).toEqual({ ...quote, text: '', deleted: true });
  });

  it('shows a queued action at once, and the stored state once it is acknowledged', () => {
    const s = store();
    s.ingest([msg(1, { senderId: ME })]);
    const action = entry('a1', {
      text: 'fixed',
      action: { type: 'edit', messageId: 'id-c1-1', text: 'fixed' },
    });
    s.showPending(action);
    expect(s.getChatSnapshot('c1').messages).toMatchObject([{ text: 'fixed', syncing: true, seq: 1 }]);
    s.removePending(action);
    s.applyChanges([edited(1, 1, 'fixed')]);
    expect(s.getChatSnapshot('c1').messages).toMatchObject([{ text: 'fixed', syncing: false, version: 1 }]);
  });
});

describe('ChatStateStore: snapshots', () => {
  it('keeps snapshot identity until that chat changes, and notifies once per batch', () => {
    const s = store();
    let notified = 0;
    const unsubscribe = s.subscribe(() => notified++);
    s.ingest([msg(1), msg(2), msg(1, { chatId: 'c2' })]);
    expect(notified).toBe(1);
    const c1 = s.getChatSnapshot('c1');
    const c2 = s.getChatSnapshot('c2');
    expect(s.getChatSnapshot('c1')).toBe(c1);
    expect(Object.isFrozen(c1)).toBe(true);
    expect(Object.isFrozen(c1.messages)).toBe(true);
    s.ingest([msg(3)]);
    expect(s.getChatSnapshot('c1')).not.toBe(c1);
    expect(s.getChatSnapshot('c2')).toBe(c2);
    s.ingest([msg(3)]); // a duplicate changes nothing visible
    const again = s.getChatSnapshot('c1');
    expect(s.getChatSnapshot('c1')).toBe(again);
    unsubscribe();
    expect(s.listenerCount()).toBe(0);
  });

  it('the chat list is ordered by activity and keeps identity when nothing in it changed', () => {
    const s = store();
    const summary = (id: string, lastSeq: number, unreadCount: number, at: number): ChatSummary => ({
      id,
      type: 'dm',
      name: null,
      members: [ME, 'bob'],
      createdAt: new Date(0).toISOString(),
      lastSeq,
      lastMessage: msg(lastSeq, { chatId: id, createdAt: new Date(at).toISOString() }),
      unreadCount,
      muted: false,
    });
    s.applyChatList([summary('a', 3, 1, 1000), summary('b', 5, 0, 2000)]);
    const list = s.getChatListSnapshot();
    expect(list.map((c) => [c.id, c.unreadCount])).toEqual([
      ['b', 0],
      ['a', 1],
    ]);
    s.applyTyping({ chatId: 'a', userId: 'bob', isTyping: true }); // not part of the list
    expect(s.getChatListSnapshot()).toBe(list);
    s.ingest([msg(4, { chatId: 'a', createdAt: new Date(3000).toISOString() })]);
    const next = s.getChatListSnapshot();
    expect(next).not.toBe(list);
    expect(next.map((c) => [c.id, c.unreadCount])).toEqual([
      ['a', 2],
      ['b', 0],
    ]);
    expect(next[1]).toBe(list[0]); // the unchanged row keeps its identity
    s.destroy();
  });
});

describe('ChatStateStore: unread, status, typing', () => {
  it('derives unread counts from the read mark; a read mark of my other device clears them', () => {
    const s = store();
    s.applyChatListUpdate({ chatId: 'c1', updates: { lastMessage: msg(3), unreadCount: 3 } });
    expect(s.getChatSnapshot('c1').unreadCount).toBe(3);
    s.ingest([msg(4)]);
    expect(s.getChatSnapshot('c1').unreadCount).toBe(4);
    s.applyRead({ chatId: 'c1', userId: ME, upToSeq: 4 });
    expect(s.getChatSnapshot('c1').unreadCount).toBe(0);
    expect(s.getChatListSnapshot()[0]?.unreadCount).toBe(0);
  });

  it('a list_chats answer older than a live update does not lower the unread count', () => {
    const s = store();
    s.applyChatListUpdate({
      chatId: 'c1',
      updates: { lastMessage: msg(1, { senderId: 'bob' }), unreadCount: 1 },
    });
    // The list was computed before that message: no last message, nothing unread, last seq 0.
    const stale: ChatSummary = {
      id: 'c1',
      type: 'dm',
      name: null,
      members: [ME, 'bob'],
      createdAt: new Date(0).toISOString(),
      lastSeq: 0,
      lastMessage: null,
      unreadCount: 0,
      muted: false,
    };
    s.applyChatList([stale]);
    expect(s.getChatListSnapshot()[0]).toMatchObject({ unreadCount: 1, lastMessage: { seq: 1 } });
  });

  it('moves own messages to delivered, then read (never back)', () => {
    const s = store();
    s.applyChatInfo({ id: 'c1', type: 'dm', name: null, members: [ME, 'bob'], createdAt: '', lastSeq: 0 });
    s.ingest([1, 2, 3].map((seq) => msg(seq, { senderId: ME })));
    s.applyDelivered({ messageId: 'id-c1-2', chatId: 'c1', seq: 2, deliveredCount: 1, recipientCount: 1 });
    expect(s.getChatSnapshot('c1').messages.map((m) => m.status)).toEqual(['delivered', 'delivered', 'sent']);
    s.applyRead({ chatId: 'c1', userId: 'bob', upToSeq: 1 });
    s.applyDelivered({ messageId: 'id-c1-1', chatId: 'c1', seq: 1, deliveredCount: 1, recipientCount: 1 });
    expect(s.getChatSnapshot('c1').messages.map((m) => m.status)).toEqual(['read', 'delivered', 'sent']);
  });

  it('in a group, an own message is read when every other member read it', () => {
    const s = store();
    s.applyChatInfo({
      id: 'c1',
      type: 'group',
      name: 'g',
      members: [ME, 'bob', 'eve'],
      createdAt: '',
      lastSeq: 0,
    });
    s.ingest([msg(1, { senderId: ME })]);
    s.applyRead({ chatId: 'c1', userId: 'bob', upToSeq: 1 });
    expect(s.getChatSnapshot('c1').messages[0]?.status).toBe('sent');
    s.applyRead({ chatId: 'c1', userId: 'eve', upToSeq: 1 });
    expect(s.getChatSnapshot('c1').messages[0]?.status).toBe('read');
  });

  it('expires typing users after ~6 s without an update, and ignores my own', () => {
    vi.useFakeTimers();
    const s = store();
    s.applyTyping({ chatId: 'c1', userId: 'bob', isTyping: true });
    s.applyTyping({ chatId: 'c1', userId: ME, isTyping: true });
    expect(s.getChatSnapshot('c1').typingUserIds).toEqual(['bob']);
    vi.advanceTimersByTime(5000);
    s.applyTyping({ chatId: 'c1', userId: 'bob', isTyping: true }); // refreshed
    vi.advanceTimersByTime(5000);
    expect(s.getChatSnapshot('c1').typingUserIds).toEqual(['bob']);
    vi.advanceTimersByTime(1100);
    expect(s.getChatSnapshot('c1').typingUserIds).toEqual([]);
    s.applyTyping({ chatId: 'c1', userId: 'bob', isTyping: true });
    // A message may arrive after its sender's next typing_start: only typing updates end an indicator
    // (the server sends isTyping false when a message is sent).
    s.ingest([msg(1)]);
    expect(s.getChatSnapshot('c1').typingUserIds).toEqual(['bob']);
    s.applyTyping({ chatId: 'c1', userId: 'bob', isTyping: false });
    expect(s.getChatSnapshot('c1').typingUserIds).toEqual([]);
    expect(s.timerCount).toBe(0);
  });

  it('loadOlder pages back from the lowest held seq and sets hasMore', async () => {
    const calls: Array<number | undefined> = [];
    const s = new ChatStateStore(
      transport({
        getHistory: async (_chatId, beforeSeq, limit) => {
          calls.push(beforeSeq);
          const top = (beforeSeq ?? 121) - 1;
          const messages = [];
          for (let seq = top; seq > Math.max(0, top - limit); seq--) messages.push(msg(seq));
          return { ok: true, messages, hasMore: top - limit > 0 };
        },
      }),
      { historyPageSize: 50 },
    );
    s.ingest([msg(120)]);
    expect(await s.loadOlder('c1')).toBe(true);
    expect(await s.loadOlder('c1')).toBe(true);
    expect(await s.loadOlder('c1')).toBe(false);
    expect(calls).toEqual([120, 70, 20]);
    expect(seqs(s)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(s.getChatSnapshot('c1').hasMore).toBe(false);
  });

  it('resync drops the held messages (pending stay)', () => {
    const s = store();
    s.ingest([msg(1), msg(2)]);
    s.showPending(entry('p'));
    s.resetChat('c1');
    expect(s.getChatSnapshot('c1').messages.map((m) => m.clientMessageId)).toEqual(['p']);
  });

  it('1,000 subscribe/unsubscribe cycles leave no listener behind', () => {
    const s = store();
    const keep = s.subscribe(() => {});
    for (let i = 0; i < 1000; i++) s.subscribe(() => {})();
    expect(s.listenerCount()).toBe(1);
    keep();
    expect(s.listenerCount()).toBe(0);
  });
});

describe('ChatStateStore: presence', () => {
  it('keeps an arrival that came before the join ack whose list was read earlier', () => {
    const s = store();
    s.presenceJoinStarted('c1');
    s.applyPresence('c1', { userId: 'eve', here: true });
    s.applyPresence('c1', { all: [] });
    expect(s.getChatSnapshot('c1').presentUserIds).toEqual(['eve']);
    s.applyPresence('c1', { userId: 'eve', here: false });
    expect(s.getChatSnapshot('c1').presentUserIds).toEqual([]);
  });

  it('takes the ack as it is when nothing arrived meanwhile, and forgets presence on leave', () => {
    const s = store();
    s.presenceJoinStarted('c1');
    s.applyPresence('c1', { all: ['finn', ME] });
    expect(s.getChatSnapshot('c1').presentUserIds).toEqual(['finn']);
    s.forgetPresence('c1');
    expect(s.getChatSnapshot('c1').presentUserIds).toEqual([]);
  });
});
