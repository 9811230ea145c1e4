import { isValidId } from '@mpi/protocol';
import { createClientMessageId } from './ids.js';

/**
 * Where the SDK keeps the id of this device (browser profile, app install) between runs. Without a kept id
 * every start of the app would be a new device to the server, whose catch-up starts from now.
 */
export interface DeviceIdStore {
  load(): string | null | Promise<string | null>;
  save(deviceId: string): void | Promise<void>;
}

/** Key of the device id in `localStorage`. */
export const DEVICE_ID_STORAGE_KEY = 'mpi_device_id';

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function localStorageOrNull(): StorageLike | null {
  try {
    const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
    if (typeof storage?.getItem !== 'function' || typeof storage.setItem !== 'function') return null;
    storage.getItem(DEVICE_ID_STORAGE_KEY); // throws where storage is disabled (sandboxed iframes)
    return storage;
  } catch {
    return null;
  }
}

/** The id in `localStorage` (shared by every tab of the browser profile, as the IndexedDB outbox is). */
export class LocalStorageDeviceIdStore implements DeviceIdStore {
  readonly #storage: StorageLike;
  readonly #key: string;

  constructor(storage: StorageLike, key = DEVICE_ID_STORAGE_KEY) {
    this.#storage = storage;
    this.#key = key;
  }

  load(): string | null {
    try {
      return this.#storage.getItem(this.#key);
    } catch {
      return null;
    }
  }

  save(deviceId: string): void {
    try {
      this.#storage.setItem(this.#key, deviceId);
    } catch {
      // Quota or disabled storage: the id lasts as long as this service.
    }
  }
}

/** Keeps the id for the life of the process or page only. */
export class MemoryDeviceIdStore implements DeviceIdStore {
  #id: string | null = null;

  load(): string | null {
    return this.#id;
  }

  save(deviceId: string): void {
    this.#id = deviceId;
  }
}

/** `localStorage` where there is one, else memory. */
export function defaultDeviceIdStore(): DeviceIdStore {
  const storage = localStorageOrNull();
  return storage ? new LocalStorageDeviceIdStore(storage) : new MemoryDeviceIdStore();
}

/** The store a service keeps its device id in: its own option, the outbox store's, else the default. */
export function deviceIdStoreOf(options: {
  deviceIdStore?: DeviceIdStore | undefined;
  outboxStore?: { deviceIdStore?(): DeviceIdStore } | undefined;
}): DeviceIdStore {
  return options.deviceIdStore ?? options.outboxStore?.deviceIdStore?.() ?? defaultDeviceIdStore();
}

/** A new device id: `web-` and a UUID (within the server's id rules). */
export function createDeviceId(): string {
  return `web-${createClientMessageId()}`;
}

/**
 * The device id of a service: the one given in the options, else the kept one, else a new one that is
 * kept. Read once per service (a failing store falls back to an id for this service's life).
 */
export class DeviceIdentity {
  readonly #store: () => DeviceIdStore;
  #id: string | null = null;
  #pending: Promise<string> | null = null;

  constructor(store: () => DeviceIdStore) {
    this.#store = store;
  }

  /** The id, synchronously once known. */
  get(): string | Promise<string> {
    if (this.#id !== null) return this.#id;
    this.#pending ??= this.#resolve().then((id) => {
      this.#id = id;
      return id;
    });
    return this.#pending;
  }

  async #resolve(): Promise<string> {
    const store = this.#store();
    try {
      const kept = await store.load();
      if (typeof kept === 'string' && isValidId(kept)) return kept;
    } catch {
      // unreadable: a new id
    }
    const id = createDeviceId();
    try {
      await store.save(id);
    } catch {
      // unwritable: the id lasts as long as this service
    }
    return id;
  }
}
