import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { exportPublicKey, generateDeviceKeyPair } from '../src/e2e/crypto.js';
import { type DeviceKeyStore, IndexedDbDeviceKeyStore, MemoryDeviceKeyStore } from '../src/index.js';

function contract(name: string, make: () => { store: DeviceKeyStore; reopen: () => DeviceKeyStore }) {
  describe(name, () => {
    it('keeps a pair per user and device, the same key after reopening, private key still usable only', async () => {
      const { store, reopen } = make();
      expect(await store.load('alice', 'phone')).toBeNull();
      const pair = await generateDeviceKeyPair();
      await store.save('alice', 'phone', pair);
      const again = await reopen().load('alice', 'phone');
      expect(again && (await exportPublicKey(again.publicKey))).toBe(await exportPublicKey(pair.publicKey));
      expect(again?.privateKey).toMatchObject({ extractable: false, usages: ['deriveBits'] });
      if (!again) throw new Error('no key pair after reopening');
      await expect(crypto.subtle.exportKey('pkcs8', again.privateKey)).rejects.toThrow();
      // Another device of the user, or the same device id of another user, is another key.
      expect(await store.load('alice', 'laptop')).toBeNull();
      expect(await store.load('bob', 'phone')).toBeNull();
    });
  });
}

contract('MemoryDeviceKeyStore', () => {
  const store = new MemoryDeviceKeyStore();
  return { store, reopen: () => store };
});

contract('IndexedDbDeviceKeyStore (fake-indexeddb)', () => {
  const indexedDB = new IDBFactory();
  return {
    store: new IndexedDbDeviceKeyStore({ indexedDB }),
    reopen: () => new IndexedDbDeviceKeyStore({ indexedDB }),
  };
});
