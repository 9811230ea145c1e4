import { LIMITS, type MessageData, type NotificationItem, type PushMessage } from '@mpi/protocol';
import type { Logger } from 'pino';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeServer } from '../realtime/types.js';
import type { CreatedNotification } from '../storage/notifications/notification-storage.js';
import type { StoredPushSubscription } from '../storage/push/push-storage.js';
import type { Storage } from '../storage/storage.js';
import type { PushSender } from './push-sender.js';

export interface PushNotifierDeps {
  io: RealtimeServer;
  storage: Storage;
  log: Logger;
  /** null while push is off: nothing is looked up or sent. */
  sender: PushSender | null;
}

const deviceKey = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;

/**
 * Who gets a push: the recipients' devices that have a subscription and no connection open now (on any
 * node: `fetchSockets` over the `user:` rooms), respecting channel consent and per-chat mute. A device
 * with a tab open gets the live event instead. Runs after the commit, in the background: a failure is
 * logged and loses only the push (the inbox and the catch-up still have everything).
 */
export class PushNotifier {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly deps: PushNotifierDeps) {}

  /** A new message (not a duplicate): every member but the sender. */
  newMessage(message: MessageData, memberIds: readonly string[]): void {
    if (!this.deps.sender) return;
    const recipients = memberIds.filter((id) => id !== message.senderId);
    if (recipients.length === 0) return;
    this.#background('message', async () => {
      // A muted chat raises no push for its messages (docs/protocol.md, "Mute"); mentions still do.
      const muted = await this.deps.storage.chat.mutedAmong(message.chatId, recipients);
      const targets = await this.#offlineDevices(
        await this.deps.storage.push.forUsers(recipients.filter((id) => !muted.has(id))),
      );
      if (targets.length === 0) return;
      const chat = await this.deps.storage.chat.getChat(message.chatId);
      const text =
        message.text.length > LIMITS.pushTextMaxLength
          ? `${message.text.slice(0, LIMITS.pushTextMaxLength - 1)}…`
          : message.text;
      const push: PushMessage = {
        kind: 'message',
        message: { ...message, text },
        chat: { type: chat?.type ?? 'dm', name: chat?.name ?? null },
      };
      this.deps.sender?.send(targets, push, `chat:${message.chatId}`);
    });
  }

  /** A stored notification: its recipients (for `everyone`, every subscribed user who consents to its channel). */
  notification({ notification: n, liveRecipients }: CreatedNotification): void {
    if (!this.deps.sender) return;
    if (liveRecipients !== null && liveRecipients.length === 0) return;
    this.#background('notification', async () => {
      const { storage } = this.deps;
      let subscriptions: StoredPushSubscription[];
      if (liveRecipients !== null) {
        subscriptions = await storage.push.forUsers(liveRecipients);
      } else {
        // Broadcasts have no recipient rows: consent is checked per subscribed user.
        subscriptions = [];
        const consent = new Map<string, boolean>();
        for (const subscription of await storage.push.all()) {
          let on = consent.get(subscription.userId);
          if (on === undefined) {
            on = (await storage.notifications.subscribedChannels(subscription.userId)).includes(n.channel);
            consent.set(subscription.userId, on);
          }
          if (on) subscriptions.push(subscription);
        }
      }
      const targets = await this.#offlineDevices(subscriptions);
      if (targets.length === 0) return;
      const item = {
        id: n.id,
        seq: n.seq,
        channel: n.channel,
        createdAt: n.createdAt,
        event: n.event,
        payload: n.payload,
        read: false,
      } as NotificationItem;
      this.deps.sender?.send(targets, { kind: 'notification', item }, `notification:${n.id}`);
    });
  }

  /** The subscriptions whose device has no socket open now. */
  async #offlineDevices(subscriptions: StoredPushSubscription[]): Promise<StoredPushSubscription[]> {
    if (subscriptions.length === 0) return [];
    const users = [...new Set(subscriptions.map((s) => s.userId))];
    const sockets = await this.deps.io.in(users.map(rooms.user)).fetchSockets();
    const connected = new Set(sockets.map((s) => deviceKey(s.data.userId, s.data.deviceId)));
    return subscriptions.filter((s) => !connected.has(deviceKey(s.userId, s.deviceId)));
  }

  #background(kind: string, work: () => Promise<void>): void {
    const running = work()
      .catch((error: unknown) => this.deps.log.warn({ err: error, kind }, 'push not sent'))
      .finally(() => this.#pending.delete(running));
    this.#pending.add(running);
  }

  /** Waits for the lookups and sends under way (at shutdown, before storage closes). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    await this.deps.sender?.close();
  }
}
