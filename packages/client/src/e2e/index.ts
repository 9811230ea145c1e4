// `@mpi/client/e2e`: end-to-end encrypted chats, an opt-in plug-in of the SocketService (`endToEnd` option).
export type { DeviceKeyPair } from './crypto.js';
export {
  type DeviceKeyStore,
  IndexedDbDeviceKeyStore,
  type IndexedDbDeviceKeyStoreOptions,
  MemoryDeviceKeyStore,
} from './device-key-store.js';
export { type EndToEndEncryptionOptions, endToEndEncryption } from './end-to-end-encryption.js';
export type { EndToEndPlugin, UndecryptableReason } from './plugin.js';
export { computeSafetyCode, type SafetyCodeParty } from './safety-code.js';
