import type { ErrorBody } from '@mpi/protocol';
import type { DeviceIdStore } from '../device-id.js';

/** An action on a sent message, queued in the outbox like a message (same order, same durability). */
export type MessageAction =
  | { type: 'edit'; messageId: string; text: string }
  | { type: 'delete'; messageId: string }
  | { type: 'react'; messageId: string; emoji: string; add: boolean };

/**
 * One message, or one action on a sent message (`action`), waiting in the outbox. An entry lives in the store from `sendMessage` until the server
 * acknowledges it (then it is deleted) or until the app discards it after a final failure.
 */
export interface OutboxEntry {
  /** The idempotency key: every retry of this message sends the same value. */
  clientMessageId: string;
  chatId: string;
  text: string;
  /** Members @mentioned (user ids); absent when none. */
  mentions?: readonly string[];
  /** Who queued it (the `setupUser` id at the time), or null when unknown. Only sent for that user. */
  userId: string | null;
  /** Epoch ms of the `sendMessage` call. */
  createdAt: number;
  /** Send order: flushed in increasing order, per chat. */
  order: number;
  /** `pending` waits for (re)sending; `failed` got a final error and waits for retry or discard. */
  status: 'pending' | 'failed';
  /** The server's error of a `failed` entry. */
  error: ErrorBody | null;
  /** Sends attempted so far. */
  attempts: number;
  /** A message: the message of the chat it answers. */
  replyToId?: string;
  /**
   * Not a message but an action on one; `clientMessageId` is then only the entry's key. The server's
   * actions are idempotent by state, so a resend after a lost ack changes nothing twice.
   */
  action?: MessageAction;
  /** Completed uploads sent with the message (`sendFile`); absent for text messages. */
  attachments?: string[];
}

/**
 * Durable storage of the outbox. The SDK calls these one at a time per entry and keeps its own copy in
 * memory; `load` runs once, when the service is created. Implementations must keep what `put` resolved
 * across a restart of the app to be "durable".
 */
export interface OutboxStore {
  load(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  delete(clientMessageId: string): Promise<void>;
  /** Where the device id is kept beside this store, when the store has such a place. */
  deviceIdStore?(): DeviceIdStore;
}

/** True when `value` looks like an OutboxEntry (for stores that read untrusted data). */
export function isOutboxEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.clientMessageId === 'string' &&
    typeof v.chatId === 'string' &&
    typeof v.text === 'string' &&
    (v.mentions === undefined ||
      (Array.isArray(v.mentions) && v.mentions.every((id) => typeof id === 'string'))) &&
    (v.userId === null || typeof v.userId === 'string') &&
    typeof v.createdAt === 'number' &&
    typeof v.order === 'number' &&
    (v.status === 'pending' || v.status === 'failed') &&
    typeof v.attempts === 'number' &&
    (v.replyToId === undefined || typeof v.replyToId === 'string') &&
    (v.action === undefined || isMessageAction(v.action)) &&
    (v.attachments === undefined ||
      (Array.isArray(v.attachments) && v.attachments.every((id) => typeof id === 'string')))
  );
}

function isMessageAction(value: unknown): value is MessageAction {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.messageId !== 'string') return false;
  if (v.type === 'edit') return typeof v.text === 'string';
  if (v.type === 'react') return typeof v.emoji === 'string' && typeof v.add === 'boolean';
  return v.type === 'delete';
}

/** Entries in send order. */
export function sortEntries(entries: readonly OutboxEntry[]): OutboxEntry[] {
  return [...entries].sort((a, b) => a.order - b.order || a.createdAt - b.createdAt);
}
