import type { TypingUpdatePayload } from '@mpi/protocol';
import { Cleanup, sleep, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { online, sdk, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('typing through the real server', () => {
  it('a burst of startTyping is one typing_start; stopTyping clears the indicator at once', async () => {
    const srv = cleanup.add(await startTestServer(), (s) => s.stop());
    const alice = sdk(cleanup, srv.url, srv.token, 'alice');
    const bob = sdk(cleanup, srv.url, srv.token, 'bob');
    await Promise.all([online(alice, 'alice'), online(bob, 'bob')]);
    const dm = await alice.openDm('bob');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;
    await Promise.all([alice.joinChat(chatId), bob.joinChat(chatId)]);
    const updates: TypingUpdatePayload[] = [];
    bob.on('typing_update', (update) => updates.push(update));

    for (let i = 0; i < 20; i++) {
      alice.startTyping(chatId);
      await sleep(5);
    }
    await waitFor(
      () => bob.chats.getChatSnapshot(chatId).typingUserIds.includes('alice'),
      3000,
      'typing shown',
    );
    await sleep(100);
    expect(updates).toEqual([{ chatId, userId: 'alice', isTyping: true }]);

    alice.stopTyping(chatId);
    await waitFor(() => bob.chats.getChatSnapshot(chatId).typingUserIds.length === 0, 3000, 'typing cleared');
    expect(updates.at(-1)).toEqual({ chatId, userId: 'alice', isTyping: false });

    // Sending a message ends the indicator on the other side too.
    alice.startTyping(chatId);
    await waitFor(() => bob.chats.getChatSnapshot(chatId).typingUserIds.length === 1, 3000, 'typing again');
    await alice.sendMessage(chatId, 'done typing');
    await waitFor(
      () => bob.chats.getChatSnapshot(chatId).typingUserIds.length === 0,
      3000,
      'cleared by message',
    );
  });
});
