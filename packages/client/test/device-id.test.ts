import { isValidId } from '@mpi/protocol';
import { describe, expect, it } from 'vitest';
import {
  DEVICE_ID_STORAGE_KEY,
  DeviceIdentity,
  LocalStorageDeviceIdStore,
  MemoryDeviceIdStore,
} from '../src/device-id.js';

function fakeStorage(broken = false) {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => {
      if (broken) throw new Error('SecurityError');
      return items.get(key) ?? null;
    },
    setItem: (key: string, value: string) => {
      if (broken) throw new Error('QuotaExceededError');
      items.set(key, value);
    },
  };
}

describe('the device id the SDK keeps', () => {
  it('is created once and read back by the next page load (localStorage)', async () => {
    const storage = fakeStorage();
    const first = await new DeviceIdentity(() => new LocalStorageDeviceIdStore(storage)).get();
    const second = await new DeviceIdentity(() => new LocalStorageDeviceIdStore(storage)).get();
    expect(isValidId(first)).toBe(true);
    expect(second).toBe(first);
    expect(storage.items.get(DEVICE_ID_STORAGE_KEY)).toBe(first);
  });

  it('a kept value the server would refuse is replaced', async () => {
    const storage = fakeStorage();
    storage.items.set(DEVICE_ID_STORAGE_KEY, 'not a valid id!');
    const id = await new DeviceIdentity(() => new LocalStorageDeviceIdStore(storage)).get();
    expect(id).not.toBe('not a valid id!');
    expect(storage.items.get(DEVICE_ID_STORAGE_KEY)).toBe(id);
  });

  it('disabled storage: one stable id for the life of the service', async () => {
    const identity = new DeviceIdentity(() => new LocalStorageDeviceIdStore(fakeStorage(true)));
    const id = await identity.get();
    expect(isValidId(id)).toBe(true);
    expect(identity.get()).toBe(id);
  });

  it('two services with their own memory stores are two devices', async () => {
    const a = await new DeviceIdentity(() => new MemoryDeviceIdStore()).get();
    const b = await new DeviceIdentity(() => new MemoryDeviceIdStore()).get();
    expect(a).not.toBe(b);
  });
});
