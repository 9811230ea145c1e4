import type { MessageData, NotificationItem, UserDataExport } from '@mpi/protocol';
import type { DeliveryOptions, Idempotent } from '../notifications/notification-storage.js';

// A user's data as a whole, across both domains: export, erasure, and the erasure check of tokens. See
// docs/security.md, "Your data: export and erasure".

/** What the export reads first and holds in memory: everything but the messages and the inbox. */
export type ExportHead = Omit<
  UserDataExport,
  'format' | 'exportedAt' | 'messages' | 'sentInOtherChats' | 'notifications'
> & {
  notifications: Omit<UserDataExport['notifications'], 'items'>;
};

/** Where a page of messages ends, by (chat, seq); the next page starts after it. */
export interface MessageCursor {
  chatId: string;
  seq: number;
}

export interface ErasedChat {
  chatId: string;
  type: 'dm' | 'group';
  /** True when the user was its last member and the chat went with them. */
  deleted: boolean;
}

export interface Erasure {
  erasedAt: string;
  /** True when nothing of the user was left: this erasure changed nothing. */
  alreadyErased: boolean;
  /** Rows deleted, by table (only tables with at least one). */
  removed: Record<string, number>;
  /** Rows kept with the user taken out, by table (only tables with at least one). */
  anonymised: Record<string, number>;
  /** The chats the user was a member of, for the live updates to the others. */
  chats: ErasedChat[];
}

export interface PrivacyStorage {
  /** Profile, devices and cursors, chats and memberships, preferences, groups, reminders and inbox state. */
  exportHead(userId: string): Promise<ExportHead>;
  /** A page of the messages of the user's chats, by (chat, seq), strictly after `after`. */
  exportMessages(userId: string, after: MessageCursor | null, limit: number): Promise<MessageData[]>;
  /** A page of the messages the user sent in chats they are no longer in, by (chat, seq). */
  exportSentElsewhere(userId: string, after: MessageCursor | null, limit: number): Promise<MessageData[]>;
  /** A page of the user's inbox, oldest first, strictly after `afterSeq`; creates no inbox state. */
  exportNotifications(
    userId: string,
    afterSeq: number,
    limit: number,
  ): Promise<Array<NotificationItem & { readAt: string | null }>>;

  /**
   * Erases the user in one transaction (with the request's delivery id, when there is one): removes their
   * rows, anonymises what others keep (their messages become tombstones) and records the erasure. A
   * second call finds nothing and changes nothing.
   */
  eraseUser(userId: string, options: DeliveryOptions<Erasure>): Promise<Idempotent<Erasure>>;
  /** When the user was erased (ISO 8601), or null. */
  erasedAt(userId: string): Promise<string | null>;
}
