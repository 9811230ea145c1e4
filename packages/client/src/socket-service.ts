import type {
  Ack,
  AckedClientEvent,
  AckOf,
  ChatInfo,
  ChatListUpdatedPayload,
  ClientEventPayload,
  GetHistoryInput,
  NotificationChannel,
  UserInfo,
} from '@mpi/protocol';
import { ChatSync } from './chat-sync.js';
import { Connection } from './connection.js';
import { ConnectionState } from './connection-state.js';
import { isDebugEnabled, logIncomingEvent } from './debug.js';
import { DeviceIdentity, deviceIdStoreOf } from './device-id.js';
import { Emitter } from './emitter.js';
import { SocketRequestError, unavailable } from './errors.js';
import type {
  FileInput,
  FileTransfers,
  PendingUpload,
  SendFileOptions,
  SendFileResult,
  UploadOptions,
} from './files/types.js';
import { createClientMessageId } from './ids.js';
import { NotificationStore } from './notifications/notification-store.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import type { MessageAction, OutboxEntry } from './outbox/types.js';
import { PeopleStore } from './people/people-store.js';
import { emitWithAck } from './request.js';
import type { ChatStore } from './store/types.js';
import type {
  ClientSocket,
  ConnectionStatus,
  LocalEvents,
  SocketServiceEventName,
  SocketServiceEvents,
  SocketServiceOptions,
} from './types.js';

const LOCAL_EVENT_NAMES: ReadonlySet<string> = new Set<keyof LocalEvents>([
  'socket_connected',
  'socket_disconnected',
  'connection_state_changed',
]);

function now(): number {
  return typeof performance === 'object' && typeof performance.now === 'function'
    ? performance.now()
    : Date.now();
}

/**
 * The spec's SocketService: one Socket.IO connection with the spec's method names, typed with the wire
 * contract of @mpi/protocol. Framework-free; React binds with
 * `useSyncExternalStore(service.subscribeState, service.getSnapshot)`.
 *
 * Requests resolve with the server's Ack, `{ ok: true, ...fields } | { ok: false, error: { code, message } }`,
 * and never reject: not connected, no ack within `ackTimeoutMs`, or connection lost before the ack all
 * resolve with `UNAVAILABLE`. Messages are the exception: `sendMessage` goes through a durable outbox
 * and resolves only with the final outcome.
 *
 * After every (re)connect the service replays the session: `setup_user` (if `setupUser` was called),
 * `join_chat` for each chat joined with `joinChat`, `subscribe` for the channels, then flushes the
 * outbox. `service.chats` holds the chat state (messages, typing, unread, chat list) and receipts are
 * confirmed automatically (see ReceiptTracker).
 */
export class SocketService {
  #rawOptions: SocketServiceOptions;
  #options: ResolvedOptions;
  readonly #emitter = new Emitter<SocketServiceEvents>();
  readonly #connection: Connection;
  readonly #sync: ChatSync;
  readonly #device = new DeviceIdentity(() => deviceIdStoreOf(this.#rawOptions));
  readonly #people = new PeopleStore({ getProfiles: (userIds) => this.request('get_profiles', { userIds }) });
  #fileTransfers: FileTransfers | null = null;

  constructor(options: SocketServiceOptions = {}) {
    this.#rawOptions = { ...options };
    this.#options = resolveOptions(this.#rawOptions);
    this.#connection = new Connection(() => this.#options, {
      onServerEvent: (event, args) => this.#dispatchServerEvent(event, args),
      onConnected: (socketId) => {
        this.#sync.connected();
        this.#emitter.emit('socket_connected', { socketId });
      },
      onDisconnected: (reason) => {
        this.#sync.disconnected();
        this.#people.forgetPresence();
        this.#emitter.emit('socket_disconnected', { reason });
      },
      onStateChange: (change) => {
        if (change.state === ConnectionState.DISCONNECTED || change.state === ConnectionState.ERROR) {
          // Calls waiting for a connection's setup (setupUser, joinChat while connecting) get their answer.
          this.#sync.session.cancel({
            code: 'UNAVAILABLE',
            message: `Not connected (state: ${change.state}).`,
          });
        }
        this.#emitter.emit('connection_state_changed', change);
      },
      deviceId: () => this.#options.deviceId ?? this.#device.get(),
    });
    this.#sync = new ChatSync(
      {
        request: (event, payload) => this.request(event, payload),
        isReady: () => this.isReady(),
        deviceId: () => this.getDeviceId(),
        signal: (event, chatId) => {
          const socket = this.#connection.socket;
          if (!socket || !this.isReady()) return false;
          socket.emit(event, { chatId });
          return true;
        },
      },
      options,
    );
  }

  /**
   * Changes options. The token provider, deviceId, reconnection policy and timeouts apply from the next
   * connection attempt; url, query and socketOptions from the next connect() out of DISCONNECTED/ERROR;
   * outboxStore only before the first connect() or sendMessage(). The chat store options
   * (maxMessagesPerChat, receiptBatchMs, gapFillAfterMs) are fixed at construction.
   */
  configure(options: SocketServiceOptions): void {
    const reconnection = { ...this.#rawOptions.reconnection, ...options.reconnection };
    this.#rawOptions = { ...this.#rawOptions, ...options, reconnection };
    this.#options = resolveOptions(this.#rawOptions);
    if (options.outboxStore && !this.#sync.outbox.setStore(options.outboxStore)) {
      console.warn('[SocketService] outboxStore can only change before the outbox is first used.');
    }
  }

  // ---- Connection management (spec) ----

  /** The id this service sends as `auth.deviceId`: `options.deviceId`, else the one the SDK keeps. */
  async getDeviceId(): Promise<string> {
    return this.#options.deviceId ?? this.#device.get();
  }

  /** Starts connecting from DISCONNECTED or ERROR (retry count reset); a no-op otherwise. */
  connect(): void {
    // What an earlier run left unsent shows at once, offline too (the app shell opens without a network).
    void this.#sync.outbox.load();
    this.#connection.connect();
  }

  /** Closes the connection and cancels any retry; the state becomes DISCONNECTED. */
  disconnect(): void {
    this.#connection.disconnect();
  }

  isReady(): boolean {
    return this.#connection.status.isConnected && this.#connection.socket?.connected === true;
  }

  /**
   * disconnect(), and remove every event handler, state and store listener and timer; pending
   * sendMessage promises resolve with UNAVAILABLE (their messages stay in the outbox store).
   */
  destroy(): void {
    this.#notifications?.destroy();
    this.#notifications = null;
    this.#people.destroy();
    this.#connection.destroy();
    this.#sync.destroy();
    this.#emitter.clear();
  }

  getState(): ConnectionState {
    return this.#connection.status.state;
  }

  /** The spec's health check: `{ isConnected, state, socketId, latencyMs, reconnectAttempt, … }`. */
  getConnectionStatus(): ConnectionStatus {
    return this.#connection.status;
  }

  /** For `useSyncExternalStore`: a new object only when something changed. Bound: pass it as is. */
  readonly getSnapshot = (): ConnectionStatus => this.#connection.status;

  /** For `useSyncExternalStore`: `listener` runs after every status change. Bound: pass it as is. */
  readonly subscribeState = (listener: () => void): (() => void) => this.#connection.subscribe(listener);

  /** The underlying socket of the current connect cycle, for diagnostics. Handlers belong on `on()`. */
  get socket(): ClientSocket | null {
    return this.#connection.socket;
  }

  // ---- Events (spec) ----

  /** Handlers live on the service and survive reconnects. Returns a function that removes the handler. */
  on<E extends SocketServiceEventName>(event: E, handler: SocketServiceEvents[E]): () => void {
    this.#emitter.on(event, handler);
    return () => this.#emitter.off(event, handler);
  }

  /** Without `handler`, removes every handler of `event`. */
  off<E extends SocketServiceEventName>(event: E, handler?: SocketServiceEvents[E]): void {
    this.#emitter.off(event, handler);
  }

  /** Handlers registered with `on`, for one event or in all. */
  listenerCount(event?: SocketServiceEventName): number {
    return this.#emitter.listenerCount(event);
  }

  // ---- User and chats (spec) ----

  /**
   * Identifies the user; remembered and sent again after every reconnect (it starts this device's
   * catch-up). While a connection is being set up, resolves with the ack of that connection's setup.
   */
  setupUser(userId: string, userInfo: UserInfo = {}): Promise<AckOf<'setup_user'>> {
    this.#sync.session.user = { userId, userInfo };
    this.#sync.store.setCurrentUser(userId);
    if (this.isReady()) return this.request('setup_user', { userId, userInfo });
    if (this.#isConnecting()) return this.#sync.session.nextSetupAck();
    return this.request('setup_user', { userId, userInfo });
  }

  /** Joins the chat's room (typing, presence: the ack's `presentUserIds`); re-joined after reconnects. */
  async joinChat(chatId: string): Promise<AckOf<'join_chat'>> {
    const { session } = this.#sync;
    session.joined.add(chatId);
    if (!this.isReady() && this.#isConnecting()) return session.nextJoinAck(chatId);
    this.#sync.store.presenceJoinStarted(chatId);
    const ack = await this.request('join_chat', { chatId });
    session.joinSettled(chatId, ack);
    return ack;
  }

  leaveChat(chatId: string): Promise<AckOf<'leave_chat'>> {
    this.#sync.session.joined.delete(chatId);
    this.#sync.store.forgetPresence(chatId); // out of the room: presence no longer followed
    return this.request('leave_chat', { chatId });
  }

  /**
   * Sends a message through the durable outbox and resolves with its final ack: `ok: true` once the
   * server stored it (possibly after reconnects), or a final failure (VALIDATION_FAILED, NOT_A_MEMBER,
   * CHAT_NOT_FOUND, FORBIDDEN, …), after which the message is `failed` in the store until
   * `retryMessage` or `discardMessage`. While disconnected it waits in the outbox (status `pending`).
   * Pass your own `clientMessageId` (see `createClientMessageId()`) to find the message in the store.
   */
  sendMessage(
    chatId: string,
    message: string,
    options: { clientMessageId?: string; replyToId?: string; mentions?: readonly string[] } = {},
  ): Promise<AckOf<'send_message'>> {
    const clientMessageId = options.clientMessageId ?? createClientMessageId();
    this.#sync.typing.stop(chatId); // a sent message ends the typing indicator
    const extra = {
      ...(options.replyToId !== undefined && { replyToId: options.replyToId }),
      ...(options.mentions !== undefined && options.mentions.length > 0 && { mentions: options.mentions }),
    };
    return this.#sync.outbox.send(chatId, message, clientMessageId, extra) as Promise<AckOf<'send_message'>>;
  }

  /**
   * Uploads a file (a File or Blob in browsers; `fileFromPath` / `fileFromBuffer` of `@mpi/client/node` in
   * Node) with progress, resuming by itself after a dropped connection, then sends it as a message
   * through the outbox (idempotent by `clientMessageId`, like `sendMessage`). Resolves with the message's
   * final ack, or the upload's failure (`cancelled: true` once `options.signal` aborted it).
   */
  sendFile(chatId: string, file: FileInput, options: SendFileOptions = {}): Promise<SendFileResult> {
    return this.#files().sendFile(chatId, file, options);
  }

  /**
   * Resumes the files of a chat that a previous page left uploading (with `uploadStore`), each from where
   * the server stopped, then sends their messages. Resolves with each one and its final result.
   */
  resumeUploads(
    chatId: string,
    options?: (upload: PendingUpload) => Pick<UploadOptions, 'onProgress' | 'signal'>,
  ): Promise<Array<{ upload: PendingUpload; result: Promise<SendFileResult> }>> {
    return this.#files().resumeUploads(chatId, options);
  }

  /** An attachment's bytes (or its thumbnail) as a Blob, fetched with the user's token. */
  fetchFile(fileId: string, options: { thumbnail?: boolean } = {}) {
    return this.#files().fetchFile(fileId, options);
  }

  /** The file transfers of the `uploader` option, made on first use. */
  #files(): FileTransfers {
    const { uploader } = this.#rawOptions;
    if (!uploader) {
      throw new Error('sendFile needs the uploader option: tusUploader from @mpi/client/files');
    }
    this.#fileTransfers ??= uploader.create({
      baseUrl: () => this.#options.url.replace(/^ws(s?):/, 'http$1:').replace(/\/+$/, ''),
      token: () => this.#options.token,
      uploadStore: () => this.#rawOptions.uploadStore,
      // A message entry (no action): its ack is send_message's.
      send: (chatId, text, clientMessageId, attachments) =>
        this.#sync.outbox.send(chatId, text, clientMessageId, { attachments }) as Promise<
          AckOf<'send_message'>
        >,
    });
    return this.#fileTransfers;
  }

  /** Queues a `failed` message again; resolves with its new final ack (NOT_FOUND when not failed). */
  retryMessage(clientMessageId: string): Promise<AckOf<'send_message'>> {
    return this.#sync.outbox.retry(clientMessageId) as Promise<AckOf<'send_message'>>;
  }

  // ---- Message actions: through the outbox, shown at once, sent once (docs/sdk.md) ----

  /**
   * Replaces the text of your message `messageId`: shown at once (`syncing`), sent once, offline too.
   * A final refusal (FORBIDDEN, EDIT_WINDOW_CLOSED…) undoes what the store showed.
   */
  editMessage(chatId: string, messageId: string, text: string): Promise<AckOf<'edit_message'>> {
    return this.#action(chatId, { type: 'edit', messageId, text }, text);
  }

  /** Deletes a message (yours, or any as a group admin): a tombstone, shown at once. */
  deleteMessage(chatId: string, messageId: string): Promise<AckOf<'delete_message'>> {
    return this.#action(chatId, { type: 'delete', messageId });
  }

  /** Adds (or with `add: false` removes) your reaction `emoji` (one emoji) on a message. */
  reactToMessage(
    chatId: string,
    messageId: string,
    emoji: string,
    add = true,
  ): Promise<AckOf<'react_to_message'>> {
    return this.#action(chatId, { type: 'react', messageId, emoji, add });
  }

  /** Full-text search over your chats (or `chatId`), newest first; `nextCursor` pages on. */
  searchMessages(
    query: string,
    options: Omit<ClientEventPayload<'search_messages'>, 'query'> = {},
  ): Promise<AckOf<'search_messages'>> {
    return this.request('search_messages', { query, ...options });
  }

  #action(chatId: string, action: MessageAction, text = ''): Promise<AckOf<'edit_message'>> {
    const key = createClientMessageId();
    return this.#sync.outbox.send(chatId, text, key, { action }) as Promise<AckOf<'edit_message'>>;
  }

  /** Drops a `failed` (or a not yet sent `pending`) message from the outbox and the store. */
  discardMessage(clientMessageId: string): Promise<boolean> {
    return this.#sync.outbox.discard(clientMessageId);
  }

  /** The outbox (pending and failed messages, in send order) once its store writes are done. */
  getOutbox(): Promise<OutboxEntry[]> {
    return this.#sync.outbox.entries();
  }

  /** Messages, typing users, unread counts and the chat list; `useSyncExternalStore`-ready. */
  get chats(): ChatStore {
    return this.#sync.store;
  }

  /** Names, avatars and presence of the people you share chats with, and your own settings. */
  get people(): PeopleStore {
    return this.#people;
  }

  #notifications: NotificationStore | null = null;

  /** The notification inbox, unread count and channel preference; created on first use. */
  get notifications(): NotificationStore {
    this.#notifications ??= new NotificationStore(this);
    return this.#notifications;
  }

  // ---- Typing (spec): throttled, dropped when not connected ----

  /** Sends `typing_start` at most every 2 s while called repeatedly; stops by itself after 5 s idle. */
  startTyping(chatId: string): void {
    this.#sync.typing.start(chatId);
  }

  /** Sends `typing_stop` at once (if a start was sent). */
  stopTyping(chatId: string): void {
    this.#sync.typing.stop(chatId);
  }

  // ---- Receipts, DMs, groups, history, notifications ----

  /** Manual receipt; the SDK already confirms automatically (see ReceiptTracker). */
  confirmReceived(chatId: string, upToSeq: number): Promise<AckOf<'messages_received'>> {
    return this.request('messages_received', { chatId, upToSeq });
  }

  /** The user has read every message of the chat up to `upToSeq` (cumulative). */
  markRead(chatId: string, upToSeq: number): Promise<AckOf<'mark_read'>> {
    return this.request('mark_read', { chatId, upToSeq });
  }

  /**
   * The DM chat with `userId`, created on first use. `encrypted: true` opens the pair's end-to-end
   * encrypted DM instead: another chat, whose messages only the members' devices can read.
   */
  openDm(userId: string, options: { encrypted?: boolean } = {}): Promise<AckOf<'open_dm'>> {
    return this.#withChat(this.request('open_dm', { userId, ...(options.encrypted && { encrypted: true }) }));
  }

  /** A group; `encrypted: true` makes it end-to-end encrypted for its whole life. */
  createGroup(
    name: string,
    members: string[],
    options: { encrypted?: boolean } = {},
  ): Promise<AckOf<'create_group'>> {
    return this.#withChat(
      this.request('create_group', { name, members, ...(options.encrypted && { encrypted: true }) }),
    );
  }

  /**
   * The safety code of the current user and `userId` in an encrypted chat they share: 60 digits both
   * see alike as long as each sees the other's real device keys (docs/security.md).
   */
  getSafetyCode(chatId: string, userId: string): Promise<Ack<{ safetyCode: string }>> {
    return this.#sync.e2e.safetyCode(chatId, userId);
  }

  addMembers(chatId: string, userIds: string[]): Promise<AckOf<'add_members'>> {
    return this.#withChat(this.request('add_members', { chatId, userIds }));
  }

  removeMember(chatId: string, userId: string): Promise<AckOf<'remove_member'>> {
    return this.#withChat(this.request('remove_member', { chatId, userId }));
  }

  renameChat(chatId: string, name: string): Promise<AckOf<'rename_chat'>> {
    return this.#withChat(this.request('rename_chat', { chatId, name }));
  }

  leaveGroup(chatId: string): Promise<AckOf<'leave_group'>> {
    this.#sync.session.joined.delete(chatId);
    return this.request('leave_group', { chatId });
  }

  getMembers(chatId: string): Promise<AckOf<'get_members'>> {
    return this.request('get_members', { chatId });
  }

  // ---- People: profiles, presence, mute ----

  /**
   * Changes your name or avatar (a field left out keeps its value); the people you share chats with see
   * it live. Remembered for the `setup_user` of later reconnects.
   */
  async updateProfile(userInfo: UserInfo): Promise<AckOf<'update_profile'>> {
    const ack = await this.request('update_profile', userInfo);
    const { user } = this.#sync.session;
    if (ack.ok && user) this.#sync.session.user = { ...user, userInfo: { ...user.userInfo, ...userInfo } };
    return ack;
  }

  /** Profiles and presence of these users (at most 100); also kept in `people`. */
  getProfiles(userIds: string[]): Promise<AckOf<'get_profiles'>> {
    return this.request('get_profiles', { userIds });
  }

  /** Hides your online and last seen from everyone (and theirs' last seen from you), or shows them again. */
  setPresenceHidden(hidden: boolean): Promise<AckOf<'set_presence_hidden'>> {
    return this.request('set_presence_hidden', { hidden });
  }

  /**
   * Mutes or unmutes a chat for you, on all your devices: shown at once in the chat list, undone if the
   * server refuses. A muted chat still counts unread; mentions of you still notify.
   */
  async setChatMuted(chatId: string, muted: boolean): Promise<AckOf<'set_chat_muted'>> {
    // Only a listed chat changes at once: an unknown id must not appear in the list.
    const before = this.#sync.store.getChatListSnapshot().find((chat) => chat.id === chatId)?.muted;
    if (before !== undefined) this.#sync.store.applyChatListUpdate({ chatId, updates: { muted } });
    const ack = await this.request('set_chat_muted', { chatId, muted });
    if (!ack.ok && before !== undefined) {
      this.#sync.store.applyChatListUpdate({ chatId, updates: { muted: before } });
    }
    return ack;
  }

  /** A page of messages, newest first; `beforeSeq` pages back. Also merged into the store. */
  async getHistory(
    chatId: string,
    options: Omit<GetHistoryInput, 'chatId'> = {},
  ): Promise<AckOf<'get_history'>> {
    const ack = await this.request('get_history', { chatId, ...options });
    if (ack.ok) this.#sync.store.ingest(ack.messages);
    return ack;
  }

  listChats(): Promise<AckOf<'list_chats'>> {
    return this.request('list_chats', {});
  }

  /**
   * Subscribes notification channels: a stored preference of the user, applied by the server to all
   * their devices and every later connection (so it is not re-sent after a reconnect).
   */
  subscribe(channels: NotificationChannel[]): Promise<AckOf<'subscribe'>> {
    return this.request('subscribe', { channels });
  }

  unsubscribe(channels: NotificationChannel[]): Promise<AckOf<'unsubscribe'>> {
    return this.request('unsubscribe', { channels });
  }

  /** Round trip to the server in ms; also stored as `latencyMs`. Rejects with SocketRequestError. */
  async ping(): Promise<number> {
    const started = now();
    const ack = await this.request('ping', { sentAt: Date.now() });
    if (!ack.ok) throw new SocketRequestError(ack.error);
    const latencyMs = Math.round((now() - started) * 100) / 100;
    this.#connection.setLatency(latencyMs);
    return latencyMs;
  }

  /** Emits any acknowledged client event and resolves with its Ack; never rejects. */
  async request<E extends AckedClientEvent>(event: E, payload: ClientEventPayload<E>): Promise<AckOf<E>> {
    const socket = this.#connection.socket;
    if (!socket || !this.isReady()) return this.#notConnected(event);
    const ack = await emitWithAck(socket, event, payload, this.#options.ackTimeoutMs);
    this.#people.absorb(event, ack);
    return ack;
  }

  /** Requests made while not connected fail at once (messages go through the outbox instead). */
  #notConnected<E extends AckedClientEvent>(event: E): Promise<AckOf<E>> {
    return Promise.resolve(
      unavailable(`Not connected (state: ${this.getState()}); "${event}" was not sent.`),
    );
  }

  #isConnecting(): boolean {
    const { state } = this.#connection.status;
    return state !== ConnectionState.DISCONNECTED && state !== ConnectionState.ERROR;
  }

  async #withChat<E extends 'open_dm' | 'create_group' | 'add_members' | 'remove_member' | 'rename_chat'>(
    pending: Promise<AckOf<E>>,
  ): Promise<AckOf<E>> {
    const ack = await pending;
    const result: Ack<{ chat: ChatInfo }> = ack;
    if (result.ok && result.chat) {
      this.#sync.store.applyChatInfo(result.chat);
      void this.#people.loadProfiles(result.chat.members);
    }
    return ack;
  }

  #dispatchServerEvent(event: string, args: unknown[]): void {
    if (this.#options.debug ?? isDebugEnabled()) logIncomingEvent(event, args);
    if (LOCAL_EVENT_NAMES.has(event)) return; // a server cannot impersonate the local events
    try {
      if (!this.#people.handle(event, args)) this.#sync.handle(event, args);
      // New members of a chat (someone added them, or you to it): their names and presence.
      const members = event === 'chat_list_updated' && (args[0] as ChatListUpdatedPayload).updates.members;
      if (members) void this.#people.loadProfiles(members);
    } catch (error) {
      console.error(`[SocketService] handling "${event}" failed:`, error);
    }
    (this.#emitter.emit as (event: string, ...args: unknown[]) => void).call(this.#emitter, event, ...args);
  }
}

/** A new, independent SocketService. Most applications use the shared one from `getSocketService()`. */
export function createSocketService(options: SocketServiceOptions = {}): SocketService {
  return new SocketService(options);
}
