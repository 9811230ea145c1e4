import type { DeviceCursor } from '@mpi/protocol';

export type ConfirmOutcome = 'ok' | 'retry' | 'drop';

export interface ReceiptTransport {
  /** Sends `messages_received`; 'drop' when the chat is gone for this user (no member, no chat). */
  confirm(chatId: string, upToSeq: number): Promise<ConfirmOutcome>;
  /**
   * Fetches messages with seq in [beforeSeq − limit, beforeSeq) and hands them to the store (which
   * reports them held). Resolves with the seqs the server returned, or null when the request failed.
   */
  fetchGap(chatId: string, beforeSeq: number, limit: number): Promise<number[] | null>;
}

export interface ReceiptOptions {
  /** Confirmations are batched: at most one per chat per tick. Default 50 ms. */
  tickMs?: number;
  /** A gap older than this is fetched with get_history. Default 2000 ms. */
  gapFillAfterMs?: number;
  now?: () => number;
}

/** Largest page get_history returns. */
const GAP_PAGE = 100;

interface ChatReceipts {
  /** Where the contiguous run starts; null until known (see ReceiptTracker). */
  baseline: number | null;
  /** Every seq in (baseline, contiguous] is held. */
  contiguous: number;
  /** Held seqs above `contiguous` (or every seen seq while the baseline is unknown). */
  above: Set<number>;
  /** The server has this device's receipt up to here. */
  confirmed: number;
  /** Retention deleted messages up to here (resync_required). */
  floor: number;
  confirming: boolean;
  filling: boolean;
  /** When the current gap was first seen. */
  gapSince: number | null;
  /**
   * The server's cursor was above what this store holds (another tab of the device confirmed, or the
   * server counted this connection as a new device): every seq up to here is fetched before any receipt.
   */
  fillTo: number;
}

/**
 * Automatic delivery receipts (`messages_received`) under the contiguous rule: a device confirms seq N
 * only when it holds every message of the chat from its baseline up to N, because the server never
 * queues a confirmed message again.
 *
 * - baseline = the cursor of `catch_up_complete` (this device's confirmed seq when catch-up began); for
 *   a chat the cursors do not name, the first seq received − 1;
 * - a cursor above a chat's contiguous run does not move the run: the missing seqs are fetched at once,
 *   and no receipt of the chat goes out until they are held;
 * - nothing is confirmed on a connection before its `catch_up_complete`;
 * - confirmations are cumulative and batched (one per chat per tick);
 * - a gap older than `gapFillAfterMs` is fetched with get_history; seqs the server no longer has
 *   (retention) are skipped.
 */
export class ReceiptTracker {
  readonly #transport: ReceiptTransport;
  readonly #tickMs: number;
  readonly #gapFillAfterMs: number;
  readonly #now: () => number;
  readonly #chats = new Map<string, ChatReceipts>();
  #caughtUp = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(transport: ReceiptTransport, options: ReceiptOptions = {}) {
    this.#transport = transport;
    this.#tickMs = options.tickMs ?? 50;
    this.#gapFillAfterMs = options.gapFillAfterMs ?? 2000;
    this.#now = options.now ?? Date.now;
  }

  /** The device holds message `seq` of `chatId`. */
  note(chatId: string, seq: number): void {
    const chat = this.#chat(chatId);
    if (chat.baseline === null) {
      chat.above.add(seq);
      if (this.#caughtUp) this.#setBaseline(chat, Math.min(...chat.above) - 1);
    } else if (seq > chat.contiguous) {
      chat.above.add(seq);
      this.#advance(chat);
    }
    this.#schedule();
  }

  /** `catch_up_complete` on this connection: baselines are known from here on. */
  catchUpComplete(cursors: readonly DeviceCursor[]): void {
    this.#caughtUp = true;
    for (const cursor of cursors) {
      const chat = this.#chat(cursor.chatId);
      chat.confirmed = Math.max(chat.confirmed, cursor.seq);
      const base = Math.max(cursor.seq, chat.floor);
      if (chat.baseline === null) this.#setBaseline(chat, base);
      else if (base > chat.contiguous) {
        chat.fillTo = Math.max(chat.fillTo, base);
        this.#advance(chat);
        // Not a gap of the live stream that may still close by itself: fetch it now.
        if (chat.gapSince !== null) chat.gapSince = this.#now() - this.#gapFillAfterMs;
      }
    }
    for (const chat of this.#chats.values()) {
      if (chat.baseline === null && chat.above.size > 0) this.#setBaseline(chat, Math.min(...chat.above) - 1);
    }
    this.#schedule();
  }

  /** The connection dropped: nothing is confirmed until the next `catch_up_complete`. */
  connectionLost(): void {
    this.#caughtUp = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** `resync_required`: messages up to `prunedSeq` are gone; the run may start after them. */
  resync(chatId: string, prunedSeq: number): void {
    const chat = this.#chat(chatId);
    chat.floor = Math.max(chat.floor, prunedSeq);
    if (chat.baseline !== null && chat.contiguous < prunedSeq) {
      chat.contiguous = prunedSeq;
      this.#advance(chat);
    }
  }

  /** The user left the chat: stop tracking it. */
  forget(chatId: string): void {
    this.#chats.delete(chatId);
  }

  /** For tests and diagnostics. */
  state(chatId: string): { baseline: number | null; contiguous: number; confirmed: number } | undefined {
    const chat = this.#chats.get(chatId);
    return chat && { baseline: chat.baseline, contiguous: chat.contiguous, confirmed: chat.confirmed };
  }

  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  get hasTimer(): boolean {
    return this.#timer !== undefined;
  }

  destroy(): void {
    this.connectionLost();
    this.#chats.clear();
  }

  #chat(chatId: string): ChatReceipts {
    let chat = this.#chats.get(chatId);
    if (!chat) {
      chat = {
        baseline: null,
        contiguous: 0,
        above: new Set(),
        confirmed: 0,
        floor: 0,
        confirming: false,
        filling: false,
        gapSince: null,
        fillTo: 0,
      };
      this.#chats.set(chatId, chat);
    }
    return chat;
  }

  #setBaseline(chat: ChatReceipts, baseline: number): void {
    chat.baseline = Math.max(baseline, chat.floor, 0);
    chat.contiguous = chat.baseline;
    this.#advance(chat);
  }

  /** Extends the contiguous run through held seqs and tracks whether a gap remains. */
  #advance(chat: ChatReceipts): void {
    for (const seq of chat.above) if (seq <= chat.contiguous) chat.above.delete(seq);
    while (chat.above.delete(chat.contiguous + 1)) chat.contiguous++;
    if (chat.above.size === 0 && chat.fillTo <= chat.contiguous) chat.gapSince = null;
    else chat.gapSince ??= this.#now();
  }

  #schedule(): void {
    if (!this.#caughtUp || this.#timer !== undefined) return;
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
    }, this.#tickMs);
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  #tick(): void {
    if (!this.#caughtUp) return;
    let busy = false;
    for (const [chatId, chat] of this.#chats) {
      if (chat.baseline === null) continue;
      if (chat.contiguous > chat.confirmed) {
        busy = true;
        if (!chat.confirming) this.#confirm(chatId, chat);
      }
      if (chat.gapSince !== null) {
        busy = true;
        if (!chat.filling && this.#now() - chat.gapSince >= this.#gapFillAfterMs) this.#fill(chatId, chat);
      }
    }
    if (busy) this.#schedule();
  }

  #confirm(chatId: string, chat: ChatReceipts): void {
    chat.confirming = true;
    const upToSeq = chat.contiguous;
    this.#transport.confirm(chatId, upToSeq).then((outcome) => {
      chat.confirming = false;
      if (outcome === 'ok') chat.confirmed = Math.max(chat.confirmed, upToSeq);
      else if (outcome === 'drop') this.forget(chatId);
    });
  }

  #fill(chatId: string, chat: ChatReceipts): void {
    const next = Math.min(...chat.above, chat.fillTo > chat.contiguous ? chat.fillTo + 1 : Infinity);
    const limit = Math.min(GAP_PAGE, next - chat.contiguous - 1);
    if (limit <= 0) return;
    chat.filling = true;
    this.#transport.fetchGap(chatId, next, limit).then((seqs) => {
      chat.filling = false;
      if (seqs === null) {
        chat.gapSince = this.#now(); // failed: try again after another wait
        return;
      }
      // Seqs have no holes when stored; what the server did not return was deleted by retention.
      const returned = new Set(seqs);
      for (let seq = next - limit; seq < next; seq++) if (!returned.has(seq)) chat.above.add(seq);
      if (chat.baseline !== null) this.#advance(chat);
      this.#schedule();
    });
  }
}
