import {
  type AckedClientEvent,
  type AckOf,
  type ClientEventPayload,
  type MessageData,
  type ResyncRequiredPayload,
  recoveryOf,
  type ServerEventName,
  type ServerToClientEvents,
} from '@mpi/protocol';
import { ChangeTracker } from './changes.js';
import type { EndToEndBridge, EndToEndPlugin, EndToEndSession } from './e2e/plugin.js';
import { MemoryOutboxStore } from './outbox/memory-store.js';
import { Outbox, type SendAck } from './outbox/outbox.js';
import type { OutboxEntry, OutboxStore } from './outbox/types.js';
import { type ConfirmOutcome, ReceiptTracker } from './receipts.js';
import { Session } from './session.js';
import { ChatStateStore } from './store/chat-store.js';
import { TypingSender } from './typing.js';
import { withoutEndToEnd } from './without-end-to-end.js';

/** What the chat layer needs from the SocketService. */
export interface SyncBridge {
  request<E extends AckedClientEvent>(event: E, payload: ClientEventPayload<E>): Promise<AckOf<E>>;
  isReady(): boolean;
  /** Emits a fire-and-forget event; false when not connected. */
  signal(event: 'typing_start' | 'typing_stop', chatId: string): boolean;
  /** The id this device sends in the handshake. */
  deviceId(): Promise<string>;
}

export interface ChatSyncOptions {
  outboxStore?: OutboxStore | undefined;
  maxMessagesPerChat?: number | undefined;
  receiptBatchMs?: number | undefined;
  gapFillAfterMs?: number | undefined;
  endToEnd?: EndToEndPlugin | undefined;
}

/** How long a `socket_rate_limit_exceeded` counts as the reason of a RATE_LIMITED send ack. */
const RATE_LIMIT_EVENT_TTL_MS = 2000;

type ServerEventHandlers = {
  [E in ServerEventName]?: (...args: Parameters<ServerToClientEvents[E]>) => void;
};

function isMessage(value: unknown): value is MessageData {
  const v = value as MessageData | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.id === 'string' &&
    typeof v.chatId === 'string' &&
    typeof v.seq === 'number' &&
    Number.isInteger(v.seq) &&
    typeof v.senderId === 'string' &&
    typeof v.clientMessageId === 'string'
  );
}

function hasChatId(value: unknown): value is { chatId: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { chatId?: unknown }).chatId === 'string'
  );
}

/**
 * The chat layer of the SocketService: routes server events into the chat store, the receipt tracker and
 * the outbox, and replays the session after every reconnect. One per service.
 */
export class ChatSync {
  readonly session: Session;
  readonly store: ChatStateStore;
  readonly receipts: ReceiptTracker;
  readonly changes: ChangeTracker;
  readonly outbox: Outbox;
  readonly typing: TypingSender;
  readonly e2e: EndToEndSession;
  readonly #bridge: SyncBridge;
  #rateLimit: { at: number; retryAfterMs: number } | null = null;

  constructor(bridge: SyncBridge, options: ChatSyncOptions = {}) {
    this.#bridge = bridge;
    const e2eBridge: EndToEndBridge = {
      request: (event, payload) => bridge.request(event, payload),
      userId: () => this.session.user?.userId ?? null,
      deviceId: () => bridge.deviceId(),
      knownEncrypted: (chatId) => this.store.knownEncrypted(chatId),
    };
    this.e2e = options.endToEnd ? options.endToEnd.attach(e2eBridge) : withoutEndToEnd(e2eBridge);
    this.receipts = new ReceiptTracker(
      {
        confirm: (chatId, upToSeq) => this.#confirm(chatId, upToSeq),
        fetchGap: (chatId, beforeSeq, limit) => this.#fetchGap(chatId, beforeSeq, limit),
      },
      { tickMs: options.receiptBatchMs, gapFillAfterMs: options.gapFillAfterMs },
    );
    this.changes = new ChangeTracker(
      {
        confirm: async (chatId, upToVersion) =>
          (await bridge.request('changes_received', { chatId, upToVersion })).ok,
      },
      options.receiptBatchMs,
    );
    this.store = new ChatStateStore(
      {
        getHistory: (chatId, beforeSeq, limit) =>
          bridge.request(
            'get_history',
            beforeSeq === undefined ? { chatId, limit } : { chatId, beforeSeq, limit },
          ),
        markRead: (chatId, upToSeq) => bridge.request('mark_read', { chatId, upToSeq }),
        listChats: () => bridge.request('list_chats', {}),
        getMembers: (chatId) => bridge.request('get_members', { chatId }),
      },
      {
        maxMessagesPerChat: options.maxMessagesPerChat,
        onHeld: (chatId, seq) => this.receipts.note(chatId, seq),
        decrypt: (messages) => this.e2e.decrypt(messages),
      },
    );
    this.session = new Session({
      setupUser: (userId, userInfo) => bridge.request('setup_user', { userId, userInfo }),
      joinChat: (chatId) => {
        this.store.presenceJoinStarted(chatId);
        return bridge.request('join_chat', { chatId });
      },
      onJoined: (chat, presentUserIds) => {
        this.store.applyChatInfo(chat);
        this.store.applyPresence(chat.id, { all: presentUserIds });
      },
      onReady: () => {
        // Published on every connection (a no-op when the server has it): members wrap for it from then on.
        if (this.session.user) void this.e2e.publish(true);
        this.outbox.flush();
        this.store.refreshChatList();
      },
    });
    this.outbox = new Outbox(
      options.outboxStore ?? new MemoryOutboxStore(),
      {
        canSend: () => bridge.isReady() && this.session.ready,
        connectionEpoch: () => this.session.epoch,
        send: (entry) => this.#send(entry),
        retryAfterMs: () => {
          const limit = this.#rateLimit;
          return limit && Date.now() - limit.at < RATE_LIMIT_EVENT_TTL_MS ? limit.retryAfterMs : undefined;
        },
        currentUserId: () => this.session.user?.userId ?? null,
      },
      {
        queued: (entry) => this.store.showPending(entry),
        sent: (entry, message) => {
          if (!entry.action) {
            this.store.ingest([message]);
            return;
          }
          this.changes.note(message.chatId, message.version);
          this.store.batch(() => {
            this.store.removePending(entry);
            this.store.applyChanges([message]);
          });
        },
        failed: (entry) => this.store.showPending(entry),
        discarded: (entry) => this.store.removePending(entry),
      },
    );
    this.typing = new TypingSender((event, chatId) => bridge.signal(event, chatId));
  }

  connected(): void {
    void this.outbox.load();
    void this.session.connected();
  }

  disconnected(): void {
    this.session.disconnected();
    this.receipts.connectionLost();
    this.changes.connectionLost();
    this.typing.reset();
    this.store.forgetPresence();
  }

  /** Every server event passes here before the app's handlers. */
  handle(event: string, args: readonly unknown[]): void {
    if (!Object.hasOwn(this.#handlers, event)) return;
    // socket.io hands every event over untyped: this is where each one gets its contract type.
    const handler = this.#handlers[event as ServerEventName] as (...args: readonly unknown[]) => void;
    handler(...args);
  }

  // Typed by the contract, yet checked before use: a server of another version may send less.
  readonly #handlers: ServerEventHandlers = {
    receive_message: (message) => {
      if (isMessage(message)) this.store.ingest([message]);
    },
    queued_messages: (messages) => {
      if (!Array.isArray(messages)) return;
      const valid = messages.filter(isMessage);
      for (const message of valid) this.changes.note(message.chatId, message.version);
      this.store.ingest(valid);
    },
    message_updated: (message) => {
      if (!isMessage(message)) return;
      this.changes.note(message.chatId, message.version);
      this.store.applyChanges([message]);
    },
    queued_updates: (messages) => {
      if (!Array.isArray(messages)) return;
      const valid = messages.filter(isMessage);
      for (const message of valid) this.changes.note(message.chatId, message.version);
      this.store.applyChanges(valid);
    },
    catch_up_complete: (payload) => {
      this.receipts.catchUpComplete(payload?.cursors ?? []);
      this.changes.catchUpComplete(Array.isArray(payload?.versions) ? payload.versions : []);
    },
    resync_required: (payload) => {
      if (hasChatId(payload)) this.#resync(payload);
    },
    message_delivered: (payload) => {
      if (hasChatId(payload)) this.store.applyDelivered(payload);
    },
    messages_read: (payload) => {
      if (hasChatId(payload)) this.store.applyRead(payload);
    },
    chat_list_updated: (payload) => {
      if (hasChatId(payload) && this.store.applyChatListUpdate(payload)) {
        this.receipts.forget(payload.chatId);
        this.changes.forget(payload.chatId);
        this.session.joined.delete(payload.chatId);
      }
    },
    user_joined: (payload) => {
      if (hasChatId(payload))
        this.store.applyPresence(payload.chatId, { userId: payload.userId, here: true });
    },
    user_left: (payload) => {
      if (hasChatId(payload))
        this.store.applyPresence(payload.chatId, { userId: payload.userId, here: false });
    },
    typing_update: (payload) => {
      if (hasChatId(payload)) this.store.applyTyping(payload);
    },
    socket_rate_limit_exceeded: (error) => {
      if (error?.event === 'send_message' && typeof error.retryAfterMs === 'number') {
        this.#rateLimit = { at: Date.now(), retryAfterMs: error.retryAfterMs };
      }
    },
  };

  destroy(): void {
    const error = { code: 'UNAVAILABLE' as const, message: 'The service was destroyed.' };
    this.session.cancel(error);
    this.outbox.destroy();
    this.receipts.destroy();
    this.changes.destroy();
    this.typing.reset();
    this.store.destroy();
  }

  /** An outbox entry on the wire: a message, or the action it carries. */
  #send(entry: OutboxEntry): Promise<SendAck> {
    const { chatId, action } = entry;
    if (!action) return this.#sendMessage(entry);
    const { messageId } = action;
    if (action.type === 'edit')
      return this.#bridge.request('edit_message', { chatId, messageId, text: action.text });
    if (action.type === 'delete') return this.#bridge.request('delete_message', { chatId, messageId });
    const reaction = {
      chatId,
      messageId,
      emoji: action.emoji,
      action: action.add ? 'add' : 'remove',
    } as const;
    return this.#bridge.request('react_to_message', reaction);
  }

  /** Text to a plain chat; to an encrypted one, only ever the envelope (the outbox keeps the plaintext locally). */
  async #sendMessage(entry: OutboxEntry): Promise<AckOf<'send_message'>> {
    const { chatId, clientMessageId, text } = entry;
    // Mentions are ids the server must see to notify, in encrypted chats too (docs/protocol.md).
    const reply = {
      ...(entry.replyToId !== undefined && { replyToId: entry.replyToId }),
      ...(entry.mentions !== undefined && { mentions: [...entry.mentions] }),
    };
    const encrypted = await this.e2e.isEncrypted(chatId);
    if (typeof encrypted === 'object') return encrypted;
    if (!encrypted) {
      const files = entry.attachments ? { attachments: entry.attachments } : {};
      return this.#bridge.request('send_message', { chatId, text, clientMessageId, ...reply, ...files });
    }
    return this.e2e.send(chatId, text, clientMessageId, (envelope) =>
      this.#bridge.request('send_message', { chatId, envelope, clientMessageId, ...reply }),
    );
  }

  #resync({ chatId, prunedSeq }: ResyncRequiredPayload): void {
    this.store.resetChat(chatId);
    this.receipts.resync(chatId, prunedSeq);
    void this.store.loadNewest(chatId);
  }

  async #confirm(chatId: string, upToSeq: number): Promise<ConfirmOutcome> {
    const ack = await this.#bridge.request('messages_received', { chatId, upToSeq });
    if (ack.ok) return 'ok';
    // Receipts are cumulative: any failure but a chat gone for this user is retried by a later one.
    return recoveryOf(ack.error.code) === 'no-chat' ? 'drop' : 'retry';
  }

  async #fetchGap(chatId: string, beforeSeq: number, limit: number): Promise<number[] | null> {
    const ack = await this.#bridge.request('get_history', { chatId, beforeSeq, limit });
    if (!ack.ok) return null;
    this.store.ingest(ack.messages);
    return ack.messages.map((message) => message.seq);
  }
}
