import { afterEach, describe, expect, it } from 'vitest';
import type { ContentFilter } from '../src/content-filter.js';
import { nextEvent, request, startTestServer, type TestServer } from './support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function dm(server: TestServer) {
  const alice = await server.connect('alice');
  const bob = await server.connect('bob');
  const opened = await request(alice, 'open_dm', { userId: 'bob' });
  if (!opened.ok) throw new Error('open_dm failed');
  return { alice, bob, chatId: opened.chat.id };
}

const history = async (server: TestServer, chatId: string) =>
  (await server.server.storage.chat.getHistory(chatId, { limit: 100 })).messages.map((m) => m.text);

describe('the content filter', () => {
  it('refuses a blocklisted word with CONTENT_REJECTED and its reason, storing nothing', async () => {
    t = await startTestServer({ CONTENT_BLOCKLIST: 'spoiler, Badword' });
    const { alice, chatId } = await dm(t);
    const error = nextEvent(alice, 'socket_error');
    const ack = await request(alice, 'send_message', {
      chatId,
      text: 'a BADWORD here',
      clientMessageId: 'c1',
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'CONTENT_REJECTED', reason: 'blocklist' } });
    expect(await error).toMatchObject({ code: 'CONTENT_REJECTED', event: 'send_message' });
    // Whole words only: "spoilers" and "badwords" are other words.
    const fine = await request(alice, 'send_message', { chatId, text: 'no spoilers', clientMessageId: 'c2' });
    expect(fine.ok).toBe(true);
    const group = await request(alice, 'create_group', { name: 'Spoiler club', members: ['bob'] });
    expect(group).toMatchObject({ ok: false, error: { code: 'CONTENT_REJECTED' } });
    expect(await history(t, chatId)).toEqual(['no spoilers']);
  });

  it('masks instead with CONTENT_FILTER_ACTION=mask, for the sender and the recipient alike', async () => {
    t = await startTestServer({ CONTENT_BLOCKLIST: 'badword', CONTENT_FILTER_ACTION: 'mask' });
    const { alice, bob, chatId } = await dm(t);
    const received = nextEvent(bob, 'receive_message');
    const ack = await request(alice, 'send_message', { chatId, text: 'a badword!', clientMessageId: 'c1' });
    expect(ack).toMatchObject({ ok: true, message: { text: 'a *******!' } });
    expect((await received).text).toBe('a *******!');
    expect(await history(t, chatId)).toEqual(['a *******!']);
  });

  it('is a hook: a filter given to createServer decides, with its own reason code', async () => {
    const seen: string[] = [];
    const contentFilter: ContentFilter = (text, context) => {
      seen.push(`${context.field}:${context.userId}`);
      return text.includes('http://') ? { action: 'reject', reason: 'links' } : { action: 'allow' };
    };
    t = await startTestServer({}, { contentFilter });
    const { alice, chatId } = await dm(t);
    const ack = await request(alice, 'send_message', {
      chatId,
      text: 'see http://x.example',
      clientMessageId: 'c1',
    });
    expect(ack).toMatchObject({ ok: false, error: { code: 'CONTENT_REJECTED', reason: 'links' } });
    expect(seen).toEqual(['message:alice']);
  });
});

describe('text rules of the contract', () => {
  it('refuses control and bidirectional-override characters and stores text in NFC', async () => {
    t = await startTestServer();
    const { alice, chatId } = await dm(t);
    const refused: string[] = [];
    for (const text of [
      'evil \u202E gnp.exe',
      'isolate \u2066x\u2069',
      'bell \u0007',
      'nul \u0000',
      'c1 \u0085',
    ]) {
      const ack = await request(alice, 'send_message', {
        chatId,
        text,
        clientMessageId: `bad-${refused.length}`,
      });
      refused.push(ack.ok ? 'accepted' : ack.error.code);
    }
    expect(refused).toEqual(Array(5).fill('VALIDATION_FAILED'));
    const name = await request(alice, 'create_group', { name: 'two\nlines', members: ['bob'] });
    expect(name).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    const decomposed = 'Cafe\u0301\nline two\tand a tab';
    const ack = await request(alice, 'send_message', { chatId, text: decomposed, clientMessageId: 'nfc' });
    expect(ack).toMatchObject({ ok: true, message: { text: decomposed.normalize('NFC') } });
    expect(await history(t, chatId)).toEqual(['Caf\u00e9\nline two\tand a tab']);
  });
});
