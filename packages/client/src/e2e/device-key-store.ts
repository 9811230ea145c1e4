import type { IdbDatabase, IdbFactoryLike, IdbRequest } from '../outbox/indexeddb-store.js';
import type { DeviceKeyPair } from './crypto.js';

/**
 * Where a device keeps its key pair for end-to-end encrypted chats, per user and device id. The private
 * key is non-extractable: a store keeps the CryptoKey object itself (IndexedDB can, by structured clone),
 * never its bytes, so it can be used here and nowhere else.
 */
export interface DeviceKeyStore {
  load(userId: string, deviceId: string): Promise<DeviceKeyPair | null>;
  save(userId: string, deviceId: string, pair: DeviceKeyPair): Promise<void>;
}

const keyOf = (userId: string, deviceId: string) => JSON.stringify([userId, deviceId]);

/** Keys for the life of the process or page: a restart is a new key, so older messages stay unreadable. */
export class MemoryDeviceKeyStore implements DeviceKeyStore {
  readonly #pairs = new Map<string, DeviceKeyPair>();

  async load(userId: string, deviceId: string): Promise<DeviceKeyPair | null> {
    return this.#pairs.get(keyOf(userId, deviceId)) ?? null;
  }

  async save(userId: string, deviceId: string, pair: DeviceKeyPair): Promise<void> {
    this.#pairs.set(keyOf(userId, deviceId), pair);
  }
}

export interface IndexedDbDeviceKeyStoreOptions {
  /** Database name; default `mpi-realtime-keys`. */
  databaseName?: string;
  /** The IndexedDB factory; default `globalThis.indexedDB`. */
  indexedDB?: IdbFactoryLike;
}

const STORE = 'device-keys';

function isPair(value: unknown): value is { id: string } & DeviceKeyPair {
  const v = value as { privateKey?: unknown; publicKey?: unknown } | null;
  return (
    typeof v === 'object' && v !== null && typeof v.privateKey === 'object' && typeof v.publicKey === 'object'
  );
}

function settle<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(request.error instanceof Error ? request.error : new Error('IndexedDB failed'));
  });
}

/** The browser's store: the key pair survives reloads and browser restarts, in the browser profile. */
export class IndexedDbDeviceKeyStore implements DeviceKeyStore {
  readonly #databaseName: string;
  readonly #factory: IdbFactoryLike | undefined;
  #db: Promise<IdbDatabase> | null = null;

  constructor(options: IndexedDbDeviceKeyStoreOptions = {}) {
    this.#databaseName = options.databaseName ?? 'mpi-realtime-keys';
    this.#factory = options.indexedDB ?? (globalThis as { indexedDB?: IdbFactoryLike }).indexedDB;
  }

  async load(userId: string, deviceId: string): Promise<DeviceKeyPair | null> {
    const db = await this.#open();
    const row = await settle(
      db.transaction(STORE, 'readonly').objectStore(STORE).get(keyOf(userId, deviceId)),
    );
    return isPair(row) ? { privateKey: row.privateKey, publicKey: row.publicKey } : null;
  }

  async save(userId: string, deviceId: string, pair: DeviceKeyPair): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put({ id: keyOf(userId, deviceId), ...pair });
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () =>
        reject(tx.error instanceof Error ? tx.error : new Error('IndexedDB write failed'));
    });
  }

  #open(): Promise<IdbDatabase> {
    if (this.#db) return this.#db;
    const factory = this.#factory;
    if (!factory) return Promise.reject(new Error('IndexedDB is not available here.'));
    const request = factory.open(this.#databaseName, 1);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) {
        request.result.createObjectStore(STORE, { keyPath: 'id' });
      }
    };
    const opening = settle(request);
    this.#db = opening;
    opening.then(
      (db) => {
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

/** IndexedDB where there is one (browsers), else memory (Node: pass a store of your own to keep keys). */
export function defaultDeviceKeyStore(): DeviceKeyStore {
  return (globalThis as { indexedDB?: unknown }).indexedDB
    ? new IndexedDbDeviceKeyStore()
    : new MemoryDeviceKeyStore();
}
