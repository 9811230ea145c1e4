import { CLIENT_EVENT_NAMES, type ClientEventName } from '@mpi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, request, startTestServer, type TestClient, type TestServer } from './support/server.js';

let t: TestServer;
let alice: TestClient;
let chatId: string;
beforeAll(async () => {
  t = await startTestServer();
  alice = await t.connect('alice');
  const opened = await request(alice, 'open_dm', { userId: 'bob' });
  if (!opened.ok) throw new Error('open_dm failed');
  chatId = opened.chat.id;
  await request(alice, 'send_message', { chatId, text: 'before', clientMessageId: 'before' });
});
afterAll(async () => {
  await t.stop();
});

/** What a user could observe of the database: their chats, members, and the chat's messages. */
async function observable() {
  const chats = await t.server.storage.chat.listChats('alice');
  const history = await t.server.storage.chat.getHistory(chatId, { limit: 100 });
  const state = await t.server.storage.chat.getChatState(chatId);
  return { chats, history, state, bob: await t.server.storage.chat.listChats('bob') };
}

const badPayloads: unknown[] = [undefined, null, 42, 'text', [], { unexpected: 'x'.repeat(5000) }];

describe.each(CLIENT_EVENT_NAMES.filter((e) => e !== 'ping'))(
  '%s with a bad payload',
  (event: ClientEventName) => {
    it.each(badPayloads.map((p) => [JSON.stringify(p)?.slice(0, 30) ?? 'undefined', p]))(
      'gets socket_validation_error for %s and changes nothing',
      async (_label, payload) => {
        const before = await observable();
        const error = nextEvent(alice, 'socket_validation_error');
        const emit = alice.timeout(3000).emitWithAck as (e: string, p: unknown) => Promise<unknown>;
        const ack = await emit.call(alice.timeout(3000), event, payload);
        expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
        expect(await error).toMatchObject({ code: 'VALIDATION_FAILED', event, issues: expect.any(Array) });
        expect(await observable()).toEqual(before);
      },
    );
  },
);

describe('semantic validation', () => {
  it('refuses group payloads that are well-formed but wrong', async () => {
    const cases = [
      request(alice, 'create_group', { name: '   ', members: ['bob'] }),
      request(alice, 'create_group', { name: 'Dupes', members: ['bob', 'bob'] }),
      request(alice, 'create_group', { name: 'Empty', members: [] }),
      request(alice, 'mark_read', { chatId, upToSeq: -1 }),
      request(alice, 'get_history', { chatId, limit: 1000 }),
      request(alice, 'subscribe', { channels: ['gossip' as never] }),
      request(alice, 'open_dm', { userId: 'alice' }),
    ];
    for (const ack of await Promise.all(cases)) {
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
  });
});
