import type { z } from 'zod';
import type { NotificationChannel } from './channels.js';
import type { MessageData } from './models.js';
import type { NotificationItem } from './notifications.js';
import type { eraseMeSchema } from './privacy-schemas.js';

// A user's data over HTTP: the export (`GET /api/me/export`, `GET /api/v1/users/:userId/export`) and the
// erasure (`DELETE /api/me`, `DELETE /api/v1/users/:userId`). See docs/security.md, "Your data".

/**
 * The sender of a message whose author was erased (a tombstone: its text is empty). Parentheses are not
 * allowed in ids, so no real user can have it.
 */
export const ERASED_USER_ID = '(erased)';

/** The body of `DELETE /api/me`: `confirm` repeats the user's own id, so no stray request erases anyone. */
export type EraseMeInput = z.input<typeof eraseMeSchema>;

export interface ExportedChat {
  id: string;
  type: 'dm' | 'group';
  name: string | null;
  members: string[];
  createdAt: string;
  createdBy: string;
  lastSeq: number;
  /** Messages up to this seq were deleted by retention. */
  prunedSeq: number;
  /** The user's membership: role, when they joined and their receipts and read mark. */
  role: 'admin' | 'member';
  joinedAt: string;
  joinedSeq: number;
  readSeq: number;
  deliveredSeq: number;
  /** The user muted the chat. */
  muted: boolean;
}

export interface ExportedDevice {
  deviceId: string;
  /** When the device was first set up; null for a device known only from its receipts. */
  createdAt: string | null;
  /** Per chat: received every message up to `receivedSeq`. */
  chatCursors: Array<{ chatId: string; receivedSeq: number; updatedAt: string }>;
  /** Received every notification up to `seq`; null when the device never caught up notifications. */
  notificationCursor: { seq: number; updatedAt: string } | null;
}

export interface ExportedReminder {
  id: string;
  kind: 'calendar' | 'match' | 'training';
  itemId: string;
  dueAt: string;
  startsAt: string;
  item: object;
}

/**
 * Everything the server stores about one user, as `GET /api/me/export` streams it (`format` names this
 * shape). The arrays of messages and notifications are read page by page; the rest is read first.
 */
export interface ExportedFile {
  id: string;
  chatId: string;
  name: string;
  type: string;
  size: number;
  /** `uploading`: never completed (removed after a day). */
  status: 'uploading' | 'complete';
  sha256: string | null;
  /** The message it was sent with; null when it was never sent. */
  messageId: string | null;
  createdAt: string;
}

export interface UserDataExport {
  format: 'mpi-user-export/1';
  userId: string;
  exportedAt: string;
  /** From `setup_user`; null when the user never set up. */
  profile: {
    name: string | null;
    avatarUrl: string | null;
    createdAt: string;
    updatedAt: string;
    /** When the user's last connection closed, as stored for presence. */
    lastSeenAt: string | null;
    hidePresence: boolean;
  } | null;
  devices: ExportedDevice[];
  /** The chats the user is a member of now. */
  chats: ExportedChat[];
  preferences: {
    channels: NotificationChannel[];
    /** Consent history: unsubscribed from `channel` between these notification seqs (open: `untilSeq` null). */
    optOuts: Array<{ channel: string; fromSeq: number; untilSeq: number | null; createdAt: string }>;
  };
  /** Audience groups (teams) of the notification API that list the user. */
  audienceGroups: string[];
  /** Pending reminders that name the user or one of their audience groups. */
  reminders: ExportedReminder[];
  /**
   * The files the user uploaded (metadata; download each with `GET /api/files/:id` while a member of its
   * chat). The files of others in the user's chats come with the messages' `attachments`.
   */
  files: ExportedFile[];
  notifications: {
    /** When the inbox first saw the user; null when it never did. */
    since: string | null;
    /** Everything up to this seq is read. */
    readUpToSeq: number;
    /** The inbox, oldest first, with when each item was marked read one by one. */
    items: Array<NotificationItem & { readAt: string | null }>;
  };
  /** Every message of the chats above, by chat and seq: the conversations the user is in, whoever wrote. */
  messages: MessageData[];
  /** Messages the user sent in chats they are no longer in, by chat and seq. */
  sentInOtherChats: MessageData[];
}

/** The answer of an erasure: what was removed and what anonymised, table by table. */
export interface ErasureResult {
  userId: string;
  /** When the user was erased; tokens issued up to this second are refused. */
  erasedAt: string;
  /** True when nothing of the user was left: this erasure changed nothing. */
  alreadyErased: boolean;
  /** Rows deleted, by table. */
  removed: Record<string, number>;
  /** Rows kept with the user taken out, by table. */
  anonymised: Record<string, number>;
}
