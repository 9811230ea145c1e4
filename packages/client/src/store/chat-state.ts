import type { ChatInfo, ChatListUpdates, ChatMember, ChatType, MessageData } from '@mpi/protocol';
import { MessageList } from './message-list.js';
import type { ChatListItem, ChatMessage, ChatSnapshot, MessageStatus } from './types.js';

const RANK: Record<MessageStatus, number> = {
  failed: -1,
  pending: 0,
  received: 0,
  sent: 1,
  delivered: 2,
  read: 3,
};

function sameArray<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** Everything the store knows about one chat. Mutable inside the store; the UI sees only snapshots. */
export class ChatState {
  readonly id: string;
  readonly messages: MessageList;
  type: ChatType | null = null;
  name: string | null = null;
  members: readonly string[] = [];
  createdAt: string | null = null;
  /** Shown in the chat list (the server listed it or sent an update for it). */
  listed = false;
  lastMessage: MessageData | null = null;
  /** Highest seq known to exist in the chat. */
  lastSeq = 0;
  /** True when the server said how many messages the chat has (so 0 means empty). */
  lastSeqKnown = false;
  /** The current user's read mark; null until the server told it. */
  readSeq: number | null = null;
  /** The server's last unread count, used while `readSeq` is unknown. */
  serverUnread = 0;
  /** Own messages up to this seq are delivered (delivery is cumulative per member). */
  deliveredSeq = 0;
  /** Other members' read marks. */
  readonly readMarks = new Map<string, number>();
  /** Typing users and the timers that expire them. */
  readonly typing = new Map<string, ReturnType<typeof setTimeout>>();
  /** Other members with the chat open. */
  readonly present = new Set<string>();
  /**
   * Arrivals and departures since a `join_chat` was sent, or null when none is in flight: its ack's list
   * was read at some moment in between, so they are applied again over it.
   */
  presenceSinceJoin: Array<{ userId: string; here: boolean }> | null = null;
  historyExhausted = false;
  loadingOlder = false;
  membersLoaded = false;
  #snapshot: ChatSnapshot | null = null;
  #stale = true;
  #item: ChatListItem | null = null;

  constructor(id: string, maxMessages: number) {
    this.id = id;
    this.messages = new MessageList(maxMessages);
  }

  get unreadCount(): number {
    return this.readSeq === null ? this.serverUnread : Math.max(0, this.lastSeq - this.readSeq);
  }

  get hasMore(): boolean {
    if (this.messages.trimmed) return true;
    if (this.historyExhausted) return false;
    const lowest = this.messages.lowestSeq;
    if (lowest === null) return !(this.lastSeqKnown && this.lastSeq === 0);
    return lowest > 1;
  }

  /** Records that messages up to `message.seq` exist; keeps the newest as the last message. */
  noteMessage(message: MessageData): void {
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    if (!this.lastMessage || this.lastMessage.seq < message.seq) this.lastMessage = message;
  }

  moveReadSeq(seq: number): void {
    this.readSeq = Math.max(this.readSeq ?? 0, seq);
  }

  /** A chat's description, from `list_chats`, `join_chat`, `open_dm` or a group event's ack. */
  applyInfo(info: ChatInfo, me: string | null): void {
    this.type = info.type;
    this.name = info.name;
    this.members = info.members;
    this.createdAt = info.createdAt;
    this.lastSeq = Math.max(this.lastSeq, info.lastSeq);
    this.lastSeqKnown = true;
    this.listed = true;
    this.refreshOwnStatuses(me);
  }

  /**
   * `chat_list_updated` (without `removed`), or a `list_chats` row. `asOfSeq` is the chat's last seq when
   * the server computed `unreadCount` (a `list_chats` row may be older than a live update already applied);
   * without it, the unread count is taken as of the update's last message or the newest seq held.
   */
  applyUpdates(updates: ChatListUpdates, me: string | null, asOfSeq?: number): void {
    this.listed = true;
    if (updates.name !== undefined) this.name = updates.name;
    if (updates.members !== undefined) this.members = updates.members;
    if (updates.lastMessage) this.noteMessage(updates.lastMessage);
    if (updates.unreadCount !== undefined) {
      // Unread = last seq − read mark (own messages move the read mark), so the mark follows from it.
      const base = asOfSeq ?? updates.lastMessage?.seq ?? this.lastSeq;
      if (base >= this.lastSeq) this.serverUnread = updates.unreadCount;
      this.moveReadSeq(base - updates.unreadCount);
    }
    if (updates.members !== undefined) this.refreshOwnStatuses(me);
  }

  /** `get_members`: members, their read marks and what all of them hold. */
  applyMembers(members: readonly ChatMember[], me: string | null): void {
    this.membersLoaded = true;
    this.members = members.map((member) => member.userId);
    const others = members.filter((member) => member.userId !== me);
    for (const member of others) {
      this.readMarks.set(member.userId, Math.max(this.readMarks.get(member.userId) ?? 0, member.readSeq));
    }
    if (others.length > 0) {
      this.deliveredSeq = Math.max(this.deliveredSeq, Math.min(...others.map((m) => m.deliveredSeq)));
    }
    const mine = members.find((member) => member.userId === me);
    if (mine) this.moveReadSeq(mine.readSeq);
    this.refreshOwnStatuses(me);
  }

  /** Highest seq every other member has read (the max of known marks when members are unknown). */
  othersReadSeq(me: string | null): number {
    const others = this.members.filter((member) => member !== me);
    if (others.length === 0) {
      let max = 0;
      for (const [userId, seq] of this.readMarks) if (userId !== me) max = Math.max(max, seq);
      return max;
    }
    return Math.min(...others.map((member) => this.readMarks.get(member) ?? 0));
  }

  /** The status an own sent message has now, never lower than `current`. */
  ownStatus(seq: number, me: string | null, current: MessageStatus = 'sent'): MessageStatus {
    let status: MessageStatus = 'sent';
    if (seq <= this.othersReadSeq(me)) status = 'read';
    else if (seq <= this.deliveredSeq) status = 'delivered';
    return RANK[status] > RANK[current] ? status : current;
  }

  /** Moves own sent messages to their current status; true when one changed. */
  refreshOwnStatuses(me: string | null): boolean {
    return this.messages.updateSent((message) => {
      if (!message.own || message.seq === null) return message;
      const status = this.ownStatus(message.seq, me, message.status);
      return status === message.status ? message : Object.freeze({ ...message, status });
    });
  }

  /** Replaces who has the chat open; false when nothing changed. */
  setPresent(next: ReadonlySet<string>): boolean {
    if (next.size === this.present.size && [...next].every((id) => this.present.has(id))) return false;
    this.present.clear();
    for (const userId of next) this.present.add(userId);
    return true;
  }

  /** Marks the snapshots for rebuilding; they keep their identity if nothing visible changed. */
  invalidate(): void {
    this.#stale = true;
  }

  snapshot(): ChatSnapshot {
    if (!this.#stale && this.#snapshot) return this.#snapshot;
    this.#stale = false;
    const previous = this.#snapshot;
    const messages = this.messages.toArray();
    const typingUserIds = [...this.typing.keys()].sort();
    const presentUserIds = [...this.present].sort();
    const next: ChatSnapshot = {
      chatId: this.id,
      messages:
        previous && sameArray(previous.messages, messages) ? previous.messages : Object.freeze(messages),
      hasMore: this.hasMore,
      loadingOlder: this.loadingOlder,
      typingUserIds:
        previous && sameArray(previous.typingUserIds, typingUserIds)
          ? previous.typingUserIds
          : Object.freeze(typingUserIds),
      presentUserIds:
        previous && sameArray(previous.presentUserIds, presentUserIds)
          ? previous.presentUserIds
          : Object.freeze(presentUserIds),
      unreadCount: this.unreadCount,
    };
    if (
      previous &&
      previous.messages === next.messages &&
      previous.typingUserIds === next.typingUserIds &&
      previous.presentUserIds === next.presentUserIds &&
      previous.hasMore === next.hasMore &&
      previous.loadingOlder === next.loadingOlder &&
      previous.unreadCount === next.unreadCount
    ) {
      return previous;
    }
    this.#snapshot = Object.freeze(next);
    return this.#snapshot;
  }

  /** The chat-list row; the same object while its fields are equal. */
  listItem(): ChatListItem {
    const previous = this.#item;
    const next: ChatListItem = {
      id: this.id,
      type: this.type,
      name: this.name,
      members:
        previous && sameArray(previous.members, this.members)
          ? previous.members
          : Object.freeze([...this.members]),
      lastMessage: this.lastMessage,
      unreadCount: this.unreadCount,
    };
    if (
      previous &&
      previous.type === next.type &&
      previous.name === next.name &&
      previous.members === next.members &&
      previous.lastMessage === next.lastMessage &&
      previous.unreadCount === next.unreadCount
    ) {
      return previous;
    }
    this.#item = Object.freeze(next);
    return this.#item;
  }

  /** Time of the latest activity, for ordering the chat list. */
  get activity(): string {
    return this.lastMessage?.createdAt ?? this.createdAt ?? '';
  }
}

/** A store message from a wire message. */
export function toChatMessage(message: MessageData, own: boolean, status: MessageStatus): ChatMessage {
  return Object.freeze({
    id: message.id,
    clientMessageId: message.clientMessageId,
    chatId: message.chatId,
    senderId: message.senderId,
    text: message.text,
    createdAt: message.createdAt,
    seq: message.seq,
    status,
    own,
    error: null,
    ...(message.attachments && { attachments: message.attachments }),
    ...(message.call && { call: message.call }),
  });
}
