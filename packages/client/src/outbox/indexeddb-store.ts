import { isOutboxEntry, type OutboxEntry, type OutboxStore, sortEntries } from './types.js';

/* The few IndexedDB types this store uses (the SDK compiles without the DOM library). */
export interface IdbRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: ((event: unknown) => void) | null;
}
export interface IdbObjectStore {
  get(key: string): IdbRequest<unknown>;
  getAll(): IdbRequest<unknown[]>;
  put(value: unknown): IdbRequest<unknown>;
  delete(key: string): IdbRequest<unknown>;
}
interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  readonly error: unknown;
  oncomplete: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onabort: ((event: unknown) => void) | null;
}
export interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string, options: { keyPath: string }): unknown;
  transaction(names: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  close(): void;
  onversionchange: ((event: unknown) => void) | null;
}
/** The part of `IDBFactory` (`window.indexedDB`) the store needs. */
export interface IdbFactoryLike {
  open(name: string, version?: number): IdbOpenRequest;
}

export interface IndexedDbOutboxStoreOptions {
  /** Database name; default `mpi-realtime`. Use one per signed-in user if several share a browser. */
  databaseName?: string;
  /** Object store name; default `outbox`. */
  storeName?: string;
  /** The IndexedDB factory; default `globalThis.indexedDB`. */
  indexedDB?: IdbFactoryLike;
}

const DB_VERSION = 1;

function asError(error: unknown, fallback: string): Error {
  return error instanceof Error ? error : new Error(fallback);
}

/**
 * The outbox in the browser's IndexedDB (raw API, no library): survives reloads and browser restarts.
 * A write resolves when its transaction completes. The connection opens on first use and reopens after
 * another tab upgrades the database.
 */
export class IndexedDbOutboxStore implements OutboxStore {
  readonly #databaseName: string;
  readonly #storeName: string;
  readonly #factory: IdbFactoryLike | undefined;
  #db: Promise<IdbDatabase> | null = null;

  constructor(options: IndexedDbOutboxStoreOptions = {}) {
    this.#databaseName = options.databaseName ?? 'mpi-realtime';
    this.#storeName = options.storeName ?? 'outbox';
    this.#factory = options.indexedDB ?? (globalThis as { indexedDB?: IdbFactoryLike }).indexedDB;
  }

  async load(): Promise<OutboxEntry[]> {
    const db = await this.#open();
    const tx = db.transaction(this.#storeName, 'readonly');
    const rows = await this.#request(tx.objectStore(this.#storeName).getAll());
    return sortEntries(rows.filter(isOutboxEntry));
  }

  async put(entry: OutboxEntry): Promise<void> {
    await this.#write((store) => store.put({ ...entry }));
  }

  async delete(clientMessageId: string): Promise<void> {
    await this.#write((store) => store.delete(clientMessageId));
  }

  /** Closes the connection; the next call opens it again. */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    if (db) (await db.catch(() => null))?.close();
  }

  async #write(operation: (store: IdbObjectStore) => unknown): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction(this.#storeName, 'readwrite');
    operation(tx.objectStore(this.#storeName));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(asError(tx.error, 'IndexedDB write failed'));
      tx.onabort = () => reject(asError(tx.error, 'IndexedDB write aborted'));
    });
  }

  #request<T>(request: IdbRequest<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(asError(request.error, 'IndexedDB request failed'));
    });
  }

  #open(): Promise<IdbDatabase> {
    if (this.#db) return this.#db;
    const factory = this.#factory;
    if (!factory) return Promise.reject(new Error('IndexedDB is not available here.'));
    const opening = new Promise<IdbDatabase>((resolve, reject) => {
      const request = factory.open(this.#databaseName, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(this.#storeName)) {
          db.createObjectStore(this.#storeName, { keyPath: 'clientMessageId' });
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab wants to upgrade: let it, and reopen on our next call.
        db.onversionchange = () => {
          db.close();
          if (this.#db === opening) this.#db = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(asError(request.error, 'IndexedDB open failed'));
    });
    this.#db = opening;
    opening.catch(() => {
      if (this.#db === opening) this.#db = null;
    });
    return opening;
  }
}
