import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeAfter } from './cleanup.js';

export interface TempDir extends AsyncDisposable {
  readonly path: string;
  /** `join(path, ...parts)`. */
  file(...parts: string[]): string;
  /** Removes the folder and everything in it now (again: nothing). */
  remove(): void;
}

/**
 * A new, empty folder under the system's temporary folder. It cleans up after itself: removed with its
 * content after the current test when made in one (or in `beforeEach`), else after the test file; sooner with
 * `remove()` or `await using dir = tempDir()`.
 */
export function tempDir(prefix = 'mpi-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(path, { recursive: true, force: true });
  disposeAfter(remove);
  return {
    path,
    file: (...parts) => join(path, ...parts),
    remove,
    [Symbol.asyncDispose]: async () => remove(),
  };
}
