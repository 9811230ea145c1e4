import { type AckOf, type ChatInfo, type ErrorBody, recoveryOf, type UserInfo } from '@mpi/protocol';

/** A join that failed so is not replayed on the next reconnect: it would be refused again. */
function isFinalJoinError(error: ErrorBody): boolean {
  const recovery = recoveryOf(error.code);
  return recovery === 'no-chat' || recovery === 'refused';
}

export interface SessionDeps {
  setupUser(userId: string, userInfo: UserInfo): Promise<AckOf<'setup_user'>>;
  joinChat(chatId: string): Promise<AckOf<'join_chat'>>;
  onJoined(chat: ChatInfo, presentUserIds: readonly string[]): void;
  /** The session is replayed on connection `epoch`: time to flush the outbox. */
  onReady(epoch: number): void;
}

type Waiter<T> = (ack: T) => void;

/**
 * What a connection must re-establish after every (re)connect, in order: `setup_user` (which starts the
 * device's catch-up), `join_chat` for every chat joined with `joinChat`; then the session is ready and the
 * outbox may flush. Notification channels are not replayed: they are the user's stored preference, which
 * the server applies to every connection itself (replaying them would undo an opt-out made elsewhere).
 * Calls made while a connection is being (re)established wait for the replay and resolve with its acks.
 */
export class Session {
  user: { userId: string; userInfo: UserInfo } | null = null;
  readonly joined = new Set<string>();
  readonly #deps: SessionDeps;
  #epoch = 0;
  #ready = false;
  #setupWaiters: Waiter<AckOf<'setup_user'>>[] = [];
  readonly #joinWaiters = new Map<string, Waiter<AckOf<'join_chat'>>[]>();

  constructor(deps: SessionDeps) {
    this.#deps = deps;
  }

  /** Changes with every connection and disconnection. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The replay of the current connection has finished. */
  get ready(): boolean {
    return this.#ready;
  }

  nextSetupAck(): Promise<AckOf<'setup_user'>> {
    return new Promise((resolve) => this.#setupWaiters.push(resolve));
  }

  nextJoinAck(chatId: string): Promise<AckOf<'join_chat'>> {
    return new Promise((resolve) => {
      const list = this.#joinWaiters.get(chatId) ?? [];
      list.push(resolve);
      this.#joinWaiters.set(chatId, list);
    });
  }

  /** Records a join outcome: a final failure stops re-joining the chat. */
  joinSettled(chatId: string, ack: AckOf<'join_chat'>): void {
    // A server older than presence on join sends no presentUserIds.
    if (ack.ok) this.#deps.onJoined(ack.chat, ack.presentUserIds ?? []);
    else if (isFinalJoinError(ack.error)) this.joined.delete(chatId);
  }

  async connected(): Promise<void> {
    const epoch = ++this.#epoch;
    this.#ready = false;
    const user = this.user;
    if (user) {
      const ack = await this.#deps.setupUser(user.userId, user.userInfo);
      this.#settle(this.#setupWaiters.splice(0), ack);
      if (epoch !== this.#epoch) return;
    }
    await Promise.all(
      [...this.joined].map(async (chatId) => {
        const ack = await this.#deps.joinChat(chatId);
        this.joinSettled(chatId, ack);
        const waiters = this.#joinWaiters.get(chatId) ?? [];
        this.#joinWaiters.delete(chatId);
        this.#settle(waiters, ack);
      }),
    );
    if (epoch !== this.#epoch) return;
    this.#ready = true;
    this.#deps.onReady(epoch);
  }

  disconnected(): void {
    this.#epoch++; // a replay still running belongs to the lost connection
    this.#ready = false;
  }

  /** Resolves every waiting call with `error` (no connection, or the service was destroyed). */
  cancel(error: ErrorBody): void {
    this.#settle(this.#setupWaiters.splice(0), { ok: false, error });
    for (const list of this.#joinWaiters.values()) this.#settle(list, { ok: false, error });
    this.#joinWaiters.clear();
  }

  #settle<T>(waiters: Waiter<T>[], ack: T): void {
    for (const resolve of waiters) resolve(ack);
  }
}
