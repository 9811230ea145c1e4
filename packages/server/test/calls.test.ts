import type { CallInfo } from '@mpi/protocol';
import { forEachDialect } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  collect,
  nextEvent,
  request,
  startTestServer,
  type TestClient,
  type TestServer,
} from './support/server.js';

const ICE = [{ urls: 'stun:stun.example.org:3478' }];
const offer = { kind: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } as const;

forEachDialect('1:1 calls on %s', (db) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      DATABASE_URL: db.url(),
      ICE_SERVERS: JSON.stringify(ICE),
      CALL_RING_SECONDS: '2',
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  async function dm(caller: string, callee: string) {
    const client = await t.connect(caller);
    const opened = await request(client, 'open_dm', { userId: callee });
    if (!opened.ok) throw new Error(opened.error.message);
    return { client, chatId: opened.chat.id };
  }

  async function start(
    client: TestClient,
    chatId: string,
    callId: string,
    media: 'audio' | 'video' = 'video',
  ) {
    const ack = await request(client, 'call_start', { chatId, callId, media });
    if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
    return ack.call;
  }

  it('rings every device of the callee; one answers, the others stop; signals go between the two; hang up is in history', async () => {
    const { client: alice, chatId } = await dm('alice', 'bob');
    const phone = await t.connect('bob', { deviceId: 'bob-phone' });
    const laptop = await t.connect('bob', { deviceId: 'bob-laptop' });
    const rings = [nextEvent(phone, 'call_incoming'), nextEvent(laptop, 'call_incoming')];
    const call = await start(alice, chatId, 'call-1');
    expect(call).toMatchObject<Partial<CallInfo>>({
      chatId,
      callerId: 'alice',
      calleeId: 'bob',
      media: 'video',
      status: 'ringing',
    });
    for (const ring of await Promise.all(rings)) expect(ring).toEqual({ call, iceServers: ICE });

    const accepted = nextEvent(alice, 'call_accepted');
    const stopped = nextEvent(phone, 'call_ended');
    const answer = await request(laptop, 'call_accept', { callId: 'call-1' });
    expect(answer).toMatchObject({ ok: true, call: { status: 'active' }, iceServers: ICE });
    expect((await accepted).call.status).toBe('active');
    expect(await stopped).toEqual({ callId: 'call-1', reason: 'answered_elsewhere' });
    // Answered once: the phone is too late.
    expect(await request(phone, 'call_accept', { callId: 'call-1' })).toMatchObject({
      ok: false,
      error: { code: 'CALL_NOT_FOUND' },
    });

    const atLaptop = nextEvent(laptop, 'call_signal');
    const phoneSignals = collect(phone, 'call_signal');
    expect(await request(alice, 'call_signal', { callId: 'call-1', signal: offer })).toEqual({ ok: true });
    expect(await atLaptop).toEqual({ callId: 'call-1', signal: offer });
    const atAlice = nextEvent(alice, 'call_signal');
    const candidate = {
      kind: 'candidate',
      candidate: {
        candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host',
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    } as const;
    await request(laptop, 'call_signal', { callId: 'call-1', signal: candidate });
    expect((await atAlice).signal).toEqual(candidate);
    // The device that did not answer is not in the call.
    expect(await request(phone, 'call_signal', { callId: 'call-1', signal: offer })).toMatchObject({
      ok: false,
      error: { code: 'CALL_NOT_FOUND' },
    });
    expect(phoneSignals).toEqual([]);

    const ended = [nextEvent(alice, 'call_ended'), nextEvent(laptop, 'call_ended')];
    const history = nextEvent(laptop, 'receive_message');
    expect(await request(alice, 'call_hangup', { callId: 'call-1' })).toEqual({ ok: true });
    for (const event of await Promise.all(ended))
      expect(event).toEqual({ callId: 'call-1', reason: 'hangup' });
    const entry = await history;
    expect(entry).toMatchObject({
      chatId,
      senderId: 'alice',
      text: '',
      call: { callId: 'call-1', media: 'video', outcome: 'completed' },
    });
    expect(entry.call?.durationMs).toBeGreaterThanOrEqual(0);
    const page = await request(laptop, 'get_history', { chatId, limit: 10 });
    expect(page.ok && page.messages.map((m) => m.call?.outcome)).toEqual(['completed']);
    // Over: nothing more goes through it.
    expect(await request(alice, 'call_hangup', { callId: 'call-1' })).toMatchObject({
      ok: false,
      error: { code: 'CALL_NOT_FOUND' },
    });
  });

  it('a declined call ends on every device and is in history as declined', async () => {
    const { client: carol, chatId } = await dm('carol', 'dave');
    const dave = await t.connect('dave');
    const daveTablet = await t.connect('dave', { deviceId: 'dave-tablet' });
    const ring = nextEvent(dave, 'call_incoming');
    await start(carol, chatId, 'call-2', 'audio');
    await ring;
    const ended = [nextEvent(carol, 'call_ended'), nextEvent(daveTablet, 'call_ended')];
    expect(await request(dave, 'call_decline', { callId: 'call-2' })).toEqual({ ok: true });
    for (const event of await Promise.all(ended))
      expect(event).toEqual({ callId: 'call-2', reason: 'declined' });
    const page = await request(carol, 'get_history', { chatId, limit: 10 });
    expect(page.ok && page.messages[0]?.call).toEqual({
      callId: 'call-2',
      media: 'audio',
      outcome: 'declined',
    });
    // The caller cannot decline for the callee.
    await start(carol, chatId, 'call-2b', 'audio');
    expect(await request(carol, 'call_decline', { callId: 'call-2b' })).toMatchObject({
      ok: false,
      error: { code: 'CALL_NOT_FOUND' },
    });
    await request(carol, 'call_hangup', { callId: 'call-2b' });
  });

  it('an unanswered call stops ringing after CALL_RING_SECONDS and is a missed call', async () => {
    const { client: erin, chatId } = await dm('erin', 'frank');
    const frank = await t.connect('frank');
    const ended = nextEvent(frank, 'call_ended', 6000);
    await start(erin, chatId, 'call-3');
    expect(await ended).toEqual({ callId: 'call-3', reason: 'timeout' });
    const page = await request(frank, 'get_history', { chatId, limit: 10 });
    expect(page.ok && page.messages[0]?.call).toEqual({
      callId: 'call-3',
      media: 'video',
      outcome: 'missed',
    });
    expect(await request(frank, 'call_accept', { callId: 'call-3' })).toMatchObject({
      ok: false,
      error: { code: 'CALL_NOT_FOUND' },
    });
  });

  it('is busy while either side is in a call; ends when a party disconnects', async () => {
    const { client: gina, chatId } = await dm('gina', 'hugo');
    const hugo = await t.connect('hugo');
    const { client: ivan, chatId: ivanHugo } = await dm('ivan', 'hugo');
    const { chatId: ginaIvan } = await dm('gina', 'ivan');
    await start(gina, chatId, 'call-4');
    await request(hugo, 'call_accept', { callId: 'call-4' });
    expect(
      await request(ivan, 'call_start', { chatId: ivanHugo, callId: 'call-5', media: 'audio' }),
    ).toMatchObject({ ok: false, error: { code: 'CALL_BUSY' } });
    expect(
      await request(gina, 'call_start', { chatId: ginaIvan, callId: 'call-6', media: 'audio' }),
    ).toMatchObject({ ok: false, error: { code: 'CALL_BUSY' } });

    const ended = nextEvent(hugo, 'call_ended');
    gina.disconnect();
    expect(await ended).toEqual({ callId: 'call-4', reason: 'disconnected' });
    // Free again.
    expect((await start(ivan, ivanHugo, 'call-7', 'audio')).status).toBe('ringing');
    await request(ivan, 'call_hangup', { callId: 'call-7' });
  });

  it('refuses outsiders, groups, reused ids and malformed signals, changing nothing', async () => {
    const { client: jade, chatId } = await dm('jade', 'kim');
    const mallory = await t.connect('mallory');
    expect(await request(mallory, 'call_start', { chatId, callId: 'call-8', media: 'audio' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_A_MEMBER' },
    });
    const group = await request(jade, 'create_group', { name: 'Team', members: ['kim', 'leo'] });
    if (!group.ok) throw new Error(group.error.message);
    expect(
      await request(jade, 'call_start', { chatId: group.chat.id, callId: 'call-9', media: 'audio' }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    await start(jade, chatId, 'call-10');
    expect(await request(mallory, 'call_hangup', { callId: 'call-10' })).toMatchObject({
      ok: false,
      error: { code: 'CALL_NOT_FOUND' },
    });
    expect(
      await request(jade, 'call_signal', {
        callId: 'call-10',
        signal: { kind: 'offer', sdp: 'x'.repeat(20_001) },
      }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(
      await request(jade, 'call_signal', {
        callId: 'call-10',
        signal: { kind: 'script', sdp: 'x' } as never,
      }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    await request(jade, 'call_hangup', { callId: 'call-10' });
    expect(await request(jade, 'call_start', { chatId, callId: 'call-10', media: 'audio' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
    // A call hung up before it was answered is a missed call for the callee.
    const page = await request(jade, 'get_history', { chatId, limit: 10 });
    expect(page.ok && page.messages.map((m) => m.call?.outcome)).toEqual(['missed']);
  });
});
