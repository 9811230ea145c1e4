import { forEachDialect } from '@mpi/test-kit';
import { describe, expect, it } from 'vitest';
import { request, startTestServer } from './support/server.js';

async function historySurvivesRestart(databaseUrl: string) {
  const first = await startTestServer({ DATABASE_URL: databaseUrl });
  const alice = await first.connect('alice');
  const opened = await request(alice, 'open_dm', { userId: 'bob' });
  if (!opened.ok) throw new Error(opened.error.message);
  const sent = [];
  for (const text of ['first', 'second', 'third']) {
    const ack = await request(alice, 'send_message', { chatId: opened.chat.id, text, clientMessageId: text });
    if (!ack.ok) throw new Error(ack.error.message);
    sent.push(ack.message);
  }
  await first.stop({ keepData: true });

  const second = await startTestServer({ DATABASE_URL: databaseUrl });
  try {
    const bob = await second.connect('bob');
    const reopened = await request(bob, 'open_dm', { userId: 'alice' });
    if (!reopened.ok) throw new Error(reopened.error.message);
    expect(reopened.chat.id).toBe(opened.chat.id);
    const page = await request(bob, 'get_history', { chatId: opened.chat.id, limit: 10 });
    if (!page.ok) throw new Error(page.error.message);
    expect(page.messages).toEqual([...sent].reverse());
    const next = await request(bob, 'send_message', {
      chatId: opened.chat.id,
      text: 'fourth',
      clientMessageId: 'b-4',
    });
    expect(next).toMatchObject({ ok: true, message: { seq: 4 } });
  } finally {
    await second.stop();
  }
}

describe('messages survive a server restart', () => {
  forEachDialect('on %s', (db) => {
    it('keeps the history, the chat and the next seq', async () => {
      await historySurvivesRestart(db.url());
    });
  });
});
