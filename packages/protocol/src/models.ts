import type { E2eEnvelope } from './schemas.js';

/** A chat message as the server stores and sends it. */
export interface MessageData {
  /** Server-assigned, globally unique and sortable by creation time (a ULID). */
  id: string;
  /** Chosen by the sender; a retry with the same value returns the original message. */
  clientMessageId: string;
  chatId: string;
  senderId: string;
  text: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  /** Position in the chat: 1, 2, 3… without gaps. */
  seq: number;
  /**
   * Only in end-to-end encrypted chats, where `text` is empty: the ciphertext and its wrapped keys, as the
   * sender made them (docs/security.md, "End-to-end encryption").
   */
  envelope?: E2eEnvelope;
}

export type ChatType = 'dm' | 'group';

export interface ChatInfo {
  id: string;
  type: ChatType;
  /** Null for DMs: clients show the other member's name. */
  name: string | null;
  members: string[];
  createdAt: string;
  /** Seq of the newest message, 0 when there is none. */
  lastSeq: number;
  /**
   * End-to-end encrypted: chosen at creation, never changes; its messages carry an `envelope` and no text.
   * Always sent by this server; a server older than encryption sends none (not encrypted).
   */
  encrypted?: boolean;
}

export interface ChatSummary extends ChatInfo {
  lastMessage: MessageData | null;
  unreadCount: number;
}

export interface UserInfo {
  name?: string;
  avatarUrl?: string;
}

export interface UserProfile extends UserInfo {
  id: string;
}

export interface ChatMember {
  userId: string;
  role: 'admin' | 'member';
  /** Highest seq this member holds on at least one device. */
  deliveredSeq: number;
  /** Highest seq this member has read. */
  readSeq: number;
}

/** A device's public key for end-to-end encrypted chats, as its device published it. */
export interface DeviceKey {
  userId: string;
  deviceId: string;
  /** ECDH P-256 public key, raw uncompressed point (65 bytes), base64url without padding. */
  publicKey: string;
  /** When this key was published (ISO 8601, UTC). */
  createdAt: string;
}
