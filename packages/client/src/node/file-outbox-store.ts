import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DeviceIdStore } from '../device-id.js';
import { isOutboxEntry, type OutboxEntry, type OutboxStore, sortEntries } from '../outbox/types.js';
import { FileDeviceIdStore } from './file-device-id-store.js';

/**
 * The outbox as one JSON file, for Node apps, bots and tests. Every change rewrites the file atomically:
 * the new content goes to a temporary file beside it, is flushed to disk, then renamed over the old one,
 * so a crash leaves either the old or the new file, never a torn one. Changes made while a write runs are
 * coalesced into the next write. One process per file. The SDK keeps its device id beside it, in
 * `<path>.device-id`, so a restarted app is the same device with the same outbox.
 */
export class FileOutboxStore implements OutboxStore {
  readonly path: string;
  #entries: Map<string, OutboxEntry> | null = null;
  #loading: Promise<Map<string, OutboxEntry>> | null = null;
  /** The write that will include the latest changes; null when none is scheduled. */
  #nextWrite: Promise<void> | null = null;
  /** Settles when the last started write ends. */
  #lastWrite: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  deviceIdStore(): DeviceIdStore {
    return new FileDeviceIdStore(`${this.path}.device-id`);
  }

  async load(): Promise<OutboxEntry[]> {
    const entries = await this.#ensureLoaded();
    return sortEntries([...entries.values()].map((entry) => ({ ...entry })));
  }

  async put(entry: OutboxEntry): Promise<void> {
    const entries = await this.#ensureLoaded();
    entries.set(entry.clientMessageId, { ...entry });
    await this.#scheduleWrite();
  }

  async delete(clientMessageId: string): Promise<void> {
    const entries = await this.#ensureLoaded();
    if (!entries.delete(clientMessageId)) return;
    await this.#scheduleWrite();
  }

  /** Resolves when every change made so far is on disk. */
  async flushed(): Promise<void> {
    await (this.#nextWrite ?? this.#lastWrite);
  }

  #ensureLoaded(): Promise<Map<string, OutboxEntry>> {
    if (this.#entries) return Promise.resolve(this.#entries);
    this.#loading ??= this.#read().then((entries) => {
      this.#entries = entries;
      return entries;
    });
    return this.#loading;
  }

  async #read(): Promise<Map<string, OutboxEntry>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`The outbox file ${this.path} is not valid JSON.`);
    }
    const list = (parsed as { entries?: unknown }).entries;
    const entries = Array.isArray(list) ? list.filter(isOutboxEntry) : [];
    return new Map(entries.map((entry) => [entry.clientMessageId, entry]));
  }

  #scheduleWrite(): Promise<void> {
    if (this.#nextWrite) return this.#nextWrite;
    const write = this.#lastWrite.then(() => {
      // From here on, changes belong to the next write.
      this.#nextWrite = null;
      return this.#writeNow();
    });
    this.#nextWrite = write;
    this.#lastWrite = write.catch(() => undefined);
    return write;
  }

  async #writeNow(): Promise<void> {
    const entries = sortEntries([...(this.#entries ?? new Map<string, OutboxEntry>()).values()]);
    const body = `${JSON.stringify({ version: 1, entries }, null, 2)}\n`;
    const temp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await mkdir(dirname(this.path), { recursive: true });
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(body, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, this.path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}
