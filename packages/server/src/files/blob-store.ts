import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import type { DataStore } from '@tus/utils';

/**
 * Where the bytes of uploads live. The local disk by default; an S3-compatible backend implements the
 * same four members (`@tus/s3-store` as `uploads`, GetObject / PutObject / DeleteObjects for the rest).
 * Keys are upload ids (32 hex digits), so they never escape the store.
 */
export interface BlobStore {
  /** The tus data store that receives the uploads, under their ids. */
  readonly uploads: DataStore;
  /** The bytes of an upload, or of one of its variants (the thumbnail). */
  read(key: string, variant?: 'thumbnail'): Readable;
  writeVariant(key: string, variant: 'thumbnail', data: Buffer): Promise<void>;
  /** The upload, its tus metadata and its variants. */
  remove(key: string): Promise<void>;
}

/** {@link BlobStore} on the local disk: `<dir>/<id>` (tus), `<dir>/<id>.json` (tus metadata), `<dir>/thumbnails/<id>.webp`. */
export class LocalBlobStore implements BlobStore {
  readonly uploads: FileStore;

  constructor(private readonly dir: string) {
    this.uploads = new FileStore({ directory: dir });
  }

  private pathOf(key: string, variant?: 'thumbnail'): string {
    return variant === 'thumbnail' ? join(this.dir, 'thumbnails', `${key}.webp`) : join(this.dir, key);
  }

  read(key: string, variant?: 'thumbnail'): Readable {
    return createReadStream(this.pathOf(key, variant));
  }

  async writeVariant(key: string, variant: 'thumbnail', data: Buffer): Promise<void> {
    await mkdir(join(this.dir, 'thumbnails'), { recursive: true });
    await writeFile(this.pathOf(key, variant), data);
  }

  async remove(key: string): Promise<void> {
    await Promise.all(
      [this.pathOf(key), `${this.pathOf(key)}.json`, this.pathOf(key, 'thumbnail')].map((path) =>
        rm(path, { force: true }),
      ),
    );
  }
}
