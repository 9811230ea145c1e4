import {
  type Ack,
  type AckedClientEvent,
  type AckOf,
  type ClientEventPayload,
  type DeviceKey,
  type E2eEnvelope,
  type ErrorBody,
  type MessageData,
  recoveryOf,
} from '@mpi/protocol';
import {
  type DeviceKeyPair,
  decryptMessage,
  encryptMessage,
  exportPublicKey,
  generateDeviceKeyPair,
  PairwiseKeys,
  type UndecryptableReason,
} from './crypto.js';
import type { DeviceKeyStore } from './device-key-store.js';
import { computeSafetyCode } from './safety-code.js';

export interface EndToEndBridge {
  request<E extends AckedClientEvent>(event: E, payload: ClientEventPayload<E>): Promise<AckOf<E>>;
  userId(): string | null;
  deviceId(): Promise<string>;
  /** What the chat store knows of the chat's encryption (null: not described yet). */
  knownEncrypted(chatId: string): boolean | null;
}

/** A message as the chat store receives it: encrypted ones carry their text decrypted, or why not. */
export type IncomingMessage = MessageData & {
  encryption?: 'decrypted' | 'undecryptable';
  undecryptable?: UndecryptableReason;
};

interface Identity {
  userId: string;
  deviceId: string;
  publicKey: string;
  pairwise: PairwiseKeys;
}

type SendAck = AckOf<'send_message'>;

/** A key list fetched longer ago than this is fetched again when a sender device is not in it. */
const KEYS_STALE_MS = 5_000;
/** Sends refused with DEVICE_KEYS_CHANGED are encrypted again this many times. */
const RECIPIENT_RETRIES = 3;
/** Messages remembered for replay detection; the oldest are forgotten beyond it. */
const MAX_SEEN = 50_000;

const hasEnvelope = (m: MessageData): m is MessageData & { envelope: E2eEnvelope } =>
  typeof m.envelope === 'object' && m.envelope !== null;

/**
 * The device's side of end-to-end encrypted chats: its key pair (created once, kept in the key store),
 * publishing it, the members' device keys per chat, encrypting sends and decrypting what arrives. Nothing
 * here throws at the caller: a message that cannot be read becomes `undecryptable` with its reason.
 */
export class EndToEnd {
  readonly #bridge: EndToEndBridge;
  readonly #store: DeviceKeyStore;
  #identity: Promise<Identity | null> | null = null;
  #identityOf = '';
  #published: Promise<boolean> | null = null;
  readonly #encrypted = new Map<string, boolean>();
  readonly #keys = new Map<string, { at: number; devices: DeviceKey[] }>();
  /** Replay detection: the first message seen per chat, sender device and client message id. */
  readonly #seen = new Map<string, IncomingMessage>();

  constructor(bridge: EndToEndBridge, store: DeviceKeyStore) {
    this.#bridge = bridge;
    this.#store = store;
  }

  /** This device's key pair, loaded or created on first use for the current user; null without a user. */
  async identity(): Promise<Identity | null> {
    const userId = this.#bridge.userId();
    if (userId === null) return null;
    const deviceId = await this.#bridge.deviceId();
    const of = JSON.stringify([userId, deviceId]);
    if (!this.#identity || this.#identityOf !== of) {
      this.#identityOf = of;
      this.#published = null;
      this.#identity = this.#loadIdentity(userId, deviceId).catch((error: unknown) => {
        console.error('[SocketService] the device key store failed:', error);
        this.#identity = null;
        return null;
      });
    }
    return this.#identity;
  }

  /**
   * Publishes this device's key (the same key again is a no-op for the server), once per connection:
   * `again` on each new one, so a key the server lost or dropped comes back. Shared by concurrent callers.
   */
  publish(again = false): Promise<boolean> {
    if (this.#published && !again) return this.#published;
    const publishing: Promise<boolean> = this.#publishNow().then((ok) => {
      // A failure is tried again by the next caller (unless a newer attempt already started).
      if (!ok && this.#published === publishing) this.#published = null;
      return ok;
    });
    this.#published = publishing;
    return publishing;
  }

  async #publishNow(): Promise<boolean> {
    const me = await this.identity();
    if (!me) return false;
    return (await this.#bridge.request('publish_device_key', { publicKey: me.publicKey })).ok;
  }

  /**
   * Whether the chat is encrypted: known from its description, else asked once (`get_device_keys`). An
   * error that may pass (UNAVAILABLE) or a chat gone is returned as is; a server without encryption
   * (UNKNOWN_EVENT) has only plain chats.
   */
  async isEncrypted(chatId: string): Promise<boolean | { ok: false; error: ErrorBody }> {
    const known = this.#bridge.knownEncrypted(chatId) ?? this.#encrypted.get(chatId);
    if (known !== undefined) return known;
    const ack = await this.#bridge.request('get_device_keys', { chatId });
    if (ack.ok) {
      const encrypted = ack.encrypted === true;
      this.#encrypted.set(chatId, encrypted);
      if (encrypted) this.#keys.set(chatId, { at: Date.now(), devices: ack.devices });
      return encrypted;
    }
    const recovery = recoveryOf(ack.error.code);
    return recovery === 'transient' || recovery === 'fault' || recovery === 'no-chat' ? ack : false;
  }

  /**
   * Encrypts and sends through `send`; on DEVICE_KEYS_CHANGED (a device key or a member changed since
   * the keys were fetched) fetches the keys and encrypts again, with new keys and IVs each time, and on
   * FORBIDDEN (this device's key is gone from the server) publishes it again first.
   */
  async send(
    chatId: string,
    text: string,
    clientMessageId: string,
    send: (envelope: E2eEnvelope) => Promise<SendAck>,
  ): Promise<SendAck> {
    const me = await this.identity();
    if (!me) return { ok: false, error: { code: 'FORBIDDEN', message: 'No device key.' } };
    if (!(await this.publish())) {
      return { ok: false, error: { code: 'UNAVAILABLE', message: 'Device key not published.' } };
    }
    let ack: SendAck | null = null;
    for (let attempt = 0; attempt < RECIPIENT_RETRIES; attempt++) {
      const devices = await this.#deviceKeys(chatId, attempt > 0 ? 0 : Number.POSITIVE_INFINITY);
      if (!Array.isArray(devices)) return devices;
      const envelope = await encryptMessage(
        text,
        {
          chatId,
          senderId: me.userId,
          senderDeviceId: me.deviceId,
          senderKey: me.publicKey,
          clientMessageId,
        },
        devices,
        me.pairwise,
      );
      ack = await send(envelope);
      if (ack.ok) return ack;
      if (ack.error.code === 'FORBIDDEN') {
        // The server no longer holds this device's key (dropped for a newer device, or lost): publish again.
        if (!(await this.publish(true))) return ack;
      } else if (ack.error.code !== 'DEVICE_KEYS_CHANGED') {
        return ack;
      }
    }
    return ack as SendAck;
  }

  /** Decrypts the enveloped messages of a batch (in seq order), leaving the others as they are. */
  async decrypt(messages: readonly MessageData[]): Promise<IncomingMessage[]> {
    const me = await this.identity();
    const out: IncomingMessage[] = [];
    for (const message of [...messages].sort((a, b) => a.seq - b.seq)) {
      if (!hasEnvelope(message)) {
        out.push(message);
        continue;
      }
      this.#encrypted.set(message.chatId, true);
      const result = await this.#decryptOne(message, me);
      out.push(...this.#checkReplay(result));
    }
    return out;
  }

  /**
   * The safety code of this user and `otherUserId` over their device keys in `chatId` (see
   * computeSafetyCode). Compare it with the other user's: it is the same on both sides.
   */
  async safetyCode(chatId: string, otherUserId: string): Promise<Ack<{ safetyCode: string }>> {
    const userId = this.#bridge.userId();
    if (userId === null) return { ok: false, error: { code: 'FORBIDDEN', message: 'Call setupUser first.' } };
    await this.publish();
    const devices = await this.#deviceKeys(chatId, 0);
    if (!Array.isArray(devices)) return devices;
    if (!this.#encrypted.get(chatId)) {
      return {
        ok: false,
        error: { code: 'NOT_ENCRYPTED', message: 'This chat is not end-to-end encrypted.' },
      };
    }
    const keysOf = (user: string) => devices.filter((d) => d.userId === user).map((d) => d.publicKey);
    const safetyCode = await computeSafetyCode(
      { userId, publicKeys: keysOf(userId) },
      { userId: otherUserId, publicKeys: keysOf(otherUserId) },
    );
    return { ok: true, safetyCode };
  }

  async #loadIdentity(userId: string, deviceId: string): Promise<Identity> {
    let pair: DeviceKeyPair | null = await this.#store.load(userId, deviceId);
    if (!pair) {
      pair = await generateDeviceKeyPair();
      await this.#store.save(userId, deviceId, pair);
    }
    return {
      userId,
      deviceId,
      publicKey: await exportPublicKey(pair.publicKey),
      pairwise: new PairwiseKeys(pair),
    };
  }

  /** The chat's device keys, fetched when the cached list is older than `maxAgeMs`. */
  async #deviceKeys(
    chatId: string,
    maxAgeMs: number,
  ): Promise<DeviceKey[] | { ok: false; error: ErrorBody }> {
    const cached = this.#keys.get(chatId);
    if (cached && Date.now() - cached.at <= maxAgeMs) return cached.devices;
    const ack = await this.#bridge.request('get_device_keys', { chatId });
    if (!ack.ok) return ack;
    this.#encrypted.set(chatId, ack.encrypted === true);
    this.#keys.set(chatId, { at: Date.now(), devices: ack.devices });
    return ack.devices;
  }

  async #decryptOne(
    message: MessageData & { envelope: E2eEnvelope },
    me: Identity | null,
  ): Promise<IncomingMessage> {
    const undecryptable = (reason: UndecryptableReason): IncomingMessage => ({
      ...message,
      text: '',
      encryption: 'undecryptable',
      undecryptable: reason,
    });
    if (!me) return undecryptable('no-device-key');
    const { senderDeviceId, senderKey } = message.envelope;
    // The key the envelope carries must be the one the server lists for that device, when it lists it.
    const listed = async (maxAgeMs: number) => {
      const devices = await this.#deviceKeys(message.chatId, maxAgeMs);
      return Array.isArray(devices)
        ? devices.find((d) => d.userId === message.senderId && d.deviceId === senderDeviceId)
        : undefined;
    };
    let device = await listed(Number.POSITIVE_INFINITY);
    if (device?.publicKey !== senderKey) device = await listed(KEYS_STALE_MS);
    if (device && device.publicKey !== senderKey) return undecryptable('sender-key-mismatch');
    const result = await decryptMessage(message, me, me.pairwise);
    return 'text' in result
      ? { ...message, text: result.text, encryption: 'decrypted' }
      : undecryptable(result.reason);
  }

  /**
   * The first message (lowest seq) per chat, sender device and client message id is the original; any
   * other message with the same triple is a replay. When the original arrives after its copy (an older
   * history page), the copy is handed back again as replayed.
   */
  #checkReplay(message: IncomingMessage): IncomingMessage[] {
    if (message.encryption !== 'decrypted' || !message.envelope) return [message];
    const key = JSON.stringify([
      message.chatId,
      message.senderId,
      message.envelope.senderDeviceId,
      message.clientMessageId,
    ]);
    const first = this.#seen.get(key);
    if (!first || first.id === message.id) {
      if (!first && this.#seen.size >= MAX_SEEN) {
        const oldest = this.#seen.keys().next().value;
        if (oldest !== undefined) this.#seen.delete(oldest);
      }
      this.#seen.set(key, message);
      return [message];
    }
    const replayed = (m: IncomingMessage): IncomingMessage => ({
      ...m,
      text: '',
      encryption: 'undecryptable',
      undecryptable: 'replayed',
    });
    if (first.seq < message.seq) return [replayed(message)];
    this.#seen.set(key, message);
    return [message, replayed(first)];
  }
}
