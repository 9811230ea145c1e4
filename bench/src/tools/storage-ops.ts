import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../../packages/server/src/storage/open-storage.js';

/**
 * Times the server's storage operations on the hot paths of W1 and W2, through the server's own
 * `openStorage()` (SQLite file, WAL, as in production), one at a time and many at once.
 *
 *   node --conditions=source --import tsx bench/src/tools/storage-ops.ts [iterations=2000]
 *
 * Run it again with `--import ./bench/src/tools/experiments/sqlite-fast.mjs` before `--import tsx` to see
 * the effect of a prepared-statement cache and a FIFO connection mutex without changing the server.
 */

const n = Number(process.argv[2] ?? 2_000);

// Every SQL statement Kysely runs on SQLite (BEGIN and COMMIT included) goes through prepare(): count them.
let statements = 0;
{
  const Database = createRequire(import.meta.url)('better-sqlite3') as {
    prototype: { prepare: (sql: string) => unknown };
  };
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function countedPrepare(this: unknown, sql: string) {
    statements++;
    return prepare.call(this, sql);
  };
}
const dir = await mkdtemp(join(tmpdir(), 'mpi-storage-ops-'));
const storage = await openStorage(join(dir, 'ops.sqlite'));

/** CPU time of this process (user + system), which other work on the machine disturbs far less than wall time. */
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

function report(label: string, count: number, cpu: number, wallMs: number, sql: number): number {
  const us = cpu / count;
  console.log(
    `${label.padEnd(48)} ${us.toFixed(1).padStart(8)} µs CPU/op ${((wallMs * 1000) / count).toFixed(1).padStart(8)} µs wall/op ${(sql / count).toFixed(1).padStart(5)} SQL/op`,
  );
  return us;
}

async function time(label: string, count: number, op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(200, count); i++) await op(i); // warm-up
  const cpu = cpuUs();
  const sql = statements;
  const start = performance.now();
  for (let i = 0; i < count; i++) await op(i);
  return report(label, count, cpuUs() - cpu, performance.now() - start, statements - sql);
}

async function timeConcurrent(
  label: string,
  count: number,
  op: (i: number) => Promise<unknown>,
): Promise<number> {
  const cpu = cpuUs();
  const sql = statements;
  const start = performance.now();
  await Promise.all(Array.from({ length: count }, (_, i) => op(i)));
  return report(label, count, cpuUs() - cpu, performance.now() - start, statements - sql);
}

try {
  const pairs = 500;
  const chats: string[] = [];
  for (let i = 0; i < pairs; i++) {
    await storage.chat.upsertUser({ id: `a${i}` });
    await storage.chat.upsertUser({ id: `b${i}` });
    chats.push((await storage.chat.openDm(`a${i}`, `b${i}`)).id);
  }
  const chat = (i: number) => chats[i % pairs] as string;
  let seq = 0;
  const seqs = new Map<string, number>();
  const append = (i: number) =>
    storage.chat
      .appendMessage({
        chatId: chat(i),
        senderId: `a${i % pairs}`,
        clientMessageId: `m${seq++}`,
        text: 'hello there, bench',
      })
      .then((r) => seqs.set(r.message.chatId, r.message.seq));

  console.log(`storage ${storage.dialect}, ${pairs} DM chats, ${n} operations each, one at a time:`);
  const ops: Record<string, number> = {};
  ops.getChatState = await time('getChatState (requireMember)', n, (i) => storage.chat.getChatState(chat(i)));
  ops.appendMessage = await time('appendMessage (send_message)', n, append);
  ops.recordReceipt = await time('recordReceipt (messages_received)', n, (i) =>
    storage.chat.recordReceipt({
      chatId: chat(i),
      userId: `b${i % pairs}`,
      deviceId: 'd',
      upToSeq: seqs.get(chat(i)) ?? 0,
    }),
  );
  ops.listMembers = await time('listMembers (announceDeliveries)', n, (i) =>
    storage.chat.listMembers(chat(i)),
  );
  ops.getMessageRange = await time('getMessageRange (announceDeliveries)', n, (i) => {
    const s = seqs.get(chat(i)) ?? 1;
    return storage.chat.getMessageRange(chat(i), s - 1, s);
  });
  ops.upsertUser = await time('upsertUser (setup_user)', n, (i) => storage.chat.upsertUser({ id: `u${i}` }));
  ops.openDeviceCatchUp = await time('openDeviceCatchUp (catch-up of a new device)', n, (i) =>
    storage.chat.openDeviceCatchUp(`a${i % pairs}`, `dev${i}`),
  );
  const perMessage =
    (ops.getChatState ?? 0) * 2 +
    (ops.appendMessage ?? 0) +
    (ops.recordReceipt ?? 0) +
    (ops.listMembers ?? 0) +
    (ops.getMessageRange ?? 0);
  console.log(
    `${'one chat message, as the server stores it'.padEnd(48)} ${perMessage.toFixed(1).padStart(8)} µs  (2× getChatState + append + receipt + listMembers + range, one receipt per message)`,
  );
  console.log(`\nmany at once (as under load: every handler awaits the one SQLite connection):`);
  for (const concurrency of [100, 1_000, 4_000, 20_000]) {
    await timeConcurrent(`appendMessage, ${concurrency} in flight`, concurrency, append);
  }
} finally {
  await storage.close();
  await rm(dir, { recursive: true, force: true });
}
