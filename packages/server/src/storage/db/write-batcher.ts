import type { Kysely } from 'kysely';
import type { BatchedWrite, LockKey, SqliteExclusive } from './batched-write.js';
import { CommitLane } from './commit-lane.js';
import type { Database } from './schema.js';

/**
 * Group commit: writes submitted in one event-loop turn run in one transaction, in lock order, each with
 * its own outcome, and every caller's promise settles only after the commit. BEGIN and COMMIT (and, on
 * SQLite, the journal work) are paid once per batch instead of once per write. On SQLite there is one
 * lane, whose batches run synchronously inside one better-sqlite3 transaction. On PostgreSQL writes go to
 * `lanes` lanes by the second part of their lock key (the chat, user or device), each lane committing its
 * own batches on its own pooled connection, so that the writes of different chats commit in parallel.
 * Every batch still takes its locks in key order, so no two batches, of this node or another, deadlock.
 */
export class WriteBatcher {
  private readonly lanes: CommitLane[];

  constructor(db: Kysely<Database>, sqlite?: SqliteExclusive, lanes = 1) {
    const count = sqlite ? 1 : Math.max(1, lanes);
    this.lanes = Array.from({ length: count }, () => new CommitLane({ db, sqlite }));
  }

  submit<T>(write: BatchedWrite<T>, lockKey?: LockKey): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.laneOf(lockKey).submit({ write, lockKey, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Resolves when everything submitted so far has settled. */
  async drain(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.drain()));
  }

  private laneOf(lockKey: LockKey | undefined): CommitLane {
    const lanes = this.lanes;
    if (lanes.length === 1 || lockKey === undefined) return lanes[0] as CommitLane;
    return lanes[hash(String(lockKey[1] ?? '')) % lanes.length] as CommitLane;
  }
}

/** FNV-1a: cheap and evenly spread over ids. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
