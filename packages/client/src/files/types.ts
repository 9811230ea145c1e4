import type { AckOf, ErrorBody } from '@mpi/protocol';
import type { TokenProvider } from '../token-provider.js';

/** A file outside a browser: a Buffer or an fs.ReadStream in Node (`fileFromPath` in `@mpi/client/node`). */
export interface UploadFile {
  data: unknown;
  name: string;
  type: string;
}

/** What `sendFile` takes: a File or Blob in browsers, an {@link UploadFile} anywhere. */
export type FileInput = Blob | UploadFile;

export interface UploadOptions {
  /** Bytes the server holds so far, and the total; called as each chunk goes out. */
  onProgress?: (sentBytes: number, totalBytes: number) => void;
  /** Aborting cancels the upload (the server discards what it received). */
  signal?: AbortSignal;
  /** A name and type for a Blob that has none. */
  name?: string;
  type?: string;
  /** A voice message: its length and waveform (up to 64 levels 0–255), stored with the file. */
  voice?: { durationMs: number; waveform: number[] };
  /** Resume this upload (its URL from `onUploadUrl`) instead of creating a new one. */
  uploadUrl?: string;
  /** The upload's URL, once the server created it: what a later attempt resumes. */
  onUploadUrl?: (url: string) => void;
}

export type UploadResult =
  | { ok: true; uploadId: string }
  | { ok: false; cancelled: boolean; error: ErrorBody };

/** Uploads one file for a chat and resolves once the server holds it whole (never rejects). */
export type UploadFunction = (request: {
  endpoint: string;
  token: string;
  chatId: string;
  file: FileInput;
  options: UploadOptions;
}) => Promise<UploadResult>;

/** A file being sent, kept (with its bytes) until its message is queued, so that a reload can resume it. */
export interface PendingUpload {
  /** The message's idempotency key, and the key of the record. */
  clientMessageId: string;
  chatId: string;
  text: string;
  file: Blob;
  name: string;
  type: string;
  voice?: { durationMs: number; waveform: number[] };
  /** Where the server holds what it received, once known. */
  uploadUrl: string | null;
  createdAt: number;
}

/** Durable storage of pending uploads (`IndexedDbUploadStore` from `@mpi/client/files` in browsers). */
export interface PendingUploadStore {
  load(): Promise<PendingUpload[]>;
  put(upload: PendingUpload): Promise<void>;
  delete(clientMessageId: string): Promise<void>;
}

export interface SendFileOptions extends UploadOptions {
  /** A caption sent with the file; default none. */
  text?: string;
  /** The message's idempotency key (see `createClientMessageId()`). */
  clientMessageId?: string;
}

/** The message's final ack, or the upload's failure (`cancelled` when the signal aborted it). */
export type SendFileResult = AckOf<'send_message'> | { ok: false; cancelled: boolean; error: ErrorBody };

/** What the service gives the file transfers: where the server is, the token, the outbox, the store. */
export interface FileTransferDeps {
  /** The server's HTTP origin (the socket URL, ws: → http:). */
  baseUrl(): string;
  token(): TokenProvider | undefined;
  uploadStore(): PendingUploadStore | undefined;
  send(
    chatId: string,
    text: string,
    clientMessageId: string,
    attachments: string[],
  ): Promise<AckOf<'send_message'>>;
}

/** `sendFile`, `resumeUploads` and `fetchFile` of the SocketService. */
export interface FileTransfers {
  sendFile(chatId: string, file: FileInput, options?: SendFileOptions): Promise<SendFileResult>;
  resumeUploads(
    chatId: string,
    options?: (upload: PendingUpload) => Pick<UploadOptions, 'onProgress' | 'signal'>,
  ): Promise<Array<{ upload: PendingUpload; result: Promise<SendFileResult> }>>;
  fetchFile(
    fileId: string,
    options?: { thumbnail?: boolean },
  ): Promise<{ ok: true; blob: Blob } | { ok: false; error: ErrorBody }>;
}

/**
 * Files for the service (`uploader: tusUploader` from `@mpi/client/files`): kept out of the SDK's core
 * with the tus client and the upload logic, so that apps without files stay small.
 */
export interface Uploader {
  create(deps: FileTransferDeps): FileTransfers;
}
