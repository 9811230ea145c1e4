import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeviceIdStore } from '../device-id.js';

/** The device id in a small text file (written atomically: a temporary file renamed over it). */
export class FileDeviceIdStore implements DeviceIdStore {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async load(): Promise<string | null> {
    try {
      const text = (await readFile(this.path, 'utf8')).trim();
      return text === '' ? null : text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async save(deviceId: string): Promise<void> {
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await mkdir(dirname(this.path), { recursive: true });
    try {
      await writeFile(temp, `${deviceId}\n`, 'utf8');
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
