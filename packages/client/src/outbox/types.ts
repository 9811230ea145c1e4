import type { ErrorBody } from '@mpi/protocol';
import type { DeviceIdStore } from '../device-id.js';

/**
 * One message waiting in the outbox. An entry lives in the store from `sendMessage` until the server
 * acknowledges it (then it is deleted) or until the app discards it after a final failure.
 */
export interface OutboxEntry {
  /** The idempotency key: every retry of this message sends the same value. */
  clientMessageId: string;
  chatId: string;
  text: string;
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
    (v.userId === null || typeof v.userId === 'string') &&
    typeof v.createdAt === 'number' &&
    typeof v.order === 'number' &&
    (v.status === 'pending' || v.status === 'failed') &&
    typeof v.attempts === 'number' &&
    (v.attachments === undefined ||
      (Array.isArray(v.attachments) && v.attachments.every((id) => typeof id === 'string')))
  );
}

/** Entries in send order. */
export function sortEntries(entries: readonly OutboxEntry[]): OutboxEntry[] {
  return [...entries].sort((a, b) => a.order - b.order || a.createdAt - b.createdAt);
}
