import type { ErrorBody } from '@mpi/protocol';
import type { EndToEndBridge, EndToEndSession } from './e2e/plugin.js';

const NOT_ENABLED: ErrorBody = {
  code: 'ENCRYPTION_REQUIRED',
  message: 'This chat is end-to-end encrypted: give the service endToEnd (@mpi/client/e2e).',
};

/**
 * A service created without the `endToEnd` plug-in: plain chats only. Encrypted messages arrive as
 * `undecryptable` (`encryption-not-enabled`), and a send to an encrypted chat fails here with
 * ENCRYPTION_REQUIRED, so its plaintext never leaves the device.
 */
export function withoutEndToEnd(bridge: EndToEndBridge): EndToEndSession {
  const encrypted = new Set<string>();
  return {
    publish: async () => false,
    async isEncrypted(chatId) {
      const known = bridge.knownEncrypted(chatId) ?? (encrypted.has(chatId) || null);
      if (known !== null) return known;
      const ack = await bridge.request('get_device_keys', { chatId });
      if (!ack.ok) return ack.error.code === 'UNKNOWN_EVENT' ? false : ack; // an older server: plain chats only
      if (ack.encrypted === true) encrypted.add(chatId);
      return ack.encrypted === true;
    },
    send: async () => ({ ok: false, error: NOT_ENABLED }),
    decrypt: async (messages) =>
      messages.map((message) =>
        message.envelope
          ? { ...message, text: '', encryption: 'undecryptable', undecryptable: 'encryption-not-enabled' }
          : message,
      ),
    safetyCode: async () => ({ ok: false, error: NOT_ENABLED }),
  };
}
