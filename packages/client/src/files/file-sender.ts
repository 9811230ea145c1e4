import { errorOf } from '../errors.js';
import { createClientMessageId } from '../ids.js';
import type { TokenProvider } from '../token-provider.js';
import { downloadFile } from './download.js';
import type {
  FileInput,
  FileTransferDeps,
  FileTransfers,
  PendingUpload,
  SendFileOptions,
  SendFileResult,
  UploadFunction,
  UploadOptions,
} from './types.js';

async function resolveToken(provider: TokenProvider | undefined): Promise<string> {
  const token = typeof provider === 'function' ? await provider() : provider;
  return token ?? '';
}

const nameOf = (file: FileInput, options: UploadOptions) =>
  options.name ?? (file as { name?: string }).name ?? 'file';

/**
 * `sendFile`, `resumeUploads` and `fetchFile` of the SocketService: an upload, then the message through
 * the outbox. With an upload store, a browser file is kept (bytes and upload URL) until its message is
 * queued or refused, so that a reload resumes it.
 */
export class FileSender implements FileTransfers {
  /** Uploads running in this page, by clientMessageId: a resume never runs one twice. */
  readonly #running = new Set<string>();

  constructor(
    private readonly deps: FileTransferDeps,
    private readonly upload: UploadFunction,
  ) {}

  sendFile(chatId: string, file: FileInput, options: SendFileOptions = {}): Promise<SendFileResult> {
    const clientMessageId = options.clientMessageId ?? createClientMessageId();
    const store = this.deps.uploadStore();
    const pending: PendingUpload | undefined =
      store && typeof Blob !== 'undefined' && file instanceof Blob
        ? {
            clientMessageId,
            chatId,
            text: options.text ?? '',
            file,
            name: nameOf(file, options),
            type: options.type ?? file.type,
            ...(options.voice && { voice: options.voice }),
            uploadUrl: options.uploadUrl ?? null,
            createdAt: Date.now(),
          }
        : undefined;
    return this.#run(chatId, file, { ...options, clientMessageId }, pending);
  }

  /**
   * Resumes the uploads a previous page of this app left unfinished (in the upload store) for a chat, each
   * from where the server stopped. Resolves with each one and the promise of its final result.
   */
  async resumeUploads(
    chatId: string,
    options: (upload: PendingUpload) => Pick<UploadOptions, 'onProgress' | 'signal'> = () => ({}),
  ): Promise<Array<{ upload: PendingUpload; result: Promise<SendFileResult> }>> {
    const store = this.deps.uploadStore();
    if (!store) return [];
    const pending = (await store.load().catch(() => [])).filter(
      (upload) => upload.chatId === chatId && !this.#running.has(upload.clientMessageId),
    );
    return pending.map((upload) => ({
      upload,
      result: this.#run(
        chatId,
        upload.file,
        {
          ...options(upload),
          text: upload.text,
          clientMessageId: upload.clientMessageId,
          name: upload.name,
          type: upload.type,
          ...(upload.voice && { voice: upload.voice }),
          ...(upload.uploadUrl && { uploadUrl: upload.uploadUrl }),
        },
        upload,
      ),
    }));
  }

  async #run(
    chatId: string,
    file: FileInput,
    options: SendFileOptions & { clientMessageId: string },
    pending: PendingUpload | undefined,
  ): Promise<SendFileResult> {
    const { upload } = this;
    const store = this.deps.uploadStore();
    const { clientMessageId } = options;
    this.#running.add(clientMessageId);
    try {
      if (pending) await store?.put(pending).catch(() => undefined);
      let token: string;
      try {
        token = await resolveToken(this.deps.token());
      } catch (error) {
        return { ok: false, cancelled: false, error: errorOf('AUTH_MISSING', String(error)) };
      }
      const endpoint = `${this.deps.baseUrl()}/api/files/uploads`;
      const uploaded = await upload({
        endpoint,
        token,
        chatId,
        file,
        options: {
          ...options,
          onUploadUrl: (url) => {
            options.onUploadUrl?.(url);
            if (pending) void store?.put({ ...pending, uploadUrl: url }).catch(() => undefined);
          },
        },
      });
      // Kept only while a later page could still finish it: not after a refusal or a cancel.
      const keep = !uploaded.ok && !uploaded.cancelled && uploaded.error.code === 'UNAVAILABLE';
      if (!uploaded.ok) {
        if (pending && !keep) await store?.delete(clientMessageId).catch(() => undefined);
        return uploaded;
      }
      // The outbox holds the message from here on (durably, with its own store).
      const sent = this.deps.send(chatId, options.text ?? '', clientMessageId, [uploaded.uploadId]);
      if (pending) await store?.delete(clientMessageId).catch(() => undefined);
      return await sent;
    } finally {
      this.#running.delete(clientMessageId);
    }
  }

  async fetchFile(fileId: string, options: { thumbnail?: boolean } = {}) {
    const token = await resolveToken(this.deps.token()).catch(() => '');
    const query = options.thumbnail ? '?variant=thumbnail' : '';
    return downloadFile(`${this.deps.baseUrl()}/api/files/${encodeURIComponent(fileId)}${query}`, token);
  }
}
