import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingSender } from '../src/typing.js';

let sent: string[];
let connected: boolean;
let typing: TypingSender;

beforeEach(() => {
  vi.useFakeTimers();
  sent = [];
  connected = true;
  typing = new TypingSender((event, chatId) => {
    if (!connected) return false;
    sent.push(`${event}:${chatId}`);
    return true;
  });
});
afterEach(() => {
  typing.reset();
  vi.useRealTimers();
});

describe('TypingSender', () => {
  it('sends typing_start at most every 2 s while startTyping is called repeatedly', () => {
    for (let t = 0; t < 4500; t += 100) {
      typing.start('c1');
      vi.advanceTimersByTime(100);
    }
    expect(sent).toEqual(['typing_start:c1', 'typing_start:c1', 'typing_start:c1']);
  });

  it('stopTyping sends typing_stop at once, and the next start is not throttled', () => {
    typing.start('c1');
    typing.stop('c1');
    typing.start('c1');
    expect(sent).toEqual(['typing_start:c1', 'typing_stop:c1', 'typing_start:c1']);
    typing.stop('other'); // never started: nothing to stop
    expect(sent).toHaveLength(3);
  });

  it('stops by itself 5 s after the last startTyping', () => {
    typing.start('c1');
    vi.advanceTimersByTime(3000);
    typing.start('c1'); // refreshes the idle timer (no new start: throttled)
    vi.advanceTimersByTime(4900);
    expect(sent).toEqual(['typing_start:c1', 'typing_start:c1']);
    vi.advanceTimersByTime(200);
    expect(sent.at(-1)).toBe('typing_stop:c1');
    expect(typing.activeCount).toBe(0);
  });

  it('tracks chats separately and drops everything when not connected', () => {
    typing.start('a');
    typing.start('b');
    expect(sent).toEqual(['typing_start:a', 'typing_start:b']);
    typing.reset();
    expect(typing.activeCount).toBe(0);
    connected = false;
    typing.start('a');
    expect(typing.activeCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
