import {
  NOTIFICATION_CHANNELS,
  NOTIFICATION_EVENT_NAMES,
  type NotificationChannel,
  type NotificationEventName,
  type NotificationItem,
  type NotificationMeta,
} from '@mpi/protocol';
import { Subscribable } from '../subscribable.js';
import type {
  NotificationSnapshot,
  NotificationSource,
  NotificationSourceEvents,
  NotificationStoreOptions,
} from './types.js';

export const DEFAULT_NOTIFICATION_LIMIT = 50;

type Handlers = { [E in keyof NotificationSourceEvents]?: NotificationSourceEvents[E] };

/**
 * The user's latest notifications, unread count and channel preference, kept up to date from a
 * SocketService: live notification events, the catch-up after each reconnect (`queued_notifications`),
 * read marks and preference changes made on other devices. It confirms what it received
 * (`notifications_received`) once the catch-up of the connection is complete, so a later catch-up does
 * not send the same items again. Framework-free; React binds with
 * `useSyncExternalStore(store.subscribe, store.getSnapshot)`.
 */
export class NotificationStore extends Subscribable {
  readonly #source: NotificationSource;
  readonly #limit: number;
  readonly #confirmDelayMs: number;
  readonly #handlers: Handlers = {};
  #snapshot: NotificationSnapshot = {
    notifications: [],
    unreadCount: 0,
    channels: [...NOTIFICATION_CHANNELS],
    hasMore: false,
    loaded: false,
  };
  #caughtUp = false;
  #highestSeen = 0;
  #confirmed = 0;
  #confirmTimer: ReturnType<typeof setTimeout> | undefined;
  #destroyed = false;

  constructor(source: NotificationSource, options: NotificationStoreOptions = {}) {
    super('[NotificationStore] a listener');
    this.#source = source;
    this.#limit = Math.max(1, options.limit ?? DEFAULT_NOTIFICATION_LIMIT);
    this.#confirmDelayMs = options.confirmDelayMs ?? 250;
    for (const event of NOTIFICATION_EVENT_NAMES) {
      this.#listen(event, ((payload: unknown, meta?: NotificationMeta) =>
        this.#live(event, payload, meta)) as never);
    }
    this.#listen('queued_notifications', (items) => this.#merge(items, false));
    this.#listen('notifications_catch_up_complete', ({ unreadCount, channels }) => {
      this.#caughtUp = true;
      this.#set({ unreadCount, channels, loaded: true });
      this.#scheduleConfirm();
    });
    this.#listen('notification_channels_updated', ({ channels }) => this.#set({ channels }));
    this.#listen('notifications_read', ({ ids, all, unreadCount }) =>
      this.#applyRead(all ? 'all' : (ids ?? []), unreadCount),
    );
    this.#listen('socket_disconnected', () => {
      this.#caughtUp = false;
      this.#cancelConfirm();
    });
  }

  /** For `useSyncExternalStore`: the same object until something changes. Bound. */
  readonly getSnapshot = (): NotificationSnapshot => this.#snapshot;

  /** Loads the newest page of the inbox and the channel preference; resolves true on success. */
  async load(): Promise<boolean> {
    const [page, preferences] = await Promise.all([
      this.#source.request('list_notifications', { limit: Math.min(this.#limit, 100) }),
      this.#source.request('get_preferences', {}),
    ]);
    if (this.#destroyed) return false;
    if (page.ok) {
      this.#merge(page.notifications, true);
      this.#set({
        unreadCount: page.unreadCount,
        hasMore: page.hasMore || this.#snapshot.hasMore,
        loaded: true,
      });
    }
    if (preferences.ok) this.#set({ channels: preferences.channels });
    return page.ok && preferences.ok;
  }

  /** Marks notifications read (on every device); the store updates at once. */
  markRead(ids: readonly string[]): Promise<boolean> {
    if (ids.length === 0) return Promise.resolve(true);
    const wanted = new Set(ids);
    const newlyRead = this.#snapshot.notifications.filter((n) => wanted.has(n.id) && !n.read).length;
    this.#applyRead([...wanted], Math.max(0, this.#snapshot.unreadCount - newlyRead));
    return this.#markRead({ ids: [...wanted] });
  }

  /** Marks the whole inbox read (on every device). */
  markAllRead(): Promise<boolean> {
    this.#applyRead('all', 0);
    return this.#markRead({ all: true });
  }

  /** Opts in to channels, for the user on every device. */
  subscribeChannels(channels: readonly NotificationChannel[]): Promise<boolean> {
    return this.#changeChannels('subscribe', channels);
  }

  /** Opts out of channels, for the user on every device (`system` cannot be unsubscribed: FORBIDDEN). */
  unsubscribeChannels(channels: readonly NotificationChannel[]): Promise<boolean> {
    return this.#changeChannels('unsubscribe', channels);
  }

  /** Removes every handler and listener; the store stops changing. */
  destroy(): void {
    this.#destroyed = true;
    this.#cancelConfirm();
    for (const [event, handler] of Object.entries(this.#handlers)) {
      this.#source.off(event as keyof NotificationSourceEvents, handler as never);
    }
    this.clearListeners();
  }

  #listen<E extends keyof NotificationSourceEvents>(event: E, handler: NotificationSourceEvents[E]): void {
    (this.#handlers as Record<string, unknown>)[event] = handler;
    this.#source.on(event, handler);
  }

  #live(event: NotificationEventName, payload: unknown, meta: NotificationMeta | undefined): void {
    // Without meta (an older server) the item cannot be identified, confirmed or marked read.
    if (!meta || typeof meta.id !== 'string') return;
    const item = { ...meta, event, payload, read: false } as NotificationItem;
    const added = this.#merge([item], false);
    if (added > 0) this.#set({ unreadCount: this.#snapshot.unreadCount + 1 });
  }

  /** Adds items not held yet (newest first, at most `limit`); returns how many were new. */
  #merge(items: readonly NotificationItem[], replaceRead: boolean): number {
    if (this.#destroyed || items.length === 0) return 0;
    const byId = new Map(this.#snapshot.notifications.map((n) => [n.id, n]));
    let added = 0;
    for (const item of items) {
      this.#highestSeen = Math.max(this.#highestSeen, item.seq);
      const held = byId.get(item.id);
      if (!held) added++;
      if (!held || (replaceRead && held.read !== item.read)) byId.set(item.id, item);
    }
    const sorted = [...byId.values()].sort((a, b) => b.seq - a.seq);
    const notifications = sorted.slice(0, this.#limit);
    const dropped = sorted.length > notifications.length;
    this.#set({ notifications, hasMore: this.#snapshot.hasMore || dropped });
    this.#scheduleConfirm();
    return added;
  }

  #applyRead(ids: readonly string[] | 'all', unreadCount: number): void {
    const marked = ids === 'all' ? null : new Set(ids);
    let changed = false;
    const notifications = this.#snapshot.notifications.map((n) => {
      if (n.read || (marked && !marked.has(n.id))) return n;
      changed = true;
      return { ...n, read: true };
    });
    this.#set(changed ? { notifications, unreadCount } : { unreadCount });
  }

  async #markRead(target: { ids: string[] } | { all: true }): Promise<boolean> {
    const ack = await this.#source.request('mark_notifications_read', target);
    if (ack.ok && !this.#destroyed) this.#set({ unreadCount: ack.unreadCount });
    return ack.ok;
  }

  async #changeChannels(
    event: 'subscribe' | 'unsubscribe',
    channels: readonly NotificationChannel[],
  ): Promise<boolean> {
    if (channels.length === 0) return true;
    const ack = await this.#source.request(event, { channels: [...channels] });
    if (ack.ok && !this.#destroyed) this.#set({ channels: ack.channels });
    return ack.ok;
  }

  #cancelConfirm(): void {
    clearTimeout(this.#confirmTimer);
    this.#confirmTimer = undefined;
  }

  /** Confirms the highest seq held, once this connection's catch-up is complete, batched. */
  #scheduleConfirm(): void {
    if (!this.#caughtUp || this.#destroyed || this.#highestSeen <= this.#confirmed || this.#confirmTimer)
      return;
    this.#confirmTimer = setTimeout(async () => {
      this.#confirmTimer = undefined;
      const upToSeq = this.#highestSeen;
      if (!this.#caughtUp || upToSeq <= this.#confirmed) return;
      const ack = await this.#source.request('notifications_received', { upToSeq });
      if (ack.ok) this.#confirmed = Math.max(this.#confirmed, upToSeq);
      this.#scheduleConfirm();
    }, this.#confirmDelayMs);
  }

  #set(changes: Partial<NotificationSnapshot>): void {
    if (this.#destroyed) return;
    const current = this.#snapshot;
    const next = { ...current, ...changes };
    const same = (Object.keys(changes) as Array<keyof NotificationSnapshot>).every((key) =>
      key === 'channels' ? sameList(current.channels, next.channels) : current[key] === next[key],
    );
    if (same) return;
    this.#snapshot = next;
    this.notify();
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
