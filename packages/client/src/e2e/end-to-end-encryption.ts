import { type DeviceKeyStore, defaultDeviceKeyStore } from './device-key-store.js';
import { EndToEnd } from './end-to-end.js';
import type { EndToEndPlugin } from './plugin.js';

export interface EndToEndEncryptionOptions {
  /**
   * Where this device keeps its key pair (non-extractable private key). Default: `IndexedDbDeviceKeyStore`
   * in browsers, else `MemoryDeviceKeyStore` (a new key per process: messages sent to the previous one
   * become unreadable here). Shared by every service given this plug-in.
   */
  deviceKeyStore?: DeviceKeyStore;
}

/**
 * End-to-end encrypted chats for a SocketService: `createSocketService({ endToEnd: endToEndEncryption() })`.
 * Without it the SDK bundles no encryption code, reads no encrypted message and sends none (docs/sdk.md).
 */
export function endToEndEncryption(options: EndToEndEncryptionOptions = {}): EndToEndPlugin {
  const store = options.deviceKeyStore ?? defaultDeviceKeyStore();
  return { attach: (bridge) => new EndToEnd(bridge, store) };
}
