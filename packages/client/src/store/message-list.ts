import type { ChatMessage } from './types.js';

/** Default bound of `MessageList`: sent messages held per chat; the oldest are dropped beyond it. */
export const DEFAULT_MAX_MESSAGES_PER_CHAT = 500;

/**
 * The messages of one chat: sent ones ordered by seq and deduplicated by id (and seq), then the own
 * pending/failed ones in send order, deduplicated by clientMessageId. When a sent message arrives whose
 * clientMessageId matches an own pending one, it replaces it. At most `limit` sent messages are kept:
 * the lowest seqs go first. Pending and failed ones are never dropped (they are the outbox's).
 */
export class MessageList {
  readonly limit: number;
  #sent: ChatMessage[] = [];
  readonly #ids = new Set<string>();
  #pending: ChatMessage[] = [];
  #trimmed = false;

  constructor(limit: number = DEFAULT_MAX_MESSAGES_PER_CHAT) {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Adds or updates a sent message; returns true when the list changed. */
  upsertSent(message: ChatMessage): boolean {
    if (message.seq === null || message.id === null) throw new Error('a sent message has an id and a seq');
    const changed = message.own && this.removePending(message.clientMessageId);
    const index = this.#indexOf(message.seq);
    const existing = this.#sent[index];
    if (existing?.seq === message.seq) {
      if (existing.id === message.id) {
        // An older copy (a history page read before a change) never replaces a newer one.
        if (existing.version > message.version) return changed;
        if (existing.version === message.version && existing.status === message.status) return changed;
      }
      if (existing.id !== null) this.#ids.delete(existing.id);
      this.#sent[index] = message;
      this.#ids.add(message.id);
      return true;
    }
    if (this.#ids.has(message.id)) return changed; // same id at another seq cannot happen; keep the first
    if (this.#sent.length >= this.limit && index === 0) {
      this.#trimmed = true; // older than everything held, and no room: dropped at once
      return changed;
    }
    this.#sent.splice(index, 0, message);
    this.#ids.add(message.id);
    this.#trim();
    return true;
  }

  /** Adds an own pending message at the end, unless one with its clientMessageId is held. */
  addPending(message: ChatMessage): boolean {
    if (this.#pending.some((m) => m.clientMessageId === message.clientMessageId)) return false;
    if (this.#sent.some((m) => m.own && m.clientMessageId === message.clientMessageId)) return false;
    this.#pending = [...this.#pending, message];
    return true;
  }

  /** Replaces the pending/failed message with this clientMessageId by `update(it)`. */
  updatePending(clientMessageId: string, update: (message: ChatMessage) => ChatMessage): boolean {
    const index = this.#pending.findIndex((m) => m.clientMessageId === clientMessageId);
    const current = this.#pending[index];
    if (!current) return false;
    const next = update(current);
    if (next === current) return false;
    this.#pending = this.#pending.with(index, next);
    return true;
  }

  removePending(clientMessageId: string): boolean {
    const next = this.#pending.filter((m) => m.clientMessageId !== clientMessageId);
    if (next.length === this.#pending.length) return false;
    this.#pending = next;
    return true;
  }

  /** Applies `update` to every sent message; returns true when one changed. */
  updateSent(update: (message: ChatMessage) => ChatMessage): boolean {
    let changed = false;
    for (let i = 0; i < this.#sent.length; i++) {
      const current = this.#sent[i] as ChatMessage;
      const next = update(current);
      if (next !== current) {
        this.#sent[i] = next;
        changed = true;
      }
    }
    return changed;
  }

  /** Drops every sent message (pending ones stay). */
  clearSent(): boolean {
    if (this.#sent.length === 0) return false;
    this.#sent = [];
    this.#ids.clear();
    this.#trimmed = false;
    return true;
  }

  hasPending(clientMessageId: string): boolean {
    return this.#pending.some((m) => m.clientMessageId === clientMessageId);
  }

  hasId(id: string): boolean {
    return this.#ids.has(id);
  }

  /** The sent message with this id, if held. */
  byId(id: string): ChatMessage | undefined {
    if (!this.#ids.has(id)) return undefined;
    return this.#sent.find((message) => message.id === id);
  }

  /** Lowest held seq, or null when no sent message is held. */
  get lowestSeq(): number | null {
    return this.#sent[0]?.seq ?? null;
  }

  get highestSeq(): number | null {
    return this.#sent.at(-1)?.seq ?? null;
  }

  /** True once messages were dropped for the bound (so older ones exist that are not held). */
  get trimmed(): boolean {
    return this.#trimmed;
  }

  get sentCount(): number {
    return this.#sent.length;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Sent messages, then pending and failed ones. A new array. */
  toArray(): ChatMessage[] {
    return [...this.#sent, ...this.#pending];
  }

  /** Index of `seq` in the sorted list, or where it would be inserted. Appends are the fast path. */
  #indexOf(seq: number): number {
    const list = this.#sent;
    const last = list.at(-1);
    if (!last || (last.seq as number) < seq) return list.length;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid]?.seq as number) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #trim(): void {
    const excess = this.#sent.length - this.limit;
    if (excess <= 0) return;
    for (const dropped of this.#sent.splice(0, excess)) if (dropped.id !== null) this.#ids.delete(dropped.id);
    this.#trimmed = true;
  }
}
