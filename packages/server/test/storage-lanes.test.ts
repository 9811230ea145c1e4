import { randomUUID } from 'node:crypto';
import { describePostgres } from '@mpi/test-kit';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { KyselyStorage } from '../src/storage/kysely-storage.js';
import { openStorage } from '../src/storage/open-storage.js';

const CHATS = 10;

describePostgres('group commit lanes on %s', (db) => {
  let storage: KyselyStorage;
  beforeAll(async () => {
    storage = await openStorage(db.url(), { poolSize: 10 });
  });
  afterAll(async () => {
    await storage?.close();
  });

  it('commits the writes of other chats while one chat waits on a lock', async () => {
    const chatIds: string[] = [];
    for (let i = 0; i < CHATS; i++) chatIds.push((await storage.chat.openDm(`a${i}`, `b${i}`)).id);
    const [blocked, ...others] = chatIds as [string, ...string[]];

    // Another session holds the blocked chat's row lock, as a slow transaction of another node would.
    const holder = new pg.Client({ connectionString: db.url() });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from chats where id = $1 for update', [blocked]);
      const send = (chatId: string) =>
        storage.chat.appendMessage({
          chatId,
          senderId: `a${chatIds.indexOf(chatId)}`,
          clientMessageId: randomUUID(),
          text: 'hi',
        });
      let blockedDone = false;
      const waiting = send(blocked).then((r) => {
        blockedDone = true;
        return r;
      });
      const settled = await Promise.allSettled(
        others.map((chatId) =>
          Promise.race([
            send(chatId),
            new Promise((_, reject) => setTimeout(() => reject(new Error('stuck')), 1500)),
          ]),
        ),
      );
      // With one lane every write would queue behind the blocked chat's batch; with a lane per share of the
      // pool, the chats of the other lanes commit meanwhile (all 9 in the blocked lane: odds of 5^-9).
      const committed = settled.filter((s) => s.status === 'fulfilled').length;
      expect(committed).toBeGreaterThan(0);
      expect(blockedDone).toBe(false);
      await holder.query('commit');
      expect((await waiting).message.seq).toBe(1);
    } finally {
      await holder.end();
    }
  });
});
