import { type ErrorBody, errorBody } from '@mpi/protocol';
import { uploadMetadataSchema } from '@mpi/protocol/schemas';
import { Server } from '@tus/server';
import type { Upload } from '@tus/utils';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuditLog } from '../audit-log.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { requireMember } from '../chat/membership.js';
import type { Config } from '../config.js';
import { AppError, publicErrorBody } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { userOf } from './bearer.js';
import type { BlobStore } from './blob-store.js';
import { inspectUpload } from './inspect-upload.js';

/** The tus endpoint: `POST` creates an upload, `HEAD` tells its offset, `PATCH` appends, `DELETE` cancels. */
const UPLOADS_PATH = '/api/files/uploads';

export interface UploadDeps {
  config: Config;
  storage: Storage;
  blobs: BlobStore;
  verifier: TokenVerifier;
  log: Logger;
  /** Each new upload takes a point of the user's budget. */
  rateLimiter: RateLimiterAbstract;
  audit: AuditLog;
}

/** The catalogue's status and body of a refusal (a rate limit with its retryAfterMs). */
function refusal(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof RateLimiterRes) {
    return { status: 429, body: { ...errorBody('RATE_LIMITED'), retryAfterMs: error.msBeforeNext } };
  }
  return { status: error instanceof AppError ? error.status : 500, body: publicErrorBody(error) };
}

function isAllowedType(type: string, allowed: readonly string[]): boolean {
  const family = `${type.split('/')[0]}/*`;
  return allowed.includes(type) || allowed.includes(family);
}

/**
 * Mounts `@tus/server` on Fastify at {@link UPLOADS_PATH}. Every request carries the user's bearer token;
 * a new upload must name a chat the user is a member of and an allowed type within FILE_MAX_BYTES, and
 * only its owner can resume, inspect or cancel it (anyone else gets 404). The last byte triggers the
 * server's inspection (checksum, image size, thumbnail) before the final answer, so a client that saw its
 * upload finish can send the message at once. Downloads are not served here (tus's GET is not routed).
 */
export function registerUploadRoutes(app: FastifyInstance, deps: UploadDeps): void {
  const { config, storage, blobs, verifier } = deps;
  // Refusals go to the audit trail as the HTTP error handler's do (tus answers them itself).
  const refuse = (req: { method: string; ip?: string | undefined }, error: unknown) => {
    const { status, body } = refusal(error);
    deps.audit.refused(body.code, { address: req.ip, event: `${req.method} ${UPLOADS_PATH}` });
    return { status_code: status, body: JSON.stringify({ error: body }) };
  };
  const tus = new Server({
    path: UPLOADS_PATH,
    datastore: blobs.uploads,
    maxSize: config.files.maxBytes,
    relativeLocation: true,
    respectForwardedHeaders: config.trustProxy,
    disableTerminationForFinishedUploads: true,
    async onIncomingRequest(req, uploadId) {
      try {
        const userId = await userOf(verifier, req.headers.get('authorization'));
        if (req.method === 'POST') return;
        const file = await storage.files.getFile(uploadId);
        if (file?.ownerId !== userId) throw new AppError('NOT_FOUND', 'No upload of yours has this id.');
      } catch (error) {
        throw refuse(req, error);
      }
    },
    async onUploadCreate(req, upload: Upload) {
      try {
        const userId = await userOf(verifier, req.headers.get('authorization'));
        await deps.rateLimiter.consume(userId);
        const parsed = uploadMetadataSchema.safeParse(upload.metadata ?? {});
        if (!parsed.success) {
          throw new AppError('VALIDATION_FAILED', `Upload-Metadata: ${parsed.error.issues[0]?.message}`);
        }
        const meta = parsed.data;
        if (upload.size === undefined) throw new AppError('VALIDATION_FAILED', 'Send Upload-Length.');
        if (!isAllowedType(meta.filetype, config.files.allowedTypes))
          throw new AppError('FILE_TYPE_NOT_ALLOWED');
        const voice = meta.durationMs !== undefined || meta.waveform !== undefined;
        if (voice && !meta.filetype.startsWith('audio/')) {
          throw new AppError('VALIDATION_FAILED', 'Only audio files have a duration and a waveform.');
        }
        if (meta.durationMs !== undefined && meta.durationMs > config.files.voiceMaxMs) {
          throw new AppError(
            'VALIDATION_FAILED',
            `A voice message lasts at most ${config.files.voiceMaxMs / 1000} s.`,
          );
        }
        await requireMember(storage, meta.chatId, userId);
        await storage.files.createUpload({
          id: upload.id,
          ownerId: userId,
          chatId: meta.chatId,
          name: meta.filename,
          type: meta.filetype,
          size: upload.size,
          durationMs: meta.durationMs,
          waveform: meta.waveform,
        });
        return {};
      } catch (error) {
        throw refuse(req, error);
      }
    },
    async onUploadFinish(req, upload: Upload) {
      try {
        const file = await storage.files.getFile(upload.id);
        if (!file) throw new AppError('NOT_FOUND');
        await storage.files.completeUpload(
          upload.id,
          await inspectUpload(blobs, upload.id, file.attachment.type),
        );
        return {};
      } catch (error) {
        if (!(error instanceof AppError))
          deps.log.error({ err: error, uploadId: upload.id }, 'upload inspection failed');
        throw refuse(req, error);
      }
    },
    onResponseError(_req, error) {
      // tus's own refusals (size, offsets, headers) keep their status, with the catalogue's body.
      if ('status_code' in error && error.body.startsWith('{')) return undefined;
      if ('status_code' in error && error.status_code === 413) {
        return { status_code: 413, body: JSON.stringify({ error: errorBody('PAYLOAD_TOO_LARGE') }) };
      }
      return undefined;
    },
  });

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    await tus.handle(request.raw, reply.raw);
  };
  app.register(async (scope) => {
    // The bytes of a PATCH are tus's to read: Fastify leaves the body alone.
    scope.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
    scope.route({ method: ['POST', 'OPTIONS'], url: UPLOADS_PATH, handler: handle });
    scope.route({
      method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
      url: `${UPLOADS_PATH}/:id`,
      handler: handle,
    });
  });
}
