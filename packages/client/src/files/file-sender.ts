import type { AckOf, ErrorBody } from '@mpi/protocol';
import { errorBody } from '@mpi/protocol';
import type { TokenProvider } from '../types.js';
import { downloadFile } from './download.js';
import type { FileInput, Uploader, UploadOptions } from './types.js';

export interface SendFileOptions extends UploadOptions {
  /** A caption sent with the file; default none. */
  text?: string;
  /** The message's idempotency key (see `createClientMessageId()`). */
  clientMessageId?: string;
}

/** The message's final ack, or the upload's failure (`cancelled` when the signal aborted it). */
export type SendFileResult = AckOf<'send_message'> | { ok: false; cancelled: boolean; error: ErrorBody };

interface FileSenderDeps {
  /** The server's HTTP origin (the socket URL, ws: → http:). */
  baseUrl(): string;
  token(): TokenProvider | undefined;
  uploader(): Uploader | undefined;
  send(
    chatId: string,
    text: string,
    clientMessageId: string | undefined,
    attachments: string[],
  ): Promise<AckOf<'send_message'>>;
}

async function resolveToken(provider: TokenProvider | undefined): Promise<string> {
  const token = typeof provider === 'function' ? await provider() : provider;
  return token ?? '';
}

/** `sendFile` and `fetchFile` of the SocketService: tus uploads, then the message through the outbox. */
export class FileSender {
  constructor(private readonly deps: FileSenderDeps) {}

  async sendFile(chatId: string, file: FileInput, options: SendFileOptions = {}): Promise<SendFileResult> {
    const upload = this.deps.uploader();
    if (!upload) {
      throw new Error(
        "sendFile needs an uploader: createSocketService({ uploader: tusUploader }) from '@mpi/client/files'.",
      );
    }
    let token: string;
    try {
      token = await resolveToken(this.deps.token());
    } catch (error) {
      return { ok: false, cancelled: false, error: errorBody('AUTH_MISSING', String(error)) };
    }
    const endpoint = `${this.deps.baseUrl()}/api/files/uploads`;
    const uploaded = await upload({ endpoint, token, chatId, file, options });
    if (!uploaded.ok) return uploaded;
    return this.deps.send(chatId, options.text ?? '', options.clientMessageId, [uploaded.uploadId]);
  }

  async fetchFile(fileId: string, options: { thumbnail?: boolean } = {}) {
    const token = await resolveToken(this.deps.token()).catch(() => '');
    const query = options.thumbnail ? '?variant=thumbnail' : '';
    return downloadFile(`${this.deps.baseUrl()}/api/files/${encodeURIComponent(fileId)}${query}`, token);
  }
}

/** The HTTP origin of a Socket.IO URL: `ws://host:4000/` → `http://host:4000`. */
export function httpBaseOf(url: string): string {
  return url.replace(/^ws(s?):/, 'http$1:').replace(/\/+$/, '');
}
