import { LIMITS } from '@mpi/protocol';

/** `typing_start` is sent at most this often per chat while `startTyping` keeps being called. */
export const TYPING_THROTTLE_MS = 2000;
/** Without a `startTyping` for this long, the SDK sends `typing_stop` by itself. */
export const TYPING_IDLE_STOP_MS = LIMITS.typingTtlMs;

interface TypingState {
  lastStartAt: number;
  idleTimer: ReturnType<typeof setTimeout>;
}

/**
 * Outgoing typing signals. `start` is throttled: the first call sends `typing_start`, later calls send
 * it again only once `throttleMs` passed (the server keeps an indicator alive 5 s after the last one).
 * `stop` sends `typing_stop` at once; so does the idle timer `idleStopMs` after the last `start`.
 */
export class TypingSender {
  readonly #emit: (event: 'typing_start' | 'typing_stop', chatId: string) => boolean;
  readonly #throttleMs: number;
  readonly #idleStopMs: number;
  readonly #now: () => number;
  readonly #chats = new Map<string, TypingState>();

  constructor(
    emit: (event: 'typing_start' | 'typing_stop', chatId: string) => boolean,
    options: { throttleMs?: number; idleStopMs?: number; now?: () => number } = {},
  ) {
    this.#emit = emit;
    this.#throttleMs = options.throttleMs ?? TYPING_THROTTLE_MS;
    this.#idleStopMs = options.idleStopMs ?? TYPING_IDLE_STOP_MS;
    this.#now = options.now ?? Date.now;
  }

  start(chatId: string): void {
    const now = this.#now();
    const state = this.#chats.get(chatId);
    if (state) clearTimeout(state.idleTimer);
    let lastStartAt = state?.lastStartAt ?? Number.NEGATIVE_INFINITY;
    if (now - lastStartAt >= this.#throttleMs) {
      if (!this.#emit('typing_start', chatId)) {
        this.#chats.delete(chatId); // not connected: nothing to stop later
        return;
      }
      lastStartAt = now;
    }
    const idleTimer = setTimeout(() => this.stop(chatId), this.#idleStopMs);
    (idleTimer as { unref?: () => void }).unref?.();
    this.#chats.set(chatId, { lastStartAt, idleTimer });
  }

  stop(chatId: string): void {
    const state = this.#chats.get(chatId);
    if (!state) return;
    clearTimeout(state.idleTimer);
    this.#chats.delete(chatId);
    this.#emit('typing_stop', chatId);
  }

  /** The connection dropped: the server cleared our indicators; forget them without sending. */
  reset(): void {
    for (const state of this.#chats.values()) clearTimeout(state.idleTimer);
    this.#chats.clear();
  }

  get activeCount(): number {
    return this.#chats.size;
  }
}
