import type { VersionCursor } from '@mpi/protocol';

export interface ChangeTransport {
  /** Sends `changes_received`; false when it failed (a later confirmation covers it: it is cumulative). */
  confirm(chatId: string, upToVersion: number): Promise<boolean>;
}

interface ChatChanges {
  /** Every change up to here is held (the catch-up covered it, or it was seen without a gap after). */
  contiguous: number;
  /** Versions seen above `contiguous`. */
  readonly above: Set<number>;
  /** The highest version the server has been told. */
  confirmed: number;
  /** A change of the chat came since the last catch-up (so the server's cursor is behind). */
  touched: boolean;
}

/**
 * Change receipts (`changes_received`), under the contiguous rule of message receipts: a device confirms
 * version N of a chat only when it has seen every change of the chat up to N, because the server never
 * sends a confirmed change again. The catch-up covers every change up to `catch_up_complete.versions` (a
 * message changed twice comes once, in its final state, so its earlier versions are covered too); from
 * there each live `message_updated` and each ack of an own action carries one version. Nothing is
 * confirmed on a connection before its `catch_up_complete`; confirmations are batched per tick.
 */
export class ChangeTracker {
  readonly #transport: ChangeTransport;
  readonly #tickMs: number;
  readonly #chats = new Map<string, ChatChanges>();
  #caughtUp = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(transport: ChangeTransport, tickMs = 50) {
    this.#transport = transport;
    this.#tickMs = tickMs;
  }

  /** A change of `chatId` with this version is held. */
  note(chatId: string, version: number | undefined): void {
    if (version === undefined || version <= 0) return;
    const chat = this.#chat(chatId);
    chat.touched = true;
    if (version <= chat.contiguous) return;
    chat.above.add(version);
    this.#advance(chat);
    this.#schedule();
  }

  /** `catch_up_complete`: every change up to each cursor is held. */
  catchUpComplete(versions: readonly VersionCursor[]): void {
    this.#caughtUp = true;
    for (const { chatId, version } of versions) {
      const chat = this.#chat(chatId);
      // Without a change seen, the device's cursor is already there (a change it holds came as a
      // queued or live message, which notes it): saying so again would cost one event per chat.
      if (!chat.touched) chat.confirmed = Math.max(chat.confirmed, version);
      chat.touched = false;
      if (version > chat.contiguous) {
        chat.contiguous = version;
        for (const seen of chat.above) if (seen <= version) chat.above.delete(seen);
        this.#advance(chat);
      }
    }
    this.#schedule();
  }

  connectionLost(): void {
    this.#caughtUp = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  forget(chatId: string): void {
    this.#chats.delete(chatId);
  }

  destroy(): void {
    this.connectionLost();
    this.#chats.clear();
  }

  #chat(chatId: string): ChatChanges {
    let chat = this.#chats.get(chatId);
    if (!chat) {
      // A chat the catch-up did not name is new to this device: its changes start at 1.
      chat = { contiguous: 0, above: new Set(), confirmed: 0, touched: false };
      this.#chats.set(chatId, chat);
    }
    return chat;
  }

  #advance(chat: ChatChanges): void {
    while (chat.above.delete(chat.contiguous + 1)) chat.contiguous++;
  }

  #schedule(): void {
    if (!this.#caughtUp || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.#tickMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #flush(): Promise<void> {
    for (const [chatId, chat] of this.#chats) {
      if (!this.#caughtUp) return;
      if (chat.contiguous <= chat.confirmed) continue;
      const upTo = chat.contiguous;
      if (await this.#transport.confirm(chatId, upTo)) chat.confirmed = Math.max(chat.confirmed, upTo);
    }
  }
}
