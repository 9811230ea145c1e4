import { mkdir } from 'node:fs/promises';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AuditLog } from '../audit-log.js';
import type { TokenVerifier } from '../auth/tokens.js';
import { startHourlySweep } from '../retention-sweeper.js';
import type { Feature, ServerContext } from '../server-context.js';
import { type BlobStore, LocalBlobStore } from './blob-store.js';
import { registerDownloadRoute } from './download-route.js';
import { registerUploadRoutes } from './upload-routes.js';

/** Files: the tus upload endpoint and the checked download route, over the blob store (FILES_DIR). */
export interface FilesFeature extends Feature {
  readonly blobs: BlobStore;
  /** Erasure: the user's uploads, rows and bytes. Returns how many files were deleted. */
  deleteFilesOfUser(userId: string): Promise<number>;
  /** Retention: uploads never sent within a day, and files of messages that are gone. Returns how many. */
  pruneFiles(now?: number): Promise<number>;
}

/** An upload not sent with a message within this long is abandoned (a closed tab, a cancelled send). */
const UNSENT_TTL_MS = 24 * 60 * 60 * 1000;

export async function registerFiles(
  ctx: ServerContext,
  verifier: TokenVerifier,
  rateLimiter: RateLimiterAbstract,
  audit: AuditLog,
): Promise<FilesFeature> {
  await mkdir(ctx.config.files.dir, { recursive: true });
  const blobs = new LocalBlobStore(ctx.config.files.dir);
  const { storage, log, config } = ctx;
  registerUploadRoutes(ctx.http, { config, storage, blobs, verifier, log, rateLimiter, audit });
  registerDownloadRoute(ctx.http, { storage, blobs, verifier });
  const removeAll = async (ids: string[]) => {
    for (const id of ids) await blobs.remove(id);
    return ids.length;
  };
  const feature: FilesFeature = {
    blobs,
    deleteFilesOfUser: async (userId) => removeAll(await storage.files.deleteFilesOfUser(userId)),
    pruneFiles: async (now = Date.now()) =>
      removeAll(await storage.files.pruneFiles(new Date(now - UNSENT_TTL_MS))),
    close: () => stopSweeper(),
  };
  // Uploads never sent, and files whose messages retention deleted (idempotent: several nodes may sweep).
  const stopSweeper = startHourlySweep('files', log, async () => ({ deleted: await feature.pruneFiles() }));
  return feature;
}
