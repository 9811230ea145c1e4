import type { LockKey } from '../db/batched-write.js';

/**
 * The lock order of the chat's batched writes (see {@link LockKey}): chat by chat; in a chat, appends
 * first, in arrival order (each locks the chat row, taking the seq, then its sender's member row), then
 * receipts and read marks by user (each locks the member row; a receipt then its device cursor). So the chat row, held
 * by any append, is always the first lock a batch takes in that chat, and appends of two nodes to the same
 * chats queue up instead of deadlocking. A receipt never names a seq its device has not received, so
 * running it after the batch's appends changes no valid outcome.
 *
 * One cycle remains possible, in a group chat only: an append's sender row is locked before the receipts'
 * member rows of lower user ids, so a batch with an append by u5 and a receipt of u1 can still meet a batch
 * of receipts of u1 then u5. PostgreSQL breaks it, the batcher replays each write alone (single writes
 * cannot form a cycle) and a write that still fails is refused as the retryable UNAVAILABLE.
 */
export const lockKeys = {
  append: (chatId: string): LockKey => ['chat', chatId, 0],
  receipt: (chatId: string, userId: string, deviceId: string): LockKey => [
    'chat',
    chatId,
    1,
    userId,
    deviceId,
  ],
  /** Locks the member row, as the user's receipts do. */
  readMark: (chatId: string, userId: string): LockKey => ['chat', chatId, 1, userId],
  /** A new device's cursors, in all its chats at once: after every chat's writes. */
  newDevice: (userId: string, deviceId: string): LockKey => ['device', userId, deviceId],
};
