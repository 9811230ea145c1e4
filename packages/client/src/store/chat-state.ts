import type {
  ChatInfo,
  ChatListUpdates,
  ChatMember,
  ChatType,
  MessageData,
  ReactionSummary,
} from '@mpi/protocol';
import type { IncomingMessage } from '../e2e/plugin.js';
import type { OutboxEntry } from '../outbox/types.js';
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

const LATER_COPIES_MAX = 200;

/** Everything the store knows about one chat. Mutable inside the store; the UI sees only snapshots. */
export class ChatState {
  readonly id: string;
  readonly messages: MessageList;
  type: ChatType | null = null;
  /** Null until the server described the chat. */
  encrypted: boolean | null = null;
  name: string | null = null;
  muted = false;
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
  /** This device's actions on messages of the chat that wait in the outbox, in send order. */
  pendingActions: readonly OutboxEntry[] = [];
  /**
   * Changes of messages not held when they came: a copy of the message read before the change (a
   * catch-up page, a history page, a live message overtaken by it) may still arrive, and must not win.
   */
  readonly #laterCopies = new Map<string, MessageData>();
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

  /** Records that messages up to `message.seq` exist; keeps the newest as the last message, in its latest state. */
  noteMessage(message: MessageData): void {
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    const last = this.lastMessage;
    if (!last || last.seq < message.seq || (last.id === message.id && isNewer(message, last))) {
      this.lastMessage = message;
    }
  }

  /** Keeps a change of a message not held, for when the message arrives (bounded: the oldest go). */
  keepLaterCopy(message: MessageData): void {
    const held = this.#laterCopies.get(message.id);
    if (held && !isNewer(message, held)) return;
    this.#laterCopies.delete(message.id);
    this.#laterCopies.set(message.id, message);
    if (this.#laterCopies.size > LATER_COPIES_MAX) {
      const oldest = this.#laterCopies.keys().next().value;
      if (oldest !== undefined) this.#laterCopies.delete(oldest);
    }
  }

  /** The newer of `message` and a change of it kept before it was held. */
  latestCopy(message: MessageData): MessageData {
    const later = this.#laterCopies.get(message.id);
    if (!later) return message;
    this.#laterCopies.delete(message.id);
    return isNewer(later, message) ? later : message;
  }

  moveReadSeq(seq: number): void {
    this.readSeq = Math.max(this.readSeq ?? 0, seq);
  }

  /** A chat's description, from `list_chats`, `join_chat`, `open_dm` or a group event's ack. */
  applyInfo(info: ChatInfo, me: string | null): void {
    this.type = info.type;
    this.encrypted = info.encrypted === true;
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
    if (updates.muted !== undefined) this.muted = updates.muted;
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
    const messages = this.messages
      .toArray()
      .map((message) => withPendingActions(message, this.pendingActions));
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
      encrypted: this.encrypted,
      name: this.name,
      members:
        previous && sameArray(previous.members, this.members)
          ? previous.members
          : Object.freeze([...this.members]),
      lastMessage: this.lastMessage,
      unreadCount: this.unreadCount,
      muted: this.muted,
    };
    if (
      previous &&
      previous.type === next.type &&
      previous.encrypted === next.encrypted &&
      previous.name === next.name &&
      previous.members === next.members &&
      previous.lastMessage === next.lastMessage &&
      previous.unreadCount === next.unreadCount &&
      previous.muted === next.muted
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

/** Of two copies of one message, whether `a` is the newer state. */
function isNewer(a: { version?: number }, b: { version?: number }): boolean {
  return (a.version ?? 0) > (b.version ?? 0);
}

/** A store message from a wire message. */
export function toChatMessage(message: IncomingMessage, own: boolean, status: MessageStatus): ChatMessage {
  return Object.freeze({
    ...(message.encryption !== undefined && { encryption: message.encryption }),
    ...(message.undecryptable !== undefined && { undecryptable: message.undecryptable }),
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
    mentions: Object.freeze([...(message.mentions ?? [])]),
    version: message.version ?? 0,
    editedAt: message.editedAt ?? null,
    deletedAt: message.deletedAt ?? null,
    replyTo: message.replyTo ?? null,
    reactions: message.reactions ?? [],
    syncing: false,
    ...(message.attachments && { attachments: message.attachments }),
    ...(message.call && { call: message.call }),
  });
}

/** The message as this device will see it once its pending actions are stored (optimistic). */
function withPendingActions(message: ChatMessage, pending: readonly OutboxEntry[]): ChatMessage {
  if (pending.length === 0 || message.id === null) return message;
  let next = message;
  for (const entry of pending) {
    const action = entry.action;
    if (!action || action.messageId !== message.id || next.deletedAt !== null) continue;
    const at = new Date(entry.createdAt).toISOString();
    if (action.type === 'edit') next = { ...next, text: action.text, editedAt: at, syncing: true };
    else if (action.type === 'delete')
      next = { ...next, text: '', deletedAt: at, reactions: [], replyTo: null, syncing: true };
    else
      next = {
        ...next,
        reactions: react(next.reactions, action.emoji, entry.userId ?? '', action.add),
        syncing: true,
      };
  }
  return next === message ? message : Object.freeze(next);
}

function react(
  reactions: readonly ReactionSummary[],
  emoji: string,
  userId: string,
  add: boolean,
): ReactionSummary[] {
  const list = reactions.map((r) => ({
    emoji: r.emoji,
    userIds: r.userIds.filter((id) => id !== userId || r.emoji !== emoji),
  }));
  const entry = list.find((r) => r.emoji === emoji);
  if (add) {
    if (entry) entry.userIds.push(userId);
    else list.push({ emoji, userIds: [userId] });
  }
  return list.filter((r) => r.userIds.length > 0);
}
