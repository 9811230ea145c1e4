import { type IdbFactoryLike, IdbObjectStoreClient } from '../idb-object-store.js';
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

function isPair(value: unknown): value is DeviceKeyPair {
  const v = value as Partial<DeviceKeyPair> | null;
  return typeof v?.privateKey === 'object' && typeof v.publicKey === 'object';
}

/** The browser's store: the key pair survives reloads and browser restarts, in the browser profile. */
export class IndexedDbDeviceKeyStore implements DeviceKeyStore {
  readonly #idb: IdbObjectStoreClient;

  constructor(options: IndexedDbDeviceKeyStoreOptions = {}) {
    this.#idb = new IdbObjectStoreClient(
      options.databaseName ?? 'mpi-realtime-keys',
      'device-keys',
      'id',
      options.indexedDB,
    );
  }

  async load(userId: string, deviceId: string): Promise<DeviceKeyPair | null> {
    const row = await this.#idb.read((store) => store.get(keyOf(userId, deviceId)));
    return isPair(row) ? { privateKey: row.privateKey, publicKey: row.publicKey } : null;
  }

  save(userId: string, deviceId: string, pair: DeviceKeyPair): Promise<void> {
    return this.#idb.write((store) => store.put({ id: keyOf(userId, deviceId), ...pair }));
  }
}

/** IndexedDB where there is one (browsers), else memory (Node: pass a store of your own to keep keys). */
export function defaultDeviceKeyStore(): DeviceKeyStore {
  return (globalThis as { indexedDB?: unknown }).indexedDB
    ? new IndexedDbDeviceKeyStore()
    : new MemoryDeviceKeyStore();
}
