import type { IdbFactoryLike } from '../outbox/indexeddb-store.js';
import type { PendingUpload, PendingUploadStore } from './types.js';

/* The few IndexedDB members this store uses (the SDK compiles without the DOM library). */
interface Request<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface Store {
  getAll(): Request<unknown[]>;
  put(value: unknown): Request<unknown>;
  delete(key: string): Request<unknown>;
}
interface Database {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string, options: { keyPath: string }): unknown;
  transaction(name: string, mode: 'readonly' | 'readwrite'): { objectStore(name: string): Store };
}
interface OpenRequest extends Request<Database> {
  onupgradeneeded: (() => void) | null;
}

const STORE = 'uploads';

function done<T>(request: Request<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(request.error instanceof Error ? request.error : new Error('IndexedDB failed'));
  });
}

const isPendingUpload = (value: unknown): value is PendingUpload =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as PendingUpload).clientMessageId === 'string' &&
  typeof (value as PendingUpload).chatId === 'string' &&
  typeof Blob !== 'undefined' &&
  (value as PendingUpload).file instanceof Blob;

/**
 * Pending uploads in the browser's IndexedDB, the file's bytes included (IndexedDB keeps Blobs), so that
 * a reload resumes them: `createSocketService({ uploader: tusUploader, uploadStore: new IndexedDbUploadStore() })`.
 */
export class IndexedDbUploadStore implements PendingUploadStore {
  readonly #name: string;
  readonly #factory: IdbFactoryLike | undefined;
  #db: Promise<Database> | null = null;

  constructor(options: { databaseName?: string; indexedDB?: IdbFactoryLike } = {}) {
    this.#name = options.databaseName ?? 'mpi-realtime-uploads';
    this.#factory = options.indexedDB ?? (globalThis as { indexedDB?: IdbFactoryLike }).indexedDB;
  }

  async load(): Promise<PendingUpload[]> {
    const rows = await done((await this.#store('readonly')).getAll());
    return rows.filter(isPendingUpload).sort((a, b) => a.createdAt - b.createdAt);
  }

  async put(upload: PendingUpload): Promise<void> {
    await done((await this.#store('readwrite')).put({ ...upload }));
  }

  async delete(clientMessageId: string): Promise<void> {
    await done((await this.#store('readwrite')).delete(clientMessageId));
  }

  async #store(mode: 'readonly' | 'readwrite'): Promise<Store> {
    this.#db ??= this.#open();
    return (await this.#db).transaction(STORE, mode).objectStore(STORE);
  }

  #open(): Promise<Database> {
    const factory = this.#factory;
    if (!factory) return Promise.reject(new Error('IndexedDB is not available here.'));
    const request = factory.open(this.#name, 1) as unknown as OpenRequest;
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) {
        request.result.createObjectStore(STORE, { keyPath: 'clientMessageId' });
      }
    };
    return done(request);
  }
}
