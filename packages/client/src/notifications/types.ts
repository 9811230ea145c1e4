import type {
  AckOf,
  ClientEventPayload,
  NotificationChannel,
  NotificationEvents,
  NotificationItem,
  ServerToClientEvents,
} from '@mpi/protocol';

// biome-ignore lint/suspicious/noExplicitAny: handlers differ per event; any SocketService-like `on` fits.
type AnyHandler = (...args: any[]) => void;

/** Server events the NotificationStore listens to (the notification events and the inbox events). */
type NotificationStoreEvent =
  | keyof NotificationEvents
  | 'queued_notifications'
  | 'notifications_catch_up_complete'
  | 'notification_channels_updated'
  | 'notifications_read';

/** Client events the NotificationStore sends. */
type NotificationRequestEvent =
  | 'list_notifications'
  | 'mark_notifications_read'
  | 'notifications_received'
  | 'get_preferences'
  | 'subscribe'
  | 'unsubscribe';

/** What the store listens to: the server's events, plus the SDK's local `socket_disconnected` when present. */
export type NotificationSourceEvents = Pick<ServerToClientEvents, NotificationStoreEvent> & {
  socket_disconnected: (payload: { reason: string }) => void;
};

/**
 * What the store needs from a connection: a `SocketService` satisfies it (its `on`/`off` and its
 * `request`, which resolves with the ack and never rejects).
 */
export interface NotificationSource {
  on(event: keyof NotificationSourceEvents, handler: AnyHandler): unknown;
  off(event: keyof NotificationSourceEvents, handler: AnyHandler): void;
  request<E extends NotificationRequestEvent>(event: E, payload: ClientEventPayload<E>): Promise<AckOf<E>>;
}

export interface NotificationStoreOptions {
  /** How many of the newest notifications the store holds; default 50. */
  limit?: number;
  /** Receipts (`notifications_received`) are batched over this many ms; default 250. */
  confirmDelayMs?: number;
}

/** What the UI renders; immutable, and the same object until something changes. */
export interface NotificationSnapshot {
  /** Newest first, at most `limit`. */
  readonly notifications: readonly NotificationItem[];
  /** Unread notifications of the user's whole inbox (not only those held). */
  readonly unreadCount: number;
  /** The channels the user is subscribed to (the stored preference, the same on every device). */
  readonly channels: readonly NotificationChannel[];
  /** Older notifications exist on the server than those held. */
  readonly hasMore: boolean;
  /** The first `load()` (or a catch-up) has filled the store. */
  readonly loaded: boolean;
}
