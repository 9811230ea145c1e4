import type {
  ChatInfo,
  ChatListUpdatedPayload,
  ChatMember,
  ChatSummary,
  MessageData,
  MessageDeliveredPayload,
  MessagesReadPayload,
  TypingUpdatePayload,
} from '@mpi/protocol';
import type { IncomingMessage } from '../e2e/plugin.js';
import type { OutboxEntry } from '../outbox/types.js';
import { Subscribable } from '../subscribable.js';
import { ChatState, toChatMessage } from './chat-state.js';
import { pendingMessage, refreshQuotes } from './message-changes.js';
import { DEFAULT_MAX_MESSAGES_PER_CHAT } from './message-list.js';
import type { ChatListItem, ChatSnapshot, ChatStore, ChatStoreTransport } from './types.js';

export interface ChatStoreOptions {
  /** Sent messages held per chat; the oldest are dropped beyond it. Default 500. */
  maxMessagesPerChat?: number;
  /** A typing indicator nobody refreshed disappears after this long. Default 6000 ms. */
  typingExpiryMs?: number;
  /** Messages per `loadOlder` page. Default 50. */
  historyPageSize?: number;
  /** Called for each sent message the store takes in, whatever its source (for receipts). */
  onHeld?: (chatId: string, seq: number) => void;
  /** Decrypts the messages of encrypted chats (those with an `envelope`) before they are taken in. */
  decrypt?: (messages: readonly MessageData[]) => Promise<IncomingMessage[]>;
}

function unref(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}

/**
 * The chat state store behind `service.chats`: messages per chat merged from every source, typing
 * users, unread counts, the chat list and the status of own messages. Snapshots are immutable and keep
 * their identity until what they show changes, so `useSyncExternalStore` re-renders only what changed.
 */
export class ChatStateStore extends Subscribable implements ChatStore {
  readonly #transport: ChatStoreTransport;
  readonly #maxMessages: number;
  readonly #typingExpiryMs: number;
  readonly #pageSize: number;
  readonly #onHeld: ((chatId: string, seq: number) => void) | undefined;
  readonly #decrypt: ChatStoreOptions['decrypt'];
  readonly #chats = new Map<string, ChatState>();
  #me: string | null = null;
  #depth = 0;
  #dirty = false;
  #list: readonly ChatListItem[] | null = null;
  #listStale = true;
  #listLoaded = false;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(transport: ChatStoreTransport, options: ChatStoreOptions = {}) {
    super('[SocketService] a chat store listener');
    this.#transport = transport;
    this.#maxMessages = options.maxMessagesPerChat ?? DEFAULT_MAX_MESSAGES_PER_CHAT;
    this.#typingExpiryMs = options.typingExpiryMs ?? 6000;
    this.#pageSize = options.historyPageSize ?? 50;
    this.#onHeld = options.onHeld;
    this.#decrypt = options.decrypt;
  }

  // ---- Public (ChatStore) ----

  readonly getChatSnapshot = (chatId: string): ChatSnapshot => this.#chat(chatId).snapshot();

  readonly getChatListSnapshot = (): readonly ChatListItem[] => {
    if (this.#list && !this.#listStale) return this.#list;
    this.#listStale = false;
    const items = [...this.#chats.values()]
      .filter((chat) => chat.listed)
      .sort((a, b) =>
        a.activity === b.activity ? a.id.localeCompare(b.id) : a.activity < b.activity ? 1 : -1,
      )
      .map((chat) => chat.listItem());
    const previous = this.#list;
    if (previous && previous.length === items.length && previous.every((item, i) => item === items[i])) {
      return previous;
    }
    this.#list = Object.freeze(items);
    return this.#list;
  };

  async loadOlder(chatId: string): Promise<boolean> {
    const chat = this.#chat(chatId);
    if (chat.loadingOlder || !chat.hasMore) return chat.hasMore;
    chat.loadingOlder = true;
    this.#touch(chat);
    const beforeSeq = chat.messages.lowestSeq ?? undefined;
    const ack = await this.#transport.getHistory(chatId, beforeSeq, this.#pageSize);
    this.#batch(() => {
      chat.loadingOlder = false;
      this.#touch(chat);
      if (!ack.ok) return;
      this.ingest(ack.messages);
      if (!ack.hasMore) chat.historyExhausted = true;
    });
    if (ack.ok && !chat.membersLoaded) void this.loadMembers(chatId);
    return chat.hasMore;
  }

  async markChatRead(chatId: string): Promise<boolean> {
    const chat = this.#chat(chatId);
    const upToSeq = chat.messages.highestSeq ?? chat.lastSeq;
    if (upToSeq <= 0) return true;
    this.#batch(() => {
      chat.lastSeq = Math.max(chat.lastSeq, upToSeq);
      chat.moveReadSeq(upToSeq);
      chat.serverUnread = 0;
      this.#touch(chat);
    });
    const ack = await this.#transport.markRead(chatId, upToSeq);
    return ack.ok;
  }

  async loadChats(): Promise<boolean> {
    const ack = await this.#transport.listChats();
    if (!ack.ok) return false;
    this.#listLoaded = true;
    this.applyChatList(ack.chats);
    return true;
  }

  async loadMembers(chatId: string): Promise<boolean> {
    const ack = await this.#transport.getMembers(chatId);
    if (ack.ok) this.applyMembers(chatId, ack.members);
    return ack.ok;
  }

  override listenerCount(): number {
    return super.listenerCount();
  }

  // ---- Fed by the service ----

  get currentUserId(): string | null {
    return this.#me;
  }

  setCurrentUser(userId: string | null): void {
    if (userId === this.#me) return;
    this.#me = userId;
    this.#batch(() => {
      for (const chat of this.#chats.values()) this.#touch(chat);
    });
  }

  /**
   * Messages that changed (`message_updated`, `queued_updates`, the ack of an own action): applied to a
   * held message when newer, and to the quotes of its held replies; a message not held is not added (it
   * would leave a gap in the list), but it may be the chat list's last message.
   */
  applyChanges(messages: readonly MessageData[]): void {
    this.#batch(() => {
      for (const message of messages) {
        const chat = this.#chat(message.chatId);
        if (chat.messages.hasId(message.id)) {
          this.ingest([message]);
          continue;
        }
        chat.keepLaterCopy(message);
        const last = chat.lastMessage;
        chat.noteMessage(message);
        if (refreshQuotes(chat.messages, message) || chat.lastMessage !== last) this.#touch(chat);
      }
    });
  }

  /**
   * Sent messages from any source: acks, live, queued batches, history. Those of encrypted chats are
   * taken in once decrypted (or found undecryptable), a moment later.
   */
  ingest(messages: readonly MessageData[]): void {
    const enveloped = this.#decrypt ? messages.filter((m) => m.envelope !== undefined) : [];
    if (enveloped.length === 0) {
      this.#ingestNow(messages);
      return;
    }
    this.#ingestNow(messages.filter((m) => m.envelope === undefined));
    this.#decrypt?.(enveloped).then(
      (decrypted) => this.#ingestNow(decrypted),
      (error: unknown) => console.error('[SocketService] decrypting messages failed:', error),
    );
  }

  /** True or false once the server described the chat; null before. */
  knownEncrypted(chatId: string): boolean | null {
    return this.#chats.get(chatId)?.encrypted ?? null;
  }

  #ingestNow(messages: readonly IncomingMessage[]): void {
    if (messages.length === 0) return;
    this.#batch(() => {
      for (const received of messages) {
        const chat = this.#chat(received.chatId);
        const message = withPlaintextOf(received, chat.latestCopy(received));
        const own =
          this.#me === null
            ? chat.messages.hasPending(message.clientMessageId)
            : message.senderId === this.#me;
        chat.noteMessage(message);
        // Sending moves the sender's read mark. (A sender's typing indicator is not cleared here: the
        // server clears it when the message is sent, in order with the sender's next typing_start, while
        // the message itself can arrive after that next typing_start.)
        if (own) chat.moveReadSeq(message.seq);
        const status = own ? chat.ownStatus(message.seq, this.#me) : 'received';
        chat.messages.upsertSent(toChatMessage(message, own, status));
        if ((message.version ?? 0) > 0) refreshQuotes(chat.messages, message);
        this.#touch(chat);
        this.#onHeld?.(message.chatId, message.seq);
      }
    });
  }

  /** The outbox queued (or re-queued) an entry: show it as pending (an action: applied optimistically). */
  showPending(entry: OutboxEntry): void {
    const chat = this.#chat(entry.chatId);
    if (entry.action) {
      const others = chat.pendingActions.filter((e) => e.clientMessageId !== entry.clientMessageId);
      chat.pendingActions = [...others, entry];
      this.#touch(chat);
      return;
    }
    const status = entry.status;
    const changed =
      chat.messages.updatePending(entry.clientMessageId, (m) =>
        m.status === status && m.error === entry.error
          ? m
          : Object.freeze({ ...m, status, error: entry.error }),
      ) || chat.messages.addPending(pendingMessage(entry, this.#me, chat.messages));
    if (changed) this.#touch(chat);
  }

  removePending(entry: OutboxEntry): void {
    const chat = this.#chat(entry.chatId);
    if (entry.action) {
      chat.pendingActions = chat.pendingActions.filter((e) => e.clientMessageId !== entry.clientMessageId);
      this.#touch(chat);
      return;
    }
    if (chat.messages.removePending(entry.clientMessageId)) this.#touch(chat);
  }

  applyDelivered(payload: MessageDeliveredPayload): void {
    const chat = this.#chat(payload.chatId);
    if (payload.seq <= chat.deliveredSeq) return;
    chat.deliveredSeq = payload.seq;
    if (chat.refreshOwnStatuses(this.#me)) this.#touch(chat);
  }

  applyRead(payload: MessagesReadPayload): void {
    const chat = this.#chat(payload.chatId);
    if (payload.userId === this.#me) {
      chat.moveReadSeq(payload.upToSeq);
      chat.lastSeq = Math.max(chat.lastSeq, payload.upToSeq);
      this.#touch(chat);
      return;
    }
    const previous = chat.readMarks.get(payload.userId) ?? 0;
    if (payload.upToSeq <= previous) return;
    chat.readMarks.set(payload.userId, payload.upToSeq);
    if (chat.refreshOwnStatuses(this.#me)) this.#touch(chat);
  }

  /** Returns true when the update says the current user left the chat. */
  applyChatListUpdate({ chatId, updates }: ChatListUpdatedPayload): boolean {
    const chat = this.#chat(chatId);
    this.#batch(() => {
      if (updates.removed) {
        this.#forget(chat);
        return;
      }
      chat.applyUpdates(updates, this.#me);
      this.#touch(chat);
    });
    if (chat.type === null && this.#listLoaded && !updates.removed) this.#refreshSoon();
    return updates.removed === true;
  }

  applyChatList(chats: readonly ChatSummary[]): void {
    this.#batch(() => {
      const listed = new Set(chats.map((chat) => chat.id));
      for (const chat of this.#chats.values()) {
        if (chat.listed && !listed.has(chat.id)) {
          chat.listed = false;
          this.#touch(chat);
        }
      }
      for (const summary of chats) {
        const chat = this.applyChatInfo(summary);
        chat.applyUpdates(
          {
            lastMessage: summary.lastMessage ?? undefined,
            unreadCount: summary.unreadCount,
            muted: summary.muted,
          },
          this.#me,
          summary.lastSeq,
        );
      }
    });
  }

  /** A chat's description, from `list_chats`, `join_chat`, `open_dm` or a group event's ack. */
  applyChatInfo(info: ChatInfo): ChatState {
    const chat = this.#chat(info.id);
    chat.applyInfo(info, this.#me);
    this.#touch(chat);
    return chat;
  }

  applyMembers(chatId: string, members: readonly ChatMember[]): void {
    const chat = this.#chat(chatId);
    chat.applyMembers(members, this.#me);
    this.#touch(chat);
  }

  applyTyping({ chatId, userId, isTyping }: TypingUpdatePayload): void {
    if (userId === this.#me) return;
    const chat = this.#chat(chatId);
    if (!isTyping) {
      this.#clearTyping(chat, userId);
      return;
    }
    const existing = chat.typing.get(userId);
    clearTimeout(existing);
    const timer = setTimeout(() => this.#clearTyping(chat, userId), this.#typingExpiryMs);
    unref(timer);
    chat.typing.set(userId, timer);
    if (!existing) this.#touch(chat);
  }

  /** A `join_chat` is on its way: what arrives before its ack is applied again over the ack's list. */
  presenceJoinStarted(chatId: string): void {
    this.#chat(chatId).presenceSinceJoin = [];
  }

  /** Who has the chat open: everyone (`join_chat` ack), or one arrival or departure (`here`). */
  applyPresence(
    chatId: string,
    change: { all: readonly string[] } | { userId: string; here: boolean },
  ): void {
    const chat = this.#chat(chatId);
    const next = new Set('all' in change ? change.all : chat.present);
    const changes = 'all' in change ? (chat.presenceSinceJoin ?? []) : [change];
    if ('all' in change) chat.presenceSinceJoin = null;
    else chat.presenceSinceJoin?.push(change);
    for (const { userId, here } of changes) next[here ? 'add' : 'delete'](userId);
    if (this.#me !== null) next.delete(this.#me);
    if (chat.setPresent(next)) this.#touch(chat);
  }

  /** Out of the chat's room (left, or the connection is gone): nobody's presence is known. */
  forgetPresence(chatId?: string): void {
    const chats = chatId === undefined ? this.#chats.values() : [this.#chat(chatId)];
    for (const chat of chats) {
      chat.presenceSinceJoin = null;
      if (chat.setPresent(new Set())) this.#touch(chat);
    }
  }

  /** `resync_required`: the held messages may hide a gap the server cannot fill; drop them. */
  resetChat(chatId: string): void {
    const chat = this.#chat(chatId);
    chat.historyExhausted = false;
    if (chat.messages.clearSent()) this.#touch(chat);
  }

  /** The newest page of a chat, e.g. after `resetChat`. */
  async loadNewest(chatId: string): Promise<boolean> {
    const ack = await this.#transport.getHistory(chatId, undefined, this.#pageSize);
    if (!ack.ok) return false;
    this.#batch(() => {
      this.ingest(ack.messages);
      if (!ack.hasMore) this.#chat(chatId).historyExhausted = true;
    });
    return true;
  }

  /** After a reconnect: refresh the chat list if the app loaded it before. */
  refreshChatList(): void {
    if (this.#listLoaded) void this.loadChats();
  }

  destroy(): void {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
    for (const chat of this.#chats.values()) {
      for (const timer of chat.typing.values()) clearTimeout(timer);
      chat.typing.clear();
    }
    this.clearListeners();
  }

  get timerCount(): number {
    let count = this.#refreshTimer === undefined ? 0 : 1;
    for (const chat of this.#chats.values()) count += chat.typing.size;
    return count;
  }

  // ---- Internals ----

  #chat(chatId: string): ChatState {
    let chat = this.#chats.get(chatId);
    if (!chat) {
      chat = new ChatState(chatId, this.#maxMessages);
      this.#chats.set(chatId, chat);
    }
    return chat;
  }

  #forget(chat: ChatState): void {
    chat.listed = false;
    chat.messages.clearSent();
    for (const timer of chat.typing.values()) clearTimeout(timer);
    chat.typing.clear();
    this.#touch(chat);
  }

  #clearTyping(chat: ChatState, userId: string): void {
    const timer = chat.typing.get(userId);
    if (timer === undefined) return;
    clearTimeout(timer);
    chat.typing.delete(userId);
    this.#touch(chat);
  }

  #refreshSoon(): void {
    if (this.#refreshTimer !== undefined) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = undefined;
      void this.loadChats();
    }, 100);
    unref(this.#refreshTimer);
  }

  #touch(chat: ChatState): void {
    chat.invalidate();
    this.#listStale = true;
    this.#dirty = true;
    if (this.#depth === 0) this.#notify();
  }

  /** Runs `work` with one notification for everything it changes. */
  batch(work: () => void): void {
    this.#batch(work);
  }

  #batch(work: () => void): void {
    this.#depth++;
    try {
      work();
    } finally {
      this.#depth--;
      if (this.#depth === 0 && this.#dirty) this.#notify();
    }
  }

  #notify(): void {
    this.#dirty = false;
    this.notify();
  }
}

/**
 * A later copy of an encrypted message (a reaction, say) arrives as ciphertext; the received copy holds
 * its plaintext, which an edit cannot change (encrypted messages are not edited), so it carries over —
 * unless the later copy is a deletion, whose text is gone.
 */
function withPlaintextOf(received: IncomingMessage, latest: MessageData): IncomingMessage {
  if (latest === received || latest.envelope === undefined || received.encryption === undefined)
    return latest;
  const { text, encryption, undecryptable } = received;
  return { ...latest, text, encryption, ...(undecryptable !== undefined && { undecryptable }) };
}
