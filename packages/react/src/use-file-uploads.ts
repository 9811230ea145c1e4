import type { SendFileResult } from '@mpi/client';
import type { ErrorBody } from '@mpi/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSocketService } from './context.js';

/** One file being sent: its progress until the message is acknowledged, or its failure. */
export interface FileUpload {
  readonly key: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  /** Bytes the server holds. */
  readonly sentBytes: number;
  /** `uploading` until the last byte, `sending` until the message's ack, then the entry goes away. */
  readonly status: 'uploading' | 'sending' | 'failed';
  readonly error: ErrorBody | null;
  /** An object URL of the local file, for an image preview while it uploads. */
  readonly previewUrl: string | null;
}

export interface UseFileUploadsResult {
  uploads: readonly FileUpload[];
  /** Uploads and sends the file (`voice` for a recorded voice message); resolves once it is sent or failed. */
  send(
    file: Blob,
    options?: { name?: string; voice?: { durationMs: number; waveform: number[] } },
  ): Promise<boolean>;
  /** Stops an upload that has not finished; the server discards what it received. */
  cancel(key: string): void;
  /** Forgets a failed upload. */
  dismiss(key: string): void;
}

let nextKey = 0;

/**
 * Files of one chat on their way: `send` runs the SDK's `sendFile` (resumable tus upload, then the
 * message through the outbox) and tracks its progress for the UI. Object URLs are revoked when an entry
 * goes away or the component unmounts.
 */
export function useFileUploads(chatId: string): UseFileUploadsResult {
  const service = useSocketService();
  const [uploads, setUploads] = useState<readonly FileUpload[]>([]);
  const controllers = useRef(new Map<string, AbortController>());
  const previews = useRef(new Set<string>());

  // Leaving the chat does not stop its uploads: they finish and send in the background.
  useEffect(() => {
    const urls = previews.current;
    return () => {
      for (const url of urls) URL.revokeObjectURL(url);
    };
  }, []);

  const update = useCallback((key: string, change: Partial<FileUpload> | null) => {
    setUploads((current) => {
      const entry = current.find((u) => u.key === key);
      if (change === null && entry?.previewUrl) {
        URL.revokeObjectURL(entry.previewUrl);
        previews.current.delete(entry.previewUrl);
      }
      return change === null
        ? current.filter((u) => u.key !== key)
        : current.map((u) => (u.key === key ? { ...u, ...change } : u));
    });
  }, []);

  /** Shows a file on its way and follows `run` (a send or a resume) to its end. */
  const track = useCallback(
    async (
      file: Blob,
      name: string,
      run: (options: {
        signal: AbortSignal;
        onProgress(sent: number, total: number): void;
      }) => Promise<SendFileResult>,
    ) => {
      const key = `upload-${++nextKey}`;
      const previewUrl = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
      if (previewUrl) previews.current.add(previewUrl);
      const controller = new AbortController();
      controllers.current.set(key, controller);
      const entry: FileUpload = {
        key,
        name,
        size: file.size,
        type: file.type,
        sentBytes: 0,
        status: 'uploading',
        error: null,
        previewUrl,
      };
      setUploads((current) => [...current, entry]);
      const result = await run({
        signal: controller.signal,
        onProgress: (sentBytes, total) =>
          update(key, { sentBytes, status: sentBytes >= total ? 'sending' : 'uploading' }),
      });
      controllers.current.delete(key);
      if (result.ok || ('cancelled' in result && result.cancelled)) update(key, null);
      else update(key, { status: 'failed', error: result.error });
      return result.ok;
    },
    [update],
  );

  // Files this chat was sending when the page went away (reload, closed tab) carry on from where they were.
  useEffect(() => {
    let live = true;
    // Each resumed upload reports to the entry `track` makes for it, and its Cancel stops it.
    const relays = new Map<
      string,
      { controller: AbortController; progress(sent: number, total: number): void }
    >();
    void service
      .resumeUploads(chatId, (upload) => {
        const relay = {
          controller: new AbortController(),
          progress: (_sent: number, _total: number) => undefined,
        };
        relays.set(upload.clientMessageId, relay);
        return { signal: relay.controller.signal, onProgress: (sent, total) => relay.progress(sent, total) };
      })
      .then((resumed) => {
        for (const { upload, result } of resumed) {
          const relay = relays.get(upload.clientMessageId);
          if (!live || !relay) continue;
          void track(upload.file, upload.name, ({ signal, onProgress }) => {
            signal.addEventListener('abort', () => relay.controller.abort());
            relay.progress = onProgress;
            return result;
          });
        }
      });
    return () => {
      live = false;
    };
  }, [service, chatId, track]);

  const send = useCallback<UseFileUploadsResult['send']>(
    (file, options = {}) => {
      const name = options.name ?? (file as Blob & { name?: string }).name ?? 'file';
      return track(file, name, (run) =>
        service.sendFile(chatId, file, { ...run, name, ...(options.voice && { voice: options.voice }) }),
      );
    },
    [service, chatId, track],
  );

  const cancel = useCallback((key: string) => controllers.current.get(key)?.abort(), []);
  const dismiss = useCallback((key: string) => update(key, null), [update]);
  return { uploads, send, cancel, dismiss };
}
