import { mkdir } from 'node:fs/promises';
import type { TokenVerifier } from '../auth/tokens.js';
import type { ServerContext } from '../server-context.js';
import { type BlobStore, LocalBlobStore } from './blob-store.js';
import { registerDownloadRoute } from './download-route.js';
import { registerUploadRoutes } from './upload-routes.js';

/** Files: the tus upload endpoint and the checked download route, over the blob store (FILES_DIR). */
export interface FilesFeature {
  readonly blobs: BlobStore;
  /** Erasure: the user's uploads, rows and bytes. Returns how many files were deleted. */
  deleteFilesOfUser(userId: string): Promise<number>;
}

export async function registerFiles(ctx: ServerContext, verifier: TokenVerifier): Promise<FilesFeature> {
  await mkdir(ctx.config.files.dir, { recursive: true });
  const blobs = new LocalBlobStore(ctx.config.files.dir);
  const { storage, log, config } = ctx;
  registerUploadRoutes(ctx.http, { config, storage, blobs, verifier, log });
  registerDownloadRoute(ctx.http, { storage, blobs, verifier });
  return {
    blobs,
    async deleteFilesOfUser(userId) {
      const ids = await storage.files.deleteFilesOfUser(userId);
      for (const id of ids) await blobs.remove(id);
      return ids.length;
    },
  };
}
