import { ConnectionState, type SocketService } from '@mpi/client';
import { Cleanup, sleep, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import type { RealtimeSocket } from '../../packages/server/src/realtime/types.js';
import { NetworkNamespace, probeNetworkNamespaces } from '../support/network-namespace.js';
import { RemoteSdk } from '../support/remote-sdk.js';
import { online, range, sdk, startTestServer } from './helpers.js';

/*
 * A client behind a real bad network: its own network namespace, joined to the host by a veth pair, with
 * tc netem (delay, jitter, loss) or a blackhole (the link down: packets vanish, nobody sends FIN or RST).
 * The client there is the real SDK with its default options in a process of its own (RemoteSdk); the
 * others are SDK clients on the host. The server listens on 0.0.0.0.
 */
const support = await probeNetworkNamespaces();
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Small heartbeats, so that a dead connection is found within 2 s (defaults: 25 s + 20 s). */
const PING_INTERVAL_MS = 1000;
const PING_TIMEOUT_MS = 1000;
const DETECTION_BOUND_MS = PING_INTERVAL_MS + PING_TIMEOUT_MS;
/**
 * Timers and event loops of a loaded 2-core machine, on top of the bound; the sum stays below the 5 s after
 * which a typing indicator expires by itself, so a cleared one was cleared by the disconnect.
 */
const SLACK_MS = 1500;

async function start(env: Record<string, string> = {}) {
  const srv = cleanup.add(await startTestServer({ HOST: '0.0.0.0', ...env }), (s) => s.stop());
  const port = new URL(srv.url).port;
  const ns = cleanup.add(await NetworkNamespace.create(), (n) => n.remove());
  const nina = cleanup.add(
    await RemoteSdk.start(ns, `http://${ns.hostAddress}:${port}`, await srv.token('nina')),
    (remote) => remote.stop(),
  );
  const setup = await nina.call('setupUser', 'nina');
  if (!setup.ok) throw new Error(setup.error.message);
  const host = (userId: string) => sdk(cleanup, `http://127.0.0.1:${port}`, srv.token, userId);
  return { srv, ns, nina, host };
}

/** Every message once, in gapless seqs 1..n, with the expected texts. */
function expectExactlyOnce(
  messages: readonly { id: string | null; seq: number | null; text: string }[],
  texts: string[],
) {
  expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
  expect(messages.map((m) => m.seq)).toEqual(range(texts.length));
  expect(messages.map((m) => m.text).sort()).toEqual([...texts].sort());
}

async function held(service: SocketService | RemoteSdk, chatId: string) {
  const snapshot =
    service instanceof RemoteSdk
      ? await service.call('snapshot', chatId)
      : service.chats.getChatSnapshot(chatId);
  return snapshot.messages;
}

/** Polls an asynchronous probe (a call into the remote SDK) every 50 ms. */
async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Once `service` holds `count` sent messages of the chat: its messages. */
async function holdsAll(service: SocketService | RemoteSdk, chatId: string, count: number, who: string) {
  const sent = async () => (await held(service, chatId)).filter((m) => m.seq !== null).length >= count;
  await until(sent, 20_000, `${who} holding ${count} messages`);
  return held(service, chatId);
}

describe.skipIf(!support.namespaces)('a client whose network goes away (blackhole)', () => {
  it('is dropped by the server within pingInterval + pingTimeout, notices it itself, and heals once', async () => {
    const { srv, ns, nina, host } = await start({
      SOCKET_PING_INTERVAL_MS: String(PING_INTERVAL_MS),
      SOCKET_PING_TIMEOUT_MS: String(PING_TIMEOUT_MS),
    });
    const alice = host('alice');
    await online(alice, 'alice');
    const dm = await alice.openDm('nina');
    if (!dm.ok) throw new Error(dm.error.message);
    const chatId = dm.chat.id;
    await alice.joinChat(chatId);
    const presence: string[] = [];
    alice.on('user_joined', ({ userId }) => presence.push(`joined ${userId}`));
    alice.on('user_left', ({ userId }) => presence.push(`left ${userId}`));
    const typing: boolean[] = [];
    alice.on('typing_update', ({ userId, isTyping }) => userId === 'nina' && typing.push(isTyping));
    expect((await nina.call('joinChat', chatId)).ok).toBe(true);
    await waitFor(() => presence.includes('joined nina'), 5000, 'nina present');

    // Both ways work before the fault.
    expect((await alice.sendMessage(chatId, 'alice before')).ok).toBe(true);
    expect((await nina.call('sendMessage', chatId, 'nina before', 'nina-before')).ok).toBe(true);
    await holdsAll(nina, chatId, 2, 'nina');
    await nina.call('startTyping', chatId);
    await waitFor(() => typing.includes(true), 5000, 'nina typing');

    const closed: Array<{ reason: string; at: number }> = [];
    for (const socket of srv.server.io.of('/').sockets.values() as Iterable<RealtimeSocket>) {
      if (socket.data.userId === 'nina')
        socket.once('disconnect', (reason) => closed.push({ reason, at: Date.now() }));
    }
    presence.length = 0;
    await ns.blackhole();
    const cutAt = Date.now();

    // Sent into the void before nina notices: they wait in her outbox for their acks.
    const ninaSends = range(3).map((i) =>
      nina.call('sendMessage', chatId, `nina dark ${i}`, `nina-dark-${i}`),
    );
    const aliceTexts = range(5).map((i) => `alice dark ${i}`);
    for (const text of aliceTexts) expect((await alice.sendMessage(chatId, text)).ok).toBe(true);

    await waitFor(() => presence.includes('left nina') && typing.at(-1) === false, 10_000, 'nina cleared');
    const clearedMs = Date.now() - cutAt;
    expect(closed).toMatchObject([{ reason: 'ping timeout' }]);
    const serverMs = (closed[0]?.at ?? 0) - cutAt;
    expect(serverMs).toBeLessThanOrEqual(DETECTION_BOUND_MS + SLACK_MS);
    expect(clearedMs).toBeLessThanOrEqual(DETECTION_BOUND_MS + SLACK_MS);
    expect(typing).toEqual([true, false]);

    await waitFor(
      () => nina.stateSince(ConnectionState.RECONNECTING, cutAt) !== undefined,
      10_000,
      'nina notices',
    );
    const noticed = nina.stateSince(ConnectionState.RECONNECTING, cutAt);
    const clientMs = (noticed?.at ?? 0) - cutAt;
    expect(noticed?.reason).toBe('ping timeout');
    expect(clientMs).toBeLessThanOrEqual(DETECTION_BOUND_MS + SLACK_MS);

    // Queued while she knows she is offline.
    ninaSends.push(
      ...range(2).map((i) => nina.call('sendMessage', chatId, `nina queued ${i}`, `nina-queued-${i}`)),
    );
    await until(async () => (await nina.call('outbox')).length === 5, 5000, 'five in her outbox');
    expect((await nina.call('outbox')).map((entry) => entry.status)).toEqual(range(5).map(() => 'pending'));

    // Nothing crossed the link: the dark sends reached nobody.
    expect(alice.chats.getChatSnapshot(chatId).messages.map((m) => m.text)).not.toContain('nina dark 1');
    await ns.heal();
    const healedAt = Date.now();
    const acks = await Promise.all(ninaSends);
    expect(acks.every((ack) => ack.ok)).toBe(true);
    await waitFor(
      () => nina.stateSince(ConnectionState.CONNECTED, healedAt) !== undefined,
      20_000,
      'nina back',
    );
    const reconnectMs = (nina.stateSince(ConnectionState.CONNECTED, healedAt)?.at ?? 0) - healedAt;
    await waitFor(() => presence.includes('joined nina'), 5000, 'nina present again');

    const ninaTexts = [
      'nina before',
      ...range(3).map((i) => `nina dark ${i}`),
      ...range(2).map((i) => `nina queued ${i}`),
    ];
    const all = ['alice before', ...aliceTexts, ...ninaTexts];
    expectExactlyOnce(await holdsAll(nina, chatId, all.length, 'nina'), all);
    expectExactlyOnce(await holdsAll(alice, chatId, all.length, 'alice'), all);
    expect(await nina.call('outbox')).toEqual([]);
    const history = await alice.getHistory(chatId, { limit: 100 });
    expect(history.ok && history.messages.length).toBe(all.length);
    console.info(
      `blackhole (ping ${PING_INTERVAL_MS} + ${PING_TIMEOUT_MS} ms): server closed it after ${serverMs} ms, ` +
        `alice saw user_left and typing cleared after ${clearedMs} ms, the SDK reconnecting after ${clientMs} ms; ` +
        `connected again ${reconnectMs} ms after the link returned`,
    );
  });
});

describe.skipIf(!support.netem)('a client on a slow, lossy link (netem)', () => {
  it('every acknowledged message arrives exactly once on every side, seqs gapless, in a DM and a group', async () => {
    // The default heartbeats: a slow link is not a dead one.
    const { ns, nina, host } = await start();
    const alice = host('alice');
    const carol = host('carol');
    await Promise.all([online(alice, 'alice'), online(carol, 'carol')]);
    const dm = await alice.openDm('nina');
    const group = await alice.createGroup('netem', ['nina', 'carol']);
    if (!dm.ok || !group.ok) throw new Error('chats not created');
    const [dmId, groupId] = [dm.chat.id, group.chat.id];
    await ns.impair({ delayMs: 150, jitterMs: 50, lossPercent: 7 });

    const texts = { dm: [] as string[], group: [] as string[] };
    const sends: Array<Promise<{ ok: boolean }>> = [];
    for (const i of range(10)) {
      sends.push(nina.call('sendMessage', dmId, `nina dm ${i}`, `nina-dm-${i}`));
      sends.push(nina.call('sendMessage', groupId, `nina group ${i}`, `nina-group-${i}`));
      sends.push(alice.sendMessage(dmId, `alice dm ${i}`));
      sends.push(alice.sendMessage(groupId, `alice group ${i}`));
      sends.push(carol.sendMessage(groupId, `carol group ${i}`));
      texts.dm.push(`nina dm ${i}`, `alice dm ${i}`);
      texts.group.push(`nina group ${i}`, `alice group ${i}`, `carol group ${i}`);
      // Half-way the link changes: faster, but lossier.
      if (i === 5) await ns.impair({ delayMs: 80, jitterMs: 20, lossPercent: 10 });
      await sleep(50);
    }
    const acks = await Promise.all(sends);
    await ns.clearImpairment();
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);

    expectExactlyOnce(await holdsAll(nina, dmId, 20, 'nina'), texts.dm);
    expectExactlyOnce(await holdsAll(alice, dmId, 20, 'alice'), texts.dm);
    for (const [who, member] of [
      ['nina', nina],
      ['alice', alice],
      ['carol', carol],
    ] as const) {
      expectExactlyOnce(await holdsAll(member, groupId, 30, who), texts.group);
    }
    expect(await nina.call('outbox')).toEqual([]);
    const status = await nina.call('status');
    console.info(
      `netem 150 ± 50 ms and 7 % loss, then 80 ± 20 ms and 10 %, each way: 50 sends acknowledged, every side holds every message once ` +
        `(nina ${status.state}, ${nina.states.filter((change) => change.state === ConnectionState.RECONNECTING).length} reconnects)`,
    );
  });
});
