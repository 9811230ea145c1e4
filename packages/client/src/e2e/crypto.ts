import type { DeviceKey, E2eEnvelope, MessageData, WrappedKey } from '@mpi/protocol';
import { fromBase64url, fromUtf8, toBase64url, utf8 } from './encoding.js';

// The scheme (docs/security.md, "End-to-end encryption"), on WebCrypto only: browsers and Node 20 alike.
// Per message, a random AES-256-GCM content key encrypts the text once (random 96-bit IV); the content key
// is wrapped for every recipient device under a pairwise key: ECDH P-256 (sender device private, recipient
// device public) → HKDF-SHA-256 (salt: chat id; info: version, sender and recipient devices) → AES-256-GCM,
// each wrap with its own random IV. Every key is used for one encryption or, pairwise, with a fresh
// random IV each time, so no (key, IV) pair repeats. The associated data binds the chat, the sender user,
// device and key, and the client message id; a wrap's also binds its recipient device.

const subtle = () => globalThis.crypto.subtle;

/** WebCrypto's key type, whichever library (DOM or Node) describes it. */
export type CryptoKeyLike = Awaited<ReturnType<ReturnType<typeof subtle>['importKey']>>;

export interface DeviceKeyPair {
  /** Non-extractable: it can derive keys but never leave WebCrypto. */
  privateKey: CryptoKeyLike;
  publicKey: CryptoKeyLike;
}

const VERSION = 'mpi-e2e v1';
const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const;
const IV_BYTES = 12;

/** Why a message could not be decrypted on this device (the store's `undecryptable` state). */
export type UndecryptableReason =
  /** Not wrapped for this device: sent before this device's key was published, or to others only. */
  | 'not-for-this-device'
  /** The envelope's sender key is not the one the server lists for that sender device. */
  | 'sender-key-mismatch'
  /** Authentication failed: altered, or made for another chat, sender or message id. */
  | 'tampered'
  /** A copy of a message already received from the same sender device with the same client id. */
  | 'replayed'
  /** This device has no key pair (encryption is off, or the key store failed). */
  | 'no-device-key';

export interface Device {
  userId: string;
  deviceId: string;
}

export interface MessageBinding {
  chatId: string;
  senderId: string;
  senderDeviceId: string;
  senderKey: string;
  clientMessageId: string;
}

export async function generateDeviceKeyPair(): Promise<DeviceKeyPair> {
  // The public half of an ECDH pair is always exportable; `false` applies to the private one.
  return (await subtle().generateKey(ECDH, false, ['deriveBits'])) as DeviceKeyPair;
}

export async function exportPublicKey(key: CryptoKeyLike): Promise<string> {
  return toBase64url(new Uint8Array(await subtle().exportKey('raw', key)));
}

const randomBytes = (length: number) => globalThis.crypto.getRandomValues(new Uint8Array(length));

/** The associated data of the text, or with `recipient` of one wrap of its content key. */
const aad = (b: MessageBinding, recipient?: Device) =>
  utf8(
    JSON.stringify([
      VERSION,
      b.chatId,
      b.senderId,
      b.senderDeviceId,
      b.senderKey,
      b.clientMessageId,
      ...(recipient ? [recipient.userId, recipient.deviceId] : []),
    ]),
  );

/** Derives pairwise keys, each once per (chat, sender device, recipient device, peer key). */
export class PairwiseKeys {
  readonly #cache = new Map<string, Promise<CryptoKeyLike>>();

  constructor(
    private readonly own: DeviceKeyPair,
    private readonly maxEntries = 2000,
  ) {}

  /** The key between `sender` and `recipient` in `chatId`; `peerKey` is the other side's public key. */
  get(chatId: string, sender: Device, recipient: Device, peerKey: string): Promise<CryptoKeyLike> {
    const id = JSON.stringify([
      chatId,
      sender.userId,
      sender.deviceId,
      recipient.userId,
      recipient.deviceId,
      peerKey,
    ]);
    let key = this.#cache.get(id);
    if (!key) {
      key = this.#derive(chatId, sender, recipient, peerKey);
      key.catch(() => this.#cache.delete(id));
      if (this.#cache.size >= this.maxEntries) this.#cache.clear();
      this.#cache.set(id, key);
    }
    return key;
  }

  async #derive(chatId: string, sender: Device, recipient: Device, peerKey: string): Promise<CryptoKeyLike> {
    const peer = await subtle().importKey('raw', fromBase64url(peerKey), ECDH, false, []);
    const shared = await subtle().deriveBits({ name: 'ECDH', public: peer }, this.own.privateKey, 256);
    const hkdf = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveKey']);
    const info = JSON.stringify([
      VERSION,
      sender.userId,
      sender.deviceId,
      recipient.userId,
      recipient.deviceId,
    ]);
    return subtle().deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: utf8(chatId), info: utf8(info) },
      hkdf,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
  }
}

/** Encrypts `text` once and wraps its content key for every recipient device (the sender's own included). */
export async function encryptMessage(
  text: string,
  binding: MessageBinding,
  recipients: readonly DeviceKey[],
  pairwise: PairwiseKeys,
): Promise<E2eEnvelope> {
  const contentKeyBytes = randomBytes(32);
  const contentKey = await subtle().importKey('raw', contentKeyBytes, 'AES-GCM', false, ['encrypt']);
  const iv = randomBytes(IV_BYTES);
  const ciphertext = await subtle().encrypt(
    { name: 'AES-GCM', iv, additionalData: aad(binding) },
    contentKey,
    utf8(text),
  );
  const sender = { userId: binding.senderId, deviceId: binding.senderDeviceId };
  const keys: WrappedKey[] = await Promise.all(
    recipients.map(async (recipient) => {
      const wrapIv = randomBytes(IV_BYTES);
      const key = await pairwise.get(binding.chatId, sender, recipient, recipient.publicKey);
      const wrapped = await subtle().encrypt(
        { name: 'AES-GCM', iv: wrapIv, additionalData: aad(binding, recipient) },
        key,
        contentKeyBytes,
      );
      return {
        userId: recipient.userId,
        deviceId: recipient.deviceId,
        iv: toBase64url(wrapIv),
        key: toBase64url(new Uint8Array(wrapped)),
      };
    }),
  );
  contentKeyBytes.fill(0);
  return {
    v: 1,
    senderDeviceId: binding.senderDeviceId,
    senderKey: binding.senderKey,
    iv: toBase64url(iv),
    ciphertext: toBase64url(new Uint8Array(ciphertext)),
    keys,
  };
}

/** The text of an encrypted message as `me` reads it, or why it cannot. */
export async function decryptMessage(
  message: MessageData & { envelope: E2eEnvelope },
  me: Device,
  pairwise: PairwiseKeys,
): Promise<{ text: string } | { reason: UndecryptableReason }> {
  const { envelope } = message;
  const wrap = envelope.keys.find((k) => k.userId === me.userId && k.deviceId === me.deviceId);
  if (!wrap) return { reason: 'not-for-this-device' };
  const binding: MessageBinding = {
    chatId: message.chatId,
    senderId: message.senderId,
    senderDeviceId: envelope.senderDeviceId,
    senderKey: envelope.senderKey,
    clientMessageId: message.clientMessageId,
  };
  const sender = { userId: message.senderId, deviceId: envelope.senderDeviceId };
  try {
    const key = await pairwise.get(message.chatId, sender, me, envelope.senderKey);
    const contentKeyBytes = await subtle().decrypt(
      { name: 'AES-GCM', iv: fromBase64url(wrap.iv), additionalData: aad(binding, me) },
      key,
      fromBase64url(wrap.key),
    );
    const contentKey = await subtle().importKey('raw', contentKeyBytes, 'AES-GCM', false, ['decrypt']);
    const plaintext = await subtle().decrypt(
      { name: 'AES-GCM', iv: fromBase64url(envelope.iv), additionalData: aad(binding) },
      contentKey,
      fromBase64url(envelope.ciphertext),
    );
    return { text: fromUtf8(plaintext) };
  } catch {
    // An altered byte anywhere, another chat, sender or id: GCM's tag does not verify.
    return { reason: 'tampered' };
  }
}
