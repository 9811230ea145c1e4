import type { MessageData } from '@mpi/protocol';

interface ChatWindow {
  /** Seq of ids[0]; the window holds seqs firstSeq … firstSeq + ids.length - 1, without gaps. */
  firstSeq: number;
  ids: string[];
  senderIds: string[];
}

export interface MessageRef {
  id: string;
  seq: number;
  senderId: string;
}

/**
 * The id and sender of each chat's latest messages, as this node appended them, so that a receipt can be
 * answered with `message_delivered` without reading the messages back. A message's id and sender never change
 * (edits change its text only), so an entry is never stale; a window only answers a range it holds without a gap (a message
 * appended on another node makes one), and the caller reads anything else from the database.
 */
export class RecentMessages {
  private readonly chats = new Map<string, ChatWindow>();

  constructor(
    private readonly perChat = 64,
    private readonly maxChats = 20_000,
  ) {}

  add(message: MessageData): void {
    let window = this.chats.get(message.chatId);
    if (window && message.seq < window.firstSeq + window.ids.length) return; // a retry: already held
    if (!window || message.seq !== window.firstSeq + window.ids.length) {
      window = { firstSeq: message.seq, ids: [], senderIds: [] };
    }
    window.ids.push(message.id);
    window.senderIds.push(message.senderId);
    if (window.ids.length > this.perChat) {
      window.ids.shift();
      window.senderIds.shift();
      window.firstSeq++;
    }
    // Re-inserting keeps the map in least-recently-appended order, so the oldest chat goes first.
    this.chats.delete(message.chatId);
    this.chats.set(message.chatId, window);
    if (this.chats.size > this.maxChats) {
      const oldest = this.chats.keys().next().value;
      if (oldest !== undefined) this.chats.delete(oldest);
    }
  }

  /** The messages with seq in (afterSeq, upToSeq], or null when this node does not hold all of them. */
  range(chatId: string, afterSeq: number, upToSeq: number): MessageRef[] | null {
    const window = this.chats.get(chatId);
    if (!window || afterSeq + 1 < window.firstSeq || upToSeq >= window.firstSeq + window.ids.length) {
      return null;
    }
    const refs: MessageRef[] = [];
    for (let seq = afterSeq + 1; seq <= upToSeq; seq++) {
      const i = seq - window.firstSeq;
      refs.push({ id: window.ids[i] as string, seq, senderId: window.senderIds[i] as string });
    }
    return refs;
  }
}
