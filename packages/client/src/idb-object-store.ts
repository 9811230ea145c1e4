/* The few IndexedDB types the SDK's stores use (the SDK compiles without the DOM library). */
interface IdbRequest<T> {
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
interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string, options: { keyPath: string }): unknown;
  transaction(names: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  close(): void;
  onversionchange: ((event: unknown) => void) | null;
}
/** The part of `IDBFactory` (`window.indexedDB`) the stores need. */
export interface IdbFactoryLike {
  open(name: string, version?: number): IdbOpenRequest;
}

const DB_VERSION = 1;

function asError(error: unknown, fallback: string): Error {
  return error instanceof Error ? error : new Error(fallback);
}

function settle<T>(request: IdbRequest<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(asError(request.error, `IndexedDB ${what} failed`));
  });
}

/**
 * One object store of an IndexedDB database (raw API, no library): opened on first use, created if
 * missing, and reopened after another tab upgrades the database. A write resolves when its transaction
 * completes.
 */
export class IdbObjectStoreClient {
  readonly #factory: IdbFactoryLike | undefined;
  #db: Promise<IdbDatabase> | null = null;

  constructor(
    private readonly databaseName: string,
    private readonly storeName: string,
    private readonly keyPath: string,
    factory: IdbFactoryLike | undefined,
  ) {
    this.#factory = factory ?? (globalThis as { indexedDB?: IdbFactoryLike }).indexedDB;
  }

  async read<T>(operation: (store: IdbObjectStore) => IdbRequest<T>): Promise<T> {
    const db = await this.#open();
    return settle(operation(db.transaction(this.storeName, 'readonly').objectStore(this.storeName)), 'read');
  }

  async write(operation: (store: IdbObjectStore) => unknown): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction(this.storeName, 'readwrite');
    operation(tx.objectStore(this.storeName));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(asError(tx.error, 'IndexedDB write failed'));
      tx.onabort = () => reject(asError(tx.error, 'IndexedDB write aborted'));
    });
  }

  /** Closes the connection; the next call opens it again. */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    if (db) (await db.catch(() => null))?.close();
  }

  #open(): Promise<IdbDatabase> {
    if (this.#db) return this.#db;
    const factory = this.#factory;
    if (!factory) return Promise.reject(new Error('IndexedDB is not available here.'));
    const request = factory.open(this.databaseName, DB_VERSION);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(this.storeName)) {
        request.result.createObjectStore(this.storeName, { keyPath: this.keyPath });
      }
    };
    const opening = settle(request, 'open');
    this.#db = opening;
    opening.then(
      (db) => {
        // Another tab wants to upgrade: let it, and reopen on our next call.
        db.onversionchange = () => {
          db.close();
          if (this.#db === opening) this.#db = null;
        };
      },
      () => {
        if (this.#db === opening) this.#db = null;
      },
    );
    return opening;
  }
}
