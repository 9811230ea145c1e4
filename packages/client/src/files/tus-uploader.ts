import type { ErrorBody } from '@mpi/protocol';
import { type DetailedError, Upload } from 'tus-js-client';
import { errorOf, isErrorBody } from '../errors.js';
import { FileSender } from './file-sender.js';
import type {
  FileInput,
  Uploader,
  UploadFile,
  UploadFunction,
  UploadOptions,
  UploadResult,
} from './types.js';

/** Waits between attempts after a failed request: the upload resumes from the server's offset each time. */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000];
/** Chunks small enough that a cut connection loses little, big enough to cost few requests. */
const CHUNK_BYTES = 1024 * 1024;

/** The media type without parameters: a recorder's `audio/webm;codecs=opus` is `audio/webm`. */
const bareType = (type: string) => type.split(';')[0]?.trim().toLowerCase() || 'application/octet-stream';

function describe(file: FileInput, options: UploadOptions): { data: unknown; name: string; type: string } {
  if (typeof Blob !== 'undefined' && file instanceof Blob) {
    const name = options.name ?? (file as Blob & { name?: string }).name ?? 'file';
    return {
      data: file,
      name: name || 'file',
      type: bareType(options.type ?? file.type),
    };
  }
  const upload = file as UploadFile;
  return {
    data: upload.data,
    name: options.name ?? upload.name,
    type: bareType(options.type ?? upload.type),
  };
}

function failure(error: DetailedError | Error): ErrorBody {
  const response = (error as DetailedError).originalResponse;
  if (!response || response.getStatus() === 0) return errorOf('UNAVAILABLE', error.message);
  try {
    const body = JSON.parse(response.getBody()) as { error?: unknown };
    if (isErrorBody(body.error)) return body.error;
  } catch {
    // not one of our bodies: tus's own refusal (e.g. a wrong offset), reported with its status
  }
  return response.getStatus() === 413
    ? errorOf('PAYLOAD_TOO_LARGE', 'The file is larger than the server accepts.')
    : errorOf('INTERNAL', error.message);
}

/**
 * Uploads a file for a chat with tus (`POST /api/files/uploads`, then chunked `PATCH`es), resuming after a
 * dropped connection from the offset the server holds. In browsers a file picked again after a reload
 * resumes too (tus-js-client keeps the upload's URL in localStorage under the file's fingerprint).
 * Resolves once the server holds the whole file and has inspected it; never rejects.
 */
const tusUpload: UploadFunction = ({ endpoint, token, chatId, file, options }) => {
  const { data, name, type } = describe(file, options);
  const metadata: Record<string, string> = { chatId, filename: name, filetype: type };
  if (options.voice) {
    metadata.durationMs = String(Math.round(options.voice.durationMs));
    metadata.waveform = options.voice.waveform.map((level) => Math.round(level)).join(',');
  }
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: UploadResult) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', cancel);
      resolve(result);
    };
    const upload = new Upload(data as Blob, {
      endpoint,
      ...(options.uploadUrl && { uploadUrl: options.uploadUrl }),
      headers: { authorization: `Bearer ${token}` },
      metadata,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => options.onProgress?.(sent, total),
      onUploadUrlAvailable: () => {
        if (upload.url) options.onUploadUrl?.(upload.url);
      },
      onSuccess: () => {
        const url = upload.url ?? '';
        settle({ ok: true, uploadId: url.slice(url.lastIndexOf('/') + 1) });
      },
      onError: (error) => settle({ ok: false, cancelled: false, error: failure(error) }),
    });
    function cancel() {
      void upload.abort(true).catch(() => undefined);
      settle({ ok: false, cancelled: true, error: errorOf('UNAVAILABLE', 'The upload was cancelled.') });
    }
    if (options.signal?.aborted) return cancel();
    options.signal?.addEventListener('abort', cancel);
    if (options.uploadUrl) return upload.start();
    void upload
      .findPreviousUploads()
      .then((previous) => {
        const resumable = previous.find((p) => p.metadata.chatId === chatId);
        if (resumable) upload.resumeFromPreviousUpload(resumable);
      })
      .catch(() => undefined)
      .finally(() => {
        if (!settled) upload.start();
      });
  });
};

/** Resumable uploads over tus (tus-js-client) for `sendFile`: `createSocketService({ uploader: tusUploader })`. */
export const tusUploader: Uploader = { create: (deps) => new FileSender(deps, tusUpload) };
