import { type DetailedError, Upload } from 'tus-js-client';

export interface UploadOutcome {
  /** The upload id (the last segment of its URL). */
  id: string;
  url: string;
  /** Every onProgress: bytes sent so far. */
  progress: number[];
}

/** The HTTP status a tus-js-client failure carries (0 when it has none). */
export function statusOf(error: unknown): number {
  return (error as DetailedError).originalResponse?.getStatus() ?? 0;
}

/** Uploads `data` with the real tus client to `<url>/api/files/uploads`; rejects with tus's error. */
export function uploadFile(
  url: string,
  token: string | undefined,
  data: Buffer,
  metadata: Record<string, string>,
  options: {
    chunkSize?: number;
    uploadUrl?: string;
    /** Cut the upload (abort, as a dropped connection) once its first chunk is stored; resolves then. */
    cutAfterFirstChunk?: boolean;
  } = {},
): Promise<UploadOutcome> {
  const progress: number[] = [];
  return new Promise((resolve, reject) => {
    const done = () => {
      const at = upload.url ?? '';
      resolve({ id: at.slice(at.lastIndexOf('/') + 1), url: at, progress });
    };
    const upload: Upload = new Upload(data, {
      endpoint: `${url}/api/files/uploads`,
      ...(options.uploadUrl && { uploadUrl: options.uploadUrl }),
      headers: token ? { authorization: `Bearer ${token}` } : {},
      metadata,
      chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
      retryDelays: null,
      storeFingerprintForResuming: false,
      onProgress: (sent) => progress.push(sent),
      onChunkComplete: () => {
        // Runs after the PATCH's answer: the server holds that chunk.
        if (options.cutAfterFirstChunk) void upload.abort().then(done, reject);
      },
      onSuccess: done,
      onError: reject,
    });
    upload.start();
  });
}
