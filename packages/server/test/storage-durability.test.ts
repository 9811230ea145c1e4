import { tempDir } from '@mpi/test-kit';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { openSqlite } from '../src/storage/db/open-database.js';

describe('SQLITE_SYNCHRONOUS', () => {
  it('defaults to NORMAL, accepts FULL and names the variable when it is anything else', () => {
    expect(loadConfig({}).sqliteSynchronous).toBe('NORMAL');
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'FULL' }).sqliteSynchronous).toBe('FULL');
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'OFF' })).toThrow(ConfigError);
    expect(() => loadConfig({ SQLITE_SYNCHRONOUS: 'OFF' })).toThrow(/SQLITE_SYNCHRONOUS/);
  });

  it.each([
    ['NORMAL', 1],
    ['FULL', 2],
  ] as const)('opens the file in WAL mode with synchronous=%s', (mode, level) => {
    const dir = tempDir();
    const db = openSqlite(`${dir.path}/durability.sqlite`, mode);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(level);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
      dir.remove();
    }
  });
});
