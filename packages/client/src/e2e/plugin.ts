import type {
  Ack,
  AckedClientEvent,
  AckOf,
  ClientEventPayload,
  E2eEnvelope,
  ErrorBody,
  MessageData,
} from '@mpi/protocol';

// Types only: the SocketService and its chat store import these, never the encryption code itself, which a
// bundle gets only through `@mpi/client/e2e` (endToEndEncryption).

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
  /** This device has no key pair (the device key store failed). */
  | 'no-device-key'
  /** The service was created without the `endToEnd` plug-in: it reads no encrypted message. */
  | 'encryption-not-enabled';

/** A message as the chat store receives it: encrypted ones carry their text decrypted, or why not. */
export type IncomingMessage = MessageData & {
  encryption?: 'decrypted' | 'undecryptable';
  undecryptable?: UndecryptableReason;
};

/** What the encryption side needs from the SocketService. */
export interface EndToEndBridge {
  request<E extends AckedClientEvent>(event: E, payload: ClientEventPayload<E>): Promise<AckOf<E>>;
  userId(): string | null;
  deviceId(): Promise<string>;
  /** What the chat store knows of the chat's encryption (null: not described yet). */
  knownEncrypted(chatId: string): boolean | null;
}

type SendAck = AckOf<'send_message'>;

/** One service's encryption side, as its chat layer drives it. */
export interface EndToEndSession {
  /** Publishes this device's key; `again` on each new connection. */
  publish(again?: boolean): Promise<boolean>;
  /** Whether the chat is encrypted, or the error that kept it from being known. */
  isEncrypted(chatId: string): Promise<boolean | { ok: false; error: ErrorBody }>;
  /** Sends `text` to an encrypted chat, through `send`, as an envelope only. */
  send(
    chatId: string,
    text: string,
    clientMessageId: string,
    send: (envelope: E2eEnvelope) => Promise<SendAck>,
  ): Promise<SendAck>;
  /** The batch with its enveloped messages decrypted, or marked undecryptable. */
  decrypt(messages: readonly MessageData[]): Promise<IncomingMessage[]>;
  safetyCode(chatId: string, otherUserId: string): Promise<Ack<{ safetyCode: string }>>;
}

/** The `endToEnd` option of the SocketService: made by `endToEndEncryption()` from `@mpi/client/e2e`. */
export interface EndToEndPlugin {
  /** Called once per service, at its construction. */
  attach(bridge: EndToEndBridge): EndToEndSession;
}
