import { uploadIdSchema } from '@mpi/protocol/schemas';
import { create as contentDisposition } from 'content-disposition';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TokenVerifier } from '../auth/tokens.js';
import { requireMember } from '../chat/membership.js';
import { AppError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { userOf } from './bearer.js';
import type { BlobStore } from './blob-store.js';

/** Shown in the page (`inline`): types a browser renders without running anything. */
const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'application/pdf',
  'text/plain',
]);
/** Served as they are, but always as a download; anything else becomes application/octet-stream. */
const SAFE_PREFIXES = ['image/', 'audio/', 'video/', 'application/pdf', 'text/plain', 'text/csv'];
/** Types a browser would execute or render as a document: never sent with their own type. */
const ACTIVE = /(html|xml|svg|javascript|ecmascript|json|wasm)/;

function servedType(type: string): string {
  if (ACTIVE.test(type)) return 'application/octet-stream';
  return SAFE_PREFIXES.some((prefix) => type.startsWith(prefix)) ? type : 'application/octet-stream';
}

const paramsSchema = z.strictObject({ id: uploadIdSchema });
const querySchema = z.strictObject({ variant: z.literal('thumbnail').optional() });

/**
 * `GET /api/files/:id[?variant=thumbnail]`: the bytes of an attachment, to members of its chat only
 * (bearer token; the uploader alone before it is sent). A file that is missing, still uploading or not
 * the caller's to see is 404 for non-members too, so ids cannot be probed.
 */
export function registerDownloadRoute(
  app: FastifyInstance,
  deps: { storage: Storage; blobs: BlobStore; verifier: TokenVerifier },
): void {
  app.get('/api/files/:id', async (request, reply) => {
    const userId = await userOf(deps.verifier, request.headers.authorization);
    const params = paramsSchema.safeParse(request.params);
    const query = querySchema.safeParse(request.query);
    if (!params.success || !query.success)
      throw new AppError('VALIDATION_FAILED', 'GET /api/files/<upload id>[?variant=thumbnail]');
    const file = await deps.storage.files.getFile(params.data.id);
    if (file?.status !== 'complete') throw new AppError('NOT_FOUND');
    if (file.messageId === null && file.ownerId !== userId) throw new AppError('NOT_FOUND');
    await requireMember(deps.storage, file.chatId, userId);
    const { attachment } = file;
    const thumbnail = query.data.variant === 'thumbnail';
    if (thumbnail && !attachment.thumbnail) throw new AppError('NOT_FOUND', 'This file has no thumbnail.');

    const type = thumbnail ? 'image/webp' : servedType(attachment.type);
    const inline = thumbnail || (INLINE_TYPES.has(type) && type === attachment.type);
    const name = thumbnail ? `${attachment.name}.webp` : attachment.name;
    reply
      .header('Content-Type', type)
      .header('Content-Disposition', contentDisposition(name, { type: inline ? 'inline' : 'attachment' }))
      .header('X-Content-Type-Options', 'nosniff')
      // Opened on its own, a file runs nothing and can reach nothing, whatever it contains.
      .header('Content-Security-Policy', "default-src 'none'; img-src 'self'; media-src 'self'; sandbox")
      .header('Cache-Control', 'private, max-age=3600')
      .header('ETag', `"${attachment.sha256}${thumbnail ? '-t' : ''}"`);
    if (!thumbnail) reply.header('Content-Length', attachment.size);
    return reply.send(deps.blobs.read(file.id, thumbnail ? 'thumbnail' : undefined));
  });
}
