import type { MessageData, ReplyPreview } from '@mpi/protocol';
import type { OutboxEntry } from '../outbox/types.js';
import type { MessageList } from './message-list.js';
import type { ChatMessage } from './types.js';

/** The quotes of held replies to `original` show its current state; true when one changed. */
export function refreshQuotes(messages: MessageList, original: MessageData): boolean {
  return messages.updateSent((message) => {
    const quote = message.replyTo;
    if (quote?.messageId !== original.id) return message;
    const deleted = original.deletedAt !== undefined;
    const text = deleted ? '' : original.text;
    if (quote.text === text && quote.deleted === deleted) return message;
    return Object.freeze({ ...message, replyTo: { ...quote, text, deleted } });
  });
}

/** A message of the outbox as the store shows it: pending (or failed), quoting what it answers if held. */
export function pendingMessage(entry: OutboxEntry, me: string | null, messages: MessageList): ChatMessage {
  const original = entry.replyToId === undefined ? undefined : messages.byId(entry.replyToId);
  return Object.freeze({
    id: null,
    clientMessageId: entry.clientMessageId,
    chatId: entry.chatId,
    senderId: entry.userId ?? me ?? '',
    text: entry.text,
    createdAt: new Date(entry.createdAt).toISOString(),
    seq: null,
    status: entry.status,
    own: true,
    error: entry.error,
    mentions: Object.freeze([...(entry.mentions ?? [])]),
    version: 0,
    editedAt: null,
    deletedAt: null,
    replyTo: original ? quoteOf(original) : null,
    reactions: [],
    syncing: false,
  });
}

function quoteOf(original: ChatMessage): ReplyPreview | null {
  if (original.id === null || original.seq === null) return null;
  return {
    messageId: original.id,
    seq: original.seq,
    senderId: original.senderId,
    text: original.text,
    deleted: original.deletedAt !== null,
  };
}
