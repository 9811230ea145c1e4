import { type AckOf, type ErrorBody, type MessageData, recoveryOf } from '@mpi/protocol';
import { describeError } from '../errors.js';
import type { MessageAction, OutboxEntry, OutboxStore } from './types.js';

/** The ack of an entry: a message's (`send_message`) or an action's (`edit_message` and the like). */
export type SendAck = AckOf<'send_message'> | AckOf<'edit_message'>;

export interface OutboxTransport {
  /** Connected, and the session (setup_user, joins) replayed on this connection. */
  canSend(): boolean;
  /** Changes on every new connection: tells a lost connection from a slow ack. */
  connectionEpoch(): number;
  send(entry: OutboxEntry): Promise<SendAck>;
  /** The `retryAfterMs` of the latest `socket_rate_limit_exceeded` for send_message, if recent. */
  retryAfterMs(): number | undefined;
  currentUserId(): string | null;
}

/** What the outbox tells the chat store. */
export interface OutboxListener {
  queued(entry: OutboxEntry): void;
  sent(entry: OutboxEntry, message: MessageData): void;
  failed(entry: OutboxEntry): void;
  discarded(entry: OutboxEntry): void;
}

export interface OutboxOptions {
  /** First retry delay after an ack timeout on a live connection; doubles up to 10 s. Default 500. */
  retryDelayMs?: number;
  /** Used when a RATE_LIMITED ack came without a `socket_rate_limit_exceeded`. Default 1000. */
  defaultRateLimitDelayMs?: number;
}

/**
 * The durable send queue. Every `sendMessage` is written to the store, then sent; it leaves the store
 * only when the server acknowledged it (or the app discards it after a final failure). Per chat, messages
 * go out one at a time in send order, each with its own clientMessageId on every attempt, so the server's
 * idempotency turns any resend into a duplicate of the stored original.
 */
export class Outbox {
  #store: OutboxStore;
  readonly #transport: OutboxTransport;
  readonly #listener: OutboxListener;
  readonly #retryDelayMs: number;
  readonly #defaultRateLimitDelayMs: number;
  /** Every entry in memory, pending and failed, by clientMessageId. */
  readonly #entries = new Map<string, OutboxEntry>();
  readonly #waiters = new Map<string, Array<(ack: SendAck) => void>>();
  readonly #flushing = new Set<string>();
  /** Entries the store has confirmed writing; only these go on the wire. */
  readonly #durable = new Set<string>();
  /** Store operations run one after another; `ready` is its head. */
  #chain: Promise<unknown> = Promise.resolve();
  #loaded: Promise<void> | null = null;
  #lastOrder = 0;
  #pausedUntil = 0;
  #backoffMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    store: OutboxStore,
    transport: OutboxTransport,
    listener: OutboxListener,
    opts: OutboxOptions = {},
  ) {
    this.#store = store;
    this.#transport = transport;
    this.#listener = listener;
    this.#retryDelayMs = opts.retryDelayMs ?? 500;
    this.#defaultRateLimitDelayMs = opts.defaultRateLimitDelayMs ?? 1000;
    this.#backoffMs = this.#retryDelayMs;
  }

  /**
   * Loads the entries an earlier run left in the store (once; later calls return the same promise).
   * Runs by itself on the first send, flush or read.
   */
  load(): Promise<void> {
    if (!this.#loaded) {
      this.#loaded = this.#load();
      this.#chain = this.#loaded;
    }
    return this.#loaded;
  }

  /** Replaces the store; only possible before the outbox loaded. */
  setStore(store: OutboxStore): boolean {
    if (this.#loaded) return store === this.#store;
    this.#store = store;
    return true;
  }

  /**
   * Enqueues a message and resolves with its final ack: sent (`ok: true`) or a final failure. The chat
   * store sees the pending entry at once; it goes on the wire once the store has it.
   */
  send(
    chatId: string,
    text: string,
    clientMessageId: string,
    extra: {
      replyToId?: string;
      action?: MessageAction;
      mentions?: readonly string[];
      attachments?: string[];
    } = {},
  ): Promise<SendAck> {
    void this.load();
    const result = this.#wait(clientMessageId);
    if (this.#entries.has(clientMessageId)) return result; // already queued: same id, same message
    const now = Date.now();
    const entry: OutboxEntry = {
      clientMessageId,
      chatId,
      text,
      ...(extra.mentions !== undefined && extra.mentions.length > 0 && { mentions: [...extra.mentions] }),
      userId: this.#transport.currentUserId(),
      createdAt: now,
      order: Math.max(now, this.#lastOrder + 1),
      status: 'pending',
      error: null,
      attempts: 0,
      ...(extra.replyToId !== undefined && { replyToId: extra.replyToId }),
      ...(extra.action !== undefined && { action: extra.action }),
      ...(extra.attachments && { attachments: extra.attachments }),
    };
    this.#lastOrder = entry.order;
    this.#entries.set(clientMessageId, entry);
    this.#listener.queued(entry);
    void this.#persist(() => this.#store.put({ ...entry })).then(() => {
      this.#durable.add(clientMessageId);
      this.flush();
    });
    return result;
  }

  /** Puts a failed entry back in the queue; resolves with its new final ack. */
  retry(clientMessageId: string): Promise<SendAck> {
    const entry = this.#entries.get(clientMessageId);
    if (entry?.status !== 'failed') {
      return Promise.resolve(notFound(`No failed message with clientMessageId "${clientMessageId}".`));
    }
    const result = this.#wait(clientMessageId);
    entry.status = 'pending';
    entry.error = null;
    this.#listener.queued(entry);
    this.#persist(() => this.#store.put({ ...entry })).then(() => this.flush());
    return result;
  }

  /** Removes a failed entry (or a pending one not being sent right now). False when it cannot. */
  async discard(clientMessageId: string): Promise<boolean> {
    const entry = this.#entries.get(clientMessageId);
    if (!entry) return false;
    if (
      entry.status === 'pending' &&
      this.#flushing.has(entry.chatId) &&
      this.#head(entry.chatId) === entry
    ) {
      return false; // may be on the wire: only its ack can tell
    }
    this.#entries.delete(clientMessageId);
    this.#durable.delete(clientMessageId);
    this.#listener.discarded(entry);
    this.#settle(clientMessageId, entry.error ? { ok: false, error: entry.error } : discardedAck());
    await this.#persist(() => this.#store.delete(clientMessageId));
    return true;
  }

  /** Copies of every entry, in send order, once the store operations queued so far are done. */
  async entries(): Promise<OutboxEntry[]> {
    await this.load();
    await this.#chain;
    return this.snapshot();
  }

  /** Copies of every entry in memory, in send order. */
  snapshot(): OutboxEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.order - b.order).map((entry) => ({ ...entry }));
  }

  /** Starts sending what can be sent. Called on enqueue, after each reconnect and by retry timers. */
  flush(): void {
    if (!this.#loaded) {
      void this.load();
      return; // the load ends with a flush
    }
    const chats = new Set<string>();
    for (const entry of this.#entries.values()) if (entry.status === 'pending') chats.add(entry.chatId);
    for (const chatId of chats) void this.#flushChat(chatId);
  }

  /** Stops timers and resolves every waiting promise with UNAVAILABLE. Entries stay in the store. */
  destroy(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const ack: SendAck = { ok: false, error: { code: 'UNAVAILABLE', message: 'The service was destroyed.' } };
    for (const id of [...this.#waiters.keys()]) this.#settle(id, ack);
  }

  async #load(): Promise<void> {
    let loaded: OutboxEntry[] = [];
    try {
      loaded = await this.#store.load();
    } catch (error) {
      console.error('[SocketService] could not load the outbox:', describeError(error));
    }
    for (const entry of loaded) {
      if (this.#entries.has(entry.clientMessageId)) continue;
      this.#entries.set(entry.clientMessageId, { ...entry });
      this.#durable.add(entry.clientMessageId);
      this.#lastOrder = Math.max(this.#lastOrder, entry.order);
      this.#listener.queued(entry);
    }
    queueMicrotask(() => this.flush());
  }

  #persist(operation: () => Promise<unknown>): Promise<void> {
    const next = this.#chain.then(operation).then(
      () => undefined,
      (error: unknown) => {
        console.error('[SocketService] outbox store write failed:', describeError(error));
      },
    );
    this.#chain = next;
    return next;
  }

  #head(chatId: string): OutboxEntry | undefined {
    let head: OutboxEntry | undefined;
    const me = this.#transport.currentUserId();
    for (const entry of this.#entries.values()) {
      if (entry.chatId !== chatId || entry.status !== 'pending') continue;
      if (entry.userId !== null && me !== null && entry.userId !== me) continue; // another user's queue
      if (!head || entry.order < head.order) head = entry;
    }
    return head;
  }

  async #flushChat(chatId: string): Promise<void> {
    if (this.#flushing.has(chatId)) return;
    this.#flushing.add(chatId);
    try {
      while (this.#transport.canSend()) {
        const entry = this.#head(chatId);
        // The head must be durable before it goes on the wire; its write ends with a flush().
        if (!entry || !this.#durable.has(entry.clientMessageId)) break;
        const wait = this.#pausedUntil - Date.now();
        if (wait > 0) {
          this.#schedule(wait);
          break;
        }
        const epoch = this.#transport.connectionEpoch();
        entry.attempts++;
        const ack = await this.#transport.send(entry);
        if (this.#entries.get(entry.clientMessageId) !== entry) continue;
        if (ack.ok) {
          this.#backoffMs = this.#retryDelayMs;
          this.#entries.delete(entry.clientMessageId);
          this.#durable.delete(entry.clientMessageId);
          this.#listener.sent(entry, ack.message);
          this.#settle(entry.clientMessageId, ack);
          void this.#persist(() => this.#store.delete(entry.clientMessageId));
        } else if (recoveryOf(ack.error.code) !== 'transient' && entry.action) {
          // A refused action (not allowed, message gone) has nothing to retry: it leaves the queue and
          // the message shows its stored state again.
          this.#entries.delete(entry.clientMessageId);
          this.#durable.delete(entry.clientMessageId);
          this.#listener.discarded(entry);
          this.#settle(entry.clientMessageId, ack);
          void this.#persist(() => this.#store.delete(entry.clientMessageId));
        } else if (recoveryOf(ack.error.code) !== 'transient') {
          // Resent unchanged it would fail again (a server fault too: no resending in a loop), so the
          // entry waits for the app's retry or discard.
          entry.status = 'failed';
          entry.error = ack.error;
          this.#listener.failed(entry);
          this.#settle(entry.clientMessageId, ack);
          void this.#persist(() => this.#store.put({ ...entry }));
        } else if (ack.error.code === 'RATE_LIMITED') {
          const delay =
            ack.error.retryAfterMs ?? this.#transport.retryAfterMs() ?? this.#defaultRateLimitDelayMs;
          this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + delay);
        } else if (epoch === this.#transport.connectionEpoch() && this.#transport.canSend()) {
          // No ack in time on a live connection: back off, then resend the same clientMessageId.
          this.#schedule(this.#backoffMs);
          this.#backoffMs = Math.min(this.#backoffMs * 2, 10_000);
          break;
        }
        // Connection lost: the loop ends (canSend() is false) or goes on over the new connection.
      }
    } finally {
      this.#flushing.delete(chatId);
    }
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, delayMs);
  }

  #wait(clientMessageId: string): Promise<SendAck> {
    return new Promise((resolve) => {
      const list = this.#waiters.get(clientMessageId);
      if (list) list.push(resolve);
      else this.#waiters.set(clientMessageId, [resolve]);
    });
  }

  #settle(clientMessageId: string, ack: SendAck): void {
    const list = this.#waiters.get(clientMessageId);
    if (!list) return;
    this.#waiters.delete(clientMessageId);
    for (const resolve of list) resolve(ack);
  }
}

function notFound(message: string): SendAck {
  return { ok: false, error: { code: 'NOT_FOUND', message } };
}

function discardedAck(): SendAck {
  const error: ErrorBody = { code: 'UNAVAILABLE', message: 'The message was discarded before it was sent.' };
  return { ok: false, error };
}
