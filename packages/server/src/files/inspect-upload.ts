import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import sharp from 'sharp';
import type { CompletedUpload } from '../storage/files/file-storage.js';
import type { BlobStore } from './blob-store.js';

/** Raster types sharp decodes for a thumbnail; SVG is never rendered on the server. */
const THUMBNAIL_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);
/** Longest side of a thumbnail, in pixels. */
const THUMBNAIL_SIZE = 320;

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * What the server computes once an upload is complete: its SHA-256 and, for an image sharp decodes, its
 * size (as displayed, EXIF orientation applied) and a WebP thumbnail. An image that does not decode is
 * kept as a plain file: the sender's type is only a claim.
 */
export async function inspectUpload(blobs: BlobStore, id: string, type: string): Promise<CompletedUpload> {
  if (!THUMBNAIL_TYPES.has(type)) return { sha256: await sha256Of(blobs.read(id)), hasThumbnail: false };
  const bytes = await collect(blobs.read(id));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const image = sharp(bytes, { animated: false });
    const { autoOrient } = await image.metadata();
    const thumbnail = await image
      .rotate()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toBuffer();
    await blobs.writeVariant(id, 'thumbnail', thumbnail);
    return { sha256, width: autoOrient.width, height: autoOrient.height, hasThumbnail: true };
  } catch {
    return { sha256, hasThumbnail: false };
  }
}
