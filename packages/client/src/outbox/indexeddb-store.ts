import { type IdbFactoryLike, IdbObjectStoreClient } from '../idb-object-store.js';
import { isOutboxEntry, type OutboxEntry, type OutboxStore, sortEntries } from './types.js';

export type { IdbFactoryLike } from '../idb-object-store.js';

export interface IndexedDbOutboxStoreOptions {
  /** Database name; default `mpi-realtime`. Use one per signed-in user if several share a browser. */
  databaseName?: string;
  /** Object store name; default `outbox`. */
  storeName?: string;
  /** The IndexedDB factory; default `globalThis.indexedDB`. */
  indexedDB?: IdbFactoryLike;
}

/** The outbox in the browser's IndexedDB: survives reloads and browser restarts. */
export class IndexedDbOutboxStore implements OutboxStore {
  readonly #idb: IdbObjectStoreClient;

  constructor(options: IndexedDbOutboxStoreOptions = {}) {
    this.#idb = new IdbObjectStoreClient(
      options.databaseName ?? 'mpi-realtime',
      options.storeName ?? 'outbox',
      'clientMessageId',
      options.indexedDB,
    );
  }

  async load(): Promise<OutboxEntry[]> {
    const rows = await this.#idb.read((store) => store.getAll());
    return sortEntries(rows.filter(isOutboxEntry));
  }

  async put(entry: OutboxEntry): Promise<void> {
    await this.#idb.write((store) => store.put({ ...entry }));
  }

  async delete(clientMessageId: string): Promise<void> {
    await this.#idb.write((store) => store.delete(clientMessageId));
  }

  /** Closes the connection; the next call opens it again. */
  close(): Promise<void> {
    return this.#idb.close();
  }
}
