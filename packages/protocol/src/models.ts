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
  /** Members the sender @mentioned (user ids, each a member when the message was stored); absent when none. */
  mentions?: string[];
  /**
   * Only in end-to-end encrypted chats, where `text` is empty: the ciphertext and its wrapped keys, as the
   * sender made them (docs/security.md, "End-to-end encryption").
   */
  envelope?: E2eEnvelope;
  /**
   * The chat's change counter when this message last changed (edit, delete, reaction); absent (0) for a
   * message that never changed. Of two copies of one message, the higher version is the newer.
   */
  version?: number;
  /** ISO 8601: when the sender last edited the text. */
  editedAt?: string;
  /** ISO 8601: when the message was deleted. A deleted message is a tombstone: `text` is empty, no reactions. */
  deletedAt?: string;
  /** The message this one answers, as it is now. */
  replyTo?: ReplyPreview;
  /** Reactions, one entry per emoji in the order they were first given. */
  reactions?: ReactionSummary[];
  /** Files sent with the message (absent when there are none), in the order the sender listed them. */
  attachments?: Attachment[];
  /** A call between the DM's two members, recorded in its history by the server when it ended. */
  call?: CallRecord;
}

/** The quoted original of a reply, with its current text: an edit shows, a deletion shows as `deleted`. */
export interface ReplyPreview {
  messageId: string;
  seq: number;
  senderId: string;
  /** The original's current text; empty when it was deleted (or removed by retention). */
  text: string;
  deleted: boolean;
}

export interface ReactionSummary {
  emoji: string;
  /** Who reacted with this emoji, in the order they did; the count is its length. */
  userIds: string[];
}

export type CallMedia = 'audio' | 'video';

/** A 1:1 call of a DM, as the server relays its signalling. */
export interface CallInfo {
  id: string;
  chatId: string;
  callerId: string;
  calleeId: string;
  media: CallMedia;
  status: 'ringing' | 'active' | 'ended';
  createdAt: string;
  answeredAt: string | null;
}

/** A STUN or TURN server for RTCPeerConnection (`ICE_SERVERS`). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Why a call ended, as `call_ended` says. */
export type CallEndReason = 'hangup' | 'declined' | 'timeout' | 'answered_elsewhere' | 'disconnected';

/** What the chat history keeps of a call: "missed call", "call, 3 min". */
export interface CallRecord {
  callId: string;
  media: CallMedia;
  outcome: 'completed' | 'missed' | 'declined';
  /** From the answer to the end, for a completed call. */
  durationMs?: number;
}

/**
 * A file of a message, as uploaded (tus, `POST /api/files/uploads`) and checked by the server. Download
 * it with `GET /api/files/:id` (and `?variant=thumbnail` when `thumbnail` is true), as a member of its chat.
 */
export interface Attachment {
  /** The upload id. */
  id: string;
  name: string;
  /** Bytes. */
  size: number;
  /** The media type the sender declared, within the server's allowlist. */
  type: string;
  /** SHA-256 of the content, lowercase hex, computed by the server. */
  sha256: string;
  /** Images the server could decode: their size in pixels, and a small WebP thumbnail to fetch. */
  width?: number;
  height?: number;
  thumbnail?: boolean;
  /** Voice messages: length in milliseconds, and the waveform (0–255 levels, at most 64) drawn by the player. */
  durationMs?: number;
  waveform?: number[];
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
  /** The user muted this chat: it still counts unread, but raises no alert (docs/protocol.md, "Mute"). */
  muted: boolean;
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

/**
 * Whether a user is connected now and when they last were, as one viewer may see it. A user who hides
 * their presence is never online and has no last seen for anyone; a viewer who hides theirs sees no
 * one's last seen (online still shows).
 */
export interface UserPresence {
  userId: string;
  /** At least one connection of the user is open, on any server node. */
  online: boolean;
  /** ISO 8601, UTC: when the user's last connection closed; null while online or when not shown. */
  lastSeenAt: string | null;
}

/** The user's own settings (returned to them only, synced to their other devices). */
export interface UserSettings {
  /** Others see neither online nor last seen of this user, who sees no one's last seen either. */
  hidePresence: boolean;
}

/** Names, avatars and presence of the people a client shows. */
export interface PeopleSnapshot {
  profiles: UserProfile[];
  presence: UserPresence[];
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
