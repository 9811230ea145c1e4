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
  /** Files sent with the message (absent when there are none), in the order the sender listed them. */
  attachments?: Attachment[];
  /** A call between the DM's two members, recorded in its history by the server when it ended. */
  call?: CallRecord;
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
