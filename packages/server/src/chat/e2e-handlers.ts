import { webcrypto } from 'node:crypto';
import type { E2eEnvelope } from '@mpi/protocol';
import { AppError } from '../errors.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import type { ChatContext } from './chat-context.js';
import { assertMember } from './membership.js';

// End-to-end encryption: device keys, and the envelope checks of encrypted chats. The server never holds
// a key that decrypts anything; it checks shapes and recipients, and stores and relays envelopes as they are.

const deviceKey = (userId: string, deviceId: string) => JSON.stringify([userId, deviceId]);

/** Refuses a key that is not a point of P-256 (the schema checked only its length and prefix). */
async function assertP256Point(publicKey: string): Promise<void> {
  try {
    await webcrypto.subtle.importKey(
      'raw',
      Buffer.from(publicKey, 'base64url'),
      { name: 'ECDH', namedCurve: 'P-256' },
      true,
      [],
    );
  } catch {
    throw new AppError('VALIDATION_FAILED', 'publicKey is not a P-256 public key.');
  }
}

export const publishDeviceKey =
  (ctx: ChatContext): EventHandler<'publish_device_key'> =>
  async ({ payload, userId, deviceId }) => {
    await assertP256Point(payload.publicKey);
    return { device: await ctx.storage.chat.publishDeviceKey(userId, deviceId, payload.publicKey) };
  };

export const getDeviceKeys =
  (ctx: ChatContext): EventHandler<'get_device_keys'> =>
  async ({ payload, userId }) => {
    await assertMember(ctx, payload.chatId, userId);
    const kind = await ctx.chatKinds.get(payload.chatId);
    const encrypted = kind?.encrypted ?? false;
    return { encrypted, devices: encrypted ? await ctx.storage.chat.chatDeviceKeys(payload.chatId) : [] };
  };

/**
 * What an encrypted chat accepts: an envelope from this connection's own (published) device, wrapped for
 * exactly the current keys of the members' devices. A key published or dropped meanwhile, or a member
 * added or removed, makes the sender fetch the keys and encrypt again (DEVICE_KEYS_CHANGED), so a
 * removed member's devices are no longer wrapped for and a new device is, from its publication on.
 */
export async function checkEnvelope(
  ctx: ChatContext,
  chatId: string,
  envelope: E2eEnvelope | undefined,
  sender: { userId: string; deviceId: string },
): Promise<E2eEnvelope> {
  if (!envelope) throw new AppError('ENCRYPTION_REQUIRED');
  if (envelope.senderDeviceId !== sender.deviceId) {
    throw new AppError('FORBIDDEN', "The envelope's senderDeviceId is not this connection's device.");
  }
  await assertMember(ctx, chatId, sender.userId);
  const keys = await ctx.storage.chat.chatDeviceKeys(chatId);
  const own = keys.find((k) => k.userId === sender.userId && k.deviceId === sender.deviceId);
  if (own?.publicKey !== envelope.senderKey) {
    throw new AppError('FORBIDDEN', "The envelope's senderKey is not this device's published key.");
  }
  const current = new Set(keys.map((k) => deviceKey(k.userId, k.deviceId)));
  const wrapped = envelope.keys.map((k) => deviceKey(k.userId, k.deviceId));
  if (wrapped.length !== current.size || !wrapped.every((key) => current.has(key))) {
    throw new AppError('DEVICE_KEYS_CHANGED');
  }
  return envelope;
}
