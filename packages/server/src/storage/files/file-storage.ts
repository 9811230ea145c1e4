import type { Attachment } from '@mpi/protocol';

/** A new tus upload, bound to its owner and chat before its first byte is stored. */
export interface NewUpload {
  id: string;
  ownerId: string;
  chatId: string;
  name: string;
  type: string;
  size: number;
  durationMs?: number;
  waveform?: number[];
}

/** What the server computed once the last byte arrived. */
export interface CompletedUpload {
  sha256: string;
  width?: number;
  height?: number;
  hasThumbnail: boolean;
}

export interface FileRecord {
  id: string;
  ownerId: string;
  chatId: string;
  status: 'uploading' | 'complete';
  /** The message it was sent with, once sent. */
  messageId: string | null;
  attachment: Attachment;
}

/** Which message send may carry the files: the sender's, in this chat, and this clientMessageId on a retry. */
export interface AttachableQuery {
  ownerId: string;
  chatId: string;
  clientMessageId: string;
}

/** Uploads and their metadata (table `files`); the bytes are in a BlobStore (files/blob-store.ts). */
export interface FileStorage {
  createUpload(upload: NewUpload): Promise<void>;
  completeUpload(id: string, result: CompletedUpload): Promise<void>;
  getFile(id: string): Promise<FileRecord | undefined>;
  /**
   * The attachments of a message being sent, in the order given; ATTACHMENT_INVALID unless every id is a
   * complete upload of the sender for the chat, not yet sent (or sent with this very clientMessageId).
   */
  attachable(ids: string[], query: AttachableQuery): Promise<Attachment[]>;
  /** Erasure: deletes every file row the user uploaded; returns their ids, whose bytes the caller deletes. */
  deleteFilesOfUser(userId: string): Promise<string[]>;
  /**
   * Retention: deletes the rows of files never sent and created before `unsentBefore`, and of files whose
   * message is gone (deleted by retention); returns their ids, whose bytes the caller deletes.
   */
  pruneFiles(unsentBefore: Date): Promise<string[]>;
}
