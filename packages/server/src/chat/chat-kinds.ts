import type { ChatStorage } from '../storage/chat/chat-storage.js';

export type ChatKind = ({ type: 'dm'; members: readonly string[] } | { type: 'group' }) & {
  encrypted: boolean;
};

/**
 * A chat's type and its encryption never change, and neither do a DM's two members, so all can be cached
 * on every node without invalidation. The hot paths (receipts, typing, history of DMs) then check membership without a
 * query; groups, whose membership changes, are always read from the database. The one exception is an
 * erasure, which takes a user out of their DMs: `forget` drops those entries (on every node, see
 * chat/index.ts).
 */
export class ChatKindCache {
  private readonly entries = new Map<string, ChatKind>();

  constructor(
    private readonly storage: ChatStorage,
    private readonly maxEntries = 50_000,
  ) {}

  forget(chatIds: readonly string[]): void {
    for (const chatId of chatIds) this.entries.delete(chatId);
  }

  async get(chatId: string): Promise<ChatKind | null> {
    const cached = this.entries.get(chatId);
    if (cached) return cached;
    const chat = await this.storage.getChat(chatId);
    if (!chat) return null;
    const encrypted = chat.encrypted === true;
    const kind: ChatKind =
      chat.type === 'dm' ? { type: 'dm', members: chat.members, encrypted } : { type: 'group', encrypted };
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(chatId, kind);
    return kind;
  }
}
