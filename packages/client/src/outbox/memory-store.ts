import { type OutboxEntry, type OutboxStore, sortEntries } from './types.js';

/** Keeps the outbox in memory only: it survives reconnects, not a reload of the app. The default. */
export class MemoryOutboxStore implements OutboxStore {
  readonly #entries = new Map<string, OutboxEntry>();

  async load(): Promise<OutboxEntry[]> {
    return sortEntries([...this.#entries.values()].map((entry) => ({ ...entry })));
  }

  async put(entry: OutboxEntry): Promise<void> {
    this.#entries.set(entry.clientMessageId, { ...entry });
  }

  async delete(clientMessageId: string): Promise<void> {
    this.#entries.delete(clientMessageId);
  }

  get size(): number {
    return this.#entries.size;
  }
}
