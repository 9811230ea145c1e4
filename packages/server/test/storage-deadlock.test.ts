import { describePostgres, sleep } from '@mpi/test-kit';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KyselyStorage } from '../src/storage/kysely-storage.js';
import { openStorage } from '../src/storage/open-storage.js';

/*
 * Two storages on one PostgreSQL database stand for two nodes. Each round, both submit in one tick (so
 * that each forms one group commit) appends and receipts on the same group chats, node A in one chat order
 * and node B in the other, with different senders: the pattern that deadlocked on `chats.last_seq`.
 * PostgreSQL counts every deadlock it broke in pg_stat_database.
 */
const CHATS = 6;
const MEMBERS = ['u1', 'u2', 'u3', 'u4'];
const ROUNDS = 25;

async function deadlocks(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Statistics reach the shared view within a second of a transaction's end (PostgreSQL 15).
    await sleep(1100);
    const { rows } = await client.query<{ deadlocks: string }>(
      'select deadlocks from pg_stat_database where datname = current_database()',
    );
    return Number(rows[0]?.deadlocks ?? 0);
  } finally {
    await client.end();
  }
}

describePostgres('group commits of two nodes on %s', (db) => {
  let nodeA: KyselyStorage;
  let nodeB: KyselyStorage;
  beforeAll(async () => {
    nodeA = await openStorage(db.url());
    nodeB = await openStorage(db.url());
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
  });

  it('race on the same chats in opposite orders without a deadlock, seqs gapless and unique', async () => {
    const url = db.url();
    for (const id of MEMBERS) await nodeA.chat.upsertUser({ id });
    const chatIds: string[] = [];
    for (let c = 0; c < CHATS; c++) {
      const chat = await nodeA.chat.createGroup({
        creatorId: 'u1',
        name: `g${c}`,
        memberIds: MEMBERS.slice(1),
      });
      chatIds.push(chat.id);
    }
    const before = await deadlocks(url);

    const burst = (node: KyselyStorage, name: string, round: number, order: string[]) =>
      order.flatMap((chatId, c) => {
        const sender = MEMBERS[(round + c + (name === 'A' ? 0 : 2)) % MEMBERS.length] as string;
        const reader = MEMBERS[(round + c + (name === 'A' ? 1 : 3)) % MEMBERS.length] as string;
        return [
          node.chat
            .appendMessage({ chatId, senderId: sender, text: 'x', clientMessageId: `${name}-${round}-${c}` })
            // Run in lock order, yet each caller gets its own outcome.
            .then(({ message }) =>
              expect([message.chatId, message.clientMessageId]).toEqual([chatId, `${name}-${round}-${c}`]),
            ),
          node.chat.recordReceipt({
            chatId,
            userId: reader,
            deviceId: `${reader}-${name}`,
            upToSeq: round * 2,
          }),
          node.chat.recordReceipt({
            chatId,
            userId: sender,
            deviceId: `${sender}-${name}`,
            upToSeq: round * 2,
          }),
        ];
      });
    for (let round = 1; round <= ROUNDS; round++) {
      const results = await Promise.allSettled([
        ...burst(nodeA, 'A', round, chatIds),
        ...burst(nodeB, 'B', round, [...chatIds].reverse()),
      ]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    }

    const broken = (await deadlocks(url)) - before;
    console.info(`two nodes, ${ROUNDS} rounds × ${CHATS} chats: ${broken} deadlocks`);
    expect(broken).toBe(0);
    for (const chatId of chatIds) {
      const { messages } = await nodeA.chat.getHistory(chatId, { limit: 100 });
      const seqs = messages.map((m) => m.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: ROUNDS * 2 }, (_, i) => i + 1));
    }
  });
});
