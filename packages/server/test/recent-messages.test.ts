import type { MessageData } from '@mpi/protocol';
import { describe, expect, it } from 'vitest';
import { RecentMessages } from '../src/chat/recent-messages.js';

function message(chatId: string, seq: number, senderId = seq % 2 ? 'ann' : 'bob'): MessageData {
  return {
    id: `${chatId}-m${seq}`,
    clientMessageId: `c${seq}`,
    chatId,
    senderId,
    text: 'hi',
    createdAt: new Date(0).toISOString(),
    seq,
  };
}

describe('RecentMessages', () => {
  it('answers a range it holds without a gap, with ids and senders', () => {
    const recent = new RecentMessages();
    for (let seq = 1; seq <= 5; seq++) recent.add(message('c1', seq));
    expect(recent.range('c1', 2, 4)).toEqual([
      { id: 'c1-m3', seq: 3, senderId: 'ann' },
      { id: 'c1-m4', seq: 4, senderId: 'bob' },
    ]);
    expect(recent.range('c1', 0, 5)?.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(recent.range('c1', 5, 5)).toEqual([]);
  });

  it('sends the caller to the database for anything it does not hold', () => {
    const recent = new RecentMessages(4);
    for (let seq = 1; seq <= 6; seq++) recent.add(message('c1', seq));
    expect(recent.range('c1', 1, 6)).toBeNull(); // seq 2 slid out of the window of 4
    expect(recent.range('c1', 2, 6)?.map((m) => m.seq)).toEqual([3, 4, 5, 6]);
    expect(recent.range('c1', 2, 7)).toBeNull(); // not appended yet
    expect(recent.range('other', 0, 1)).toBeNull();
    // Seq 7 was appended on another node: 8 starts a new window, and nothing across the gap is answered.
    recent.add(message('c1', 8));
    expect(recent.range('c1', 5, 8)).toBeNull();
    expect(recent.range('c1', 7, 8)?.map((m) => m.seq)).toEqual([8]);
  });

  it('ignores a retried message it already holds', () => {
    const recent = new RecentMessages();
    for (let seq = 1; seq <= 3; seq++) recent.add(message('c1', seq));
    recent.add(message('c1', 2));
    recent.add(message('c1', 4));
    expect(recent.range('c1', 0, 4)?.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('forgets the chat appended to longest ago when it holds too many', () => {
    const recent = new RecentMessages(8, 2);
    recent.add(message('a', 1));
    recent.add(message('b', 1));
    recent.add(message('a', 2));
    recent.add(message('c', 1));
    expect(recent.range('b', 0, 1)).toBeNull();
    expect(recent.range('a', 0, 2)).toHaveLength(2);
    expect(recent.range('c', 0, 1)).toHaveLength(1);
  });
});
