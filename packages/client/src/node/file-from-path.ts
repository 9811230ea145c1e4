import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { UploadFile } from '../files/types.js';

/** A file on disk for `sendFile`, streamed (never read whole into memory). */
export function fileFromPath(path: string, type: string, name = basename(path)): UploadFile {
  return { data: createReadStream(path), name, type };
}

/** Bytes in memory for `sendFile`. */
export function fileFromBuffer(data: Buffer, name: string, type: string): UploadFile {
  return { data, name, type };
}
