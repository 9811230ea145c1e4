import { type ErrorBody, errorBody } from '@mpi/protocol';
import { type DetailedError, Upload } from 'tus-js-client';
import { isErrorBody } from '../errors.js';

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
}

export type UploadResult =
  | { ok: true; uploadId: string }
  | { ok: false; cancelled: boolean; error: ErrorBody };

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
  if (!response || response.getStatus() === 0) return errorBody('UNAVAILABLE', error.message);
  try {
    const body = JSON.parse(response.getBody()) as { error?: unknown };
    if (isErrorBody(body.error)) return body.error;
  } catch {
    // not one of our bodies: tus's own refusal (e.g. a wrong offset), reported with its status
  }
  return response.getStatus() === 413 ? errorBody('PAYLOAD_TOO_LARGE') : errorBody('INTERNAL', error.message);
}

/**
 * Uploads a file for a chat with tus (`POST /api/files/uploads`, then chunked `PATCH`es), resuming after a
 * dropped connection from the offset the server holds. In browsers a file picked again after a reload
 * resumes too (tus-js-client keeps the upload's URL in localStorage under the file's fingerprint).
 * Resolves once the server holds the whole file and has inspected it; never rejects.
 */
export function uploadFile(
  endpoint: string,
  token: string,
  chatId: string,
  file: FileInput,
  options: UploadOptions = {},
): Promise<UploadResult> {
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
      headers: { authorization: `Bearer ${token}` },
      metadata,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => options.onProgress?.(sent, total),
      onSuccess: () => {
        const url = upload.url ?? '';
        settle({ ok: true, uploadId: url.slice(url.lastIndexOf('/') + 1) });
      },
      onError: (error) => settle({ ok: false, cancelled: false, error: failure(error) }),
    });
    function cancel() {
      void upload.abort(true).catch(() => undefined);
      settle({ ok: false, cancelled: true, error: errorBody('UNAVAILABLE', 'The upload was cancelled.') });
    }
    if (options.signal?.aborted) return cancel();
    options.signal?.addEventListener('abort', cancel);
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
}

/** `GET /api/files/:id`: the bytes of an attachment (or its thumbnail) as a Blob, with the user's token. */
export async function downloadFile(
  url: string,
  token: string,
): Promise<{ ok: true; blob: Blob } | { ok: false; error: ErrorBody }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    return {
      ok: false,
      error: errorBody('UNAVAILABLE', error instanceof Error ? error.message : String(error)),
    };
  }
  if (response.ok) return { ok: true, blob: await response.blob() };
  const body = (await response.json().catch(() => ({}))) as { error?: unknown };
  return {
    ok: false,
    error: isErrorBody(body.error) ? body.error : errorBody('INTERNAL', `HTTP ${response.status}`),
  };
}
