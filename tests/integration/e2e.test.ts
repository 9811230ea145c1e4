import { type ChatMessage, MemoryDeviceKeyStore, type SocketService } from '@mpi/client';
import { E2E_LIMITS, type MessageData } from '@mpi/protocol';
import { Cleanup, forEachDialect, sleep, waitFor } from '@mpi/test-kit';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { databaseDump, publishedDevices } from '../../packages/server/test/support/inspect.js';
import { capturingLogger, request, type TestServer } from '../../packages/server/test/support/server.js';
import { type ClientOptions, online, sdk, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** The chat's messages in the store, once `count` of them are there. */
async function messagesOf(service: SocketService, chatId: string, count: number): Promise<ChatMessage[]> {
  await waitFor(
    () => service.chats.getChatSnapshot(chatId).messages.filter((m) => m.seq !== null).length >= count,
    5000,
    `${count} messages in ${chatId}`,
  );
  return [...service.chats.getChatSnapshot(chatId).messages];
}

forEachDialect('end-to-end encrypted chats on %s', (db) => {
  let srv: TestServer;
  // Everything the server logs, at every level, to search for plaintext.
  const { logger, lines: logLines } = capturingLogger();
  beforeAll(async () => {
    srv = await startTestServer({ DATABASE_URL: db.url() }, { logger });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  /** Online, and its device key published (the SDK does so once the connection is ready). */
  const user = async (userId: string, deviceId = `${userId}-device`, options: ClientOptions = {}) => {
    const service = sdk(cleanup, srv.url, srv.token, userId, { deviceId, ...options });
    await online(service, userId);
    await published(userId, deviceId);
    return service;
  };

  /** Waits (bounded) until the server holds the device's key. */
  async function published(userId: string, deviceId: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await publishedDevices(srv.server.storage, userId)).includes(deviceId)) return;
      await sleep(20);
    }
    throw new Error(`${deviceId} published no key`);
  }

  /** An encrypted DM between two fresh users, both online with their chat list loaded. */
  async function encryptedDm(a: string, b: string) {
    const [alice, bob] = [await user(a), await user(b)];
    const opened = await alice.openDm(b, { encrypted: true });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.chat.encrypted).toBe(true);
    await bob.chats.loadChats();
    return { alice, bob, chatId: opened.chat.id };
  }

  it('delivers readable text while the database and the server logs hold only ciphertext', async () => {
    const { alice, bob, chatId } = await encryptedDm('ann', 'ben');
    const marker = `MARKER-${crypto.randomUUID()}`;
    const sent = await alice.sendMessage(chatId, `the secret is ${marker}`);
    expect(sent).toMatchObject({ ok: true, message: { text: '', envelope: { v: 1 } } });
    const [received] = await messagesOf(bob, chatId, 1);
    expect(received).toMatchObject({
      text: `the secret is ${marker}`,
      encryption: 'decrypted',
      senderId: 'ann',
    });
    const [own] = await messagesOf(alice, chatId, 1);
    expect(own).toMatchObject({ text: `the secret is ${marker}`, encryption: 'decrypted', own: true });

    // The chat is flagged everywhere the client learns about chats.
    expect(bob.chats.getChatListSnapshot()).toContainEqual(
      expect.objectContaining({ id: chatId, encrypted: true }),
    );
    const plain = await alice.openDm('ben');
    expect(plain.ok && plain.chat.encrypted === false && plain.chat.id !== chatId).toBe(true);

    const dump = await databaseDump(srv.server.storage);
    expect(dump).toContain(chatId); // the dump does hold the chat…
    expect(dump).not.toContain(marker); // …but not the text
    expect(dump).not.toContain('the secret is');
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(marker);
  });

  it('refuses plaintext to an encrypted chat, and an envelope to a plain one, storing nothing', async () => {
    const { alice, chatId } = await encryptedDm('cat', 'dan');
    const raw = await srv.connect('cat', { deviceId: 'cat-device' });
    const plaintext = await request(raw, 'send_message', { chatId, text: 'in clear', clientMessageId: 'p1' });
    expect(plaintext).toMatchObject({ ok: false, error: { code: 'ENCRYPTION_REQUIRED' } });

    const sent = await alice.sendMessage(chatId, 'sealed');
    if (!sent.ok || !sent.message.envelope) throw new Error('send failed');
    const plainDm = await request(raw, 'open_dm', { userId: 'dan' });
    if (!plainDm.ok) throw new Error('open_dm failed');
    const misplaced = await request(raw, 'send_message', {
      chatId: plainDm.chat.id,
      envelope: sent.message.envelope,
      clientMessageId: 'p2',
    });
    expect(misplaced).toMatchObject({ ok: false, error: { code: 'NOT_ENCRYPTED' } });
    // An envelope for only some of the devices (here: none but the sender's) is refused too.
    const partial = await request(raw, 'send_message', {
      chatId,
      envelope: {
        ...sent.message.envelope,
        keys: sent.message.envelope.keys.filter((k) => k.userId === 'cat'),
      },
      clientMessageId: 'p3',
    });
    expect(partial).toMatchObject({ ok: false, error: { code: 'DEVICE_KEYS_CHANGED' } });

    const history = await srv.server.storage.chat.getHistory(chatId, { limit: 10 });
    expect(history.messages.map((m) => m.clientMessageId)).toEqual([sent.message.clientMessageId]);
    const plainHistory = await srv.server.storage.chat.getHistory(plainDm.chat.id, { limit: 10 });
    expect(plainHistory.messages).toEqual([]);
  });

  it('refuses a plaintext edit; a deletion drops the ciphertext; a reaction keeps the text readable', async () => {
    const { alice, bob, chatId } = await encryptedDm('eli', 'fay');
    const marker = `MARKER-${crypto.randomUUID()}`;
    const sent = await alice.sendMessage(chatId, `keep ${marker}`);
    const doomed = await alice.sendMessage(chatId, 'delete me');
    if (!sent.ok || !doomed.ok) throw new Error('send failed');
    await messagesOf(bob, chatId, 2);

    // An edit would put plaintext on the server: refused, and the stored envelope is untouched.
    const edit = await alice.editMessage(chatId, sent.message.id, 'in clear');
    expect(edit).toMatchObject({ ok: false, error: { code: 'ENCRYPTION_REQUIRED' } });
    expect(await databaseDump(srv.server.storage)).not.toContain('in clear');

    // A reaction travels as a change of the (still encrypted) message: the recipient keeps its plaintext.
    const reacted = await alice.reactToMessage(chatId, sent.message.id, '👍');
    expect(reacted.ok).toBe(true);
    await waitFor(
      () =>
        bob.chats.getChatSnapshot(chatId).messages.find((m) => m.id === sent.message.id)?.reactions.length ===
        1,
      5000,
      'the reaction at the recipient',
    );
    expect(bob.chats.getChatSnapshot(chatId).messages.find((m) => m.id === sent.message.id)).toMatchObject({
      text: `keep ${marker}`,
      encryption: 'decrypted',
    });

    // A deletion is a tombstone without the envelope, stored and delivered.
    const deleted = await alice.deleteMessage(chatId, doomed.message.id);
    expect(deleted).toMatchObject({ ok: true, message: { text: '' } });
    expect(deleted.ok && deleted.message.envelope).toBeFalsy();
    const history = await srv.server.storage.chat.getHistory(chatId, { limit: 10 });
    const tombstone = history.messages.find((m) => m.id === doomed.message.id);
    expect(tombstone?.deletedAt).toBeDefined();
    expect(tombstone?.envelope).toBeUndefined();
    await waitFor(
      () =>
        bob.chats.getChatSnapshot(chatId).messages.find((m) => m.id === doomed.message.id)?.deletedAt != null,
      5000,
      'the tombstone at the recipient',
    );
  });

  it('the recipient rejects a tampered envelope, a replayed one and one copied from another chat', async () => {
    const { alice, bob, chatId } = await encryptedDm('eva', 'finn');
    const group = await alice.createGroup('sealed', ['finn'], { encrypted: true });
    if (!group.ok) throw new Error(group.error.message);
    await bob.chats.loadChats();
    const sent = await alice.sendMessage(chatId, 'original');
    if (!sent.ok || !sent.message.envelope) throw new Error('send failed');
    await messagesOf(bob, chatId, 1);

    // What a compromised server could send: the stored envelope, altered, again, or in another chat.
    const original: MessageData = sent.message;
    const envelope = sent.message.envelope;
    const flipped = envelope.ciphertext.startsWith('A')
      ? `B${envelope.ciphertext.slice(1)}`
      : `A${envelope.ciphertext.slice(1)}`;
    const forged: MessageData[] = [
      { ...original, id: 'forged-tampered', clientMessageId: 'other-id', seq: 2, envelope: { ...envelope } },
      { ...original, id: 'forged-tampered-2', seq: 3, envelope: { ...envelope, ciphertext: flipped } },
      { ...original, id: 'forged-replayed', seq: 4 },
      { ...original, id: 'forged-moved', chatId: group.chat.id, seq: 1 },
    ];
    for (const message of forged) srv.server.io.to('user:finn').emit('receive_message', message);

    const inDm = await messagesOf(bob, chatId, 4);
    expect(inDm.map((m) => [m.id, m.encryption, m.undecryptable ?? null, m.text])).toEqual([
      [original.id, 'decrypted', null, 'original'],
      ['forged-tampered', 'undecryptable', 'tampered', ''],
      ['forged-tampered-2', 'undecryptable', 'tampered', ''],
      ['forged-replayed', 'undecryptable', 'replayed', ''],
    ]);
    const [moved] = await messagesOf(bob, group.chat.id, 1);
    expect(moved).toMatchObject({
      id: 'forged-moved',
      encryption: 'undecryptable',
      undecryptable: 'tampered',
    });
    // The same message delivered twice (live and in a catch-up) is no replay.
    srv.server.io.to('user:finn').emit('queued_messages', [original]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bob.chats.getChatSnapshot(chatId).messages[0]).toMatchObject({ encryption: 'decrypted' });
  });

  it('a new device cannot read what was sent before its key, and reads what comes after', async () => {
    const { alice, bob, chatId } = await encryptedDm('gus', 'hal');
    expect((await alice.sendMessage(chatId, 'before the tablet')).ok).toBe(true);
    await messagesOf(bob, chatId, 1);

    const tablet = await user('hal', 'hal-tablet');
    await tablet.getHistory(chatId);
    const [old] = await messagesOf(tablet, chatId, 1);
    expect(old).toMatchObject({
      text: '',
      encryption: 'undecryptable',
      undecryptable: 'not-for-this-device',
    });

    // Alice's cached keys lack the tablet: the server refuses, her SDK fetches the keys and encrypts again.
    const after = await alice.sendMessage(chatId, 'after the tablet');
    expect(after.ok && after.message.envelope?.keys.map((k) => k.deviceId).sort()).toEqual([
      'gus-device',
      'hal-device',
      'hal-tablet',
    ]);
    const onTablet = await messagesOf(tablet, chatId, 2);
    expect(onTablet[1]).toMatchObject({ text: 'after the tablet', encryption: 'decrypted' });
    expect((await messagesOf(bob, chatId, 2))[1]).toMatchObject({ text: 'after the tablet' });
  });

  it('a removed member is no longer wrapped for: nothing new is readable on their devices', async () => {
    const [ida, jon, kim] = [await user('ida'), await user('jon'), await user('kim')];
    const group = await ida.createGroup('club', ['jon', 'kim'], { encrypted: true });
    if (!group.ok) throw new Error(group.error.message);
    const chatId = group.chat.id;
    await Promise.all([jon.chats.loadChats(), kim.chats.loadChats()]);
    expect((await ida.sendMessage(chatId, 'all three')).ok).toBe(true);
    expect((await messagesOf(kim, chatId, 1))[0]).toMatchObject({
      text: 'all three',
      encryption: 'decrypted',
    });

    expect((await ida.removeMember(chatId, 'kim')).ok).toBe(true);
    const after = await ida.sendMessage(chatId, 'without kim');
    if (!after.ok) throw new Error(after.error.message);
    expect(after.message.envelope?.keys.map((k) => k.userId).sort()).toEqual(['ida', 'jon']);
    expect((await messagesOf(jon, chatId, 2))[1]).toMatchObject({ text: 'without kim' });
    // Even handed the envelope (by a server that leaks it), kim's device finds no key for itself.
    srv.server.io.to('user:kim').emit('receive_message', after.message);
    // (Her store dropped the chat's messages when she was removed: the leaked one is all it holds.)
    const onKim = await messagesOf(kim, chatId, 1);
    expect(onKim.find((m) => m.id === after.message.id)).toMatchObject({
      text: '',
      encryption: 'undecryptable',
      undecryptable: 'not-for-this-device',
    });
  });

  it('a device whose key the server dropped (for newer devices) publishes it again when it sends', async () => {
    const { alice, bob, chatId } = await encryptedDm('nia', 'oli');
    // Ten newer devices of nia's push her first device's key out of the server's ten.
    for (let i = 0; i < E2E_LIMITS.maxDevicesPerUser; i++) {
      const other = await user('nia', `nia-extra-${i}`);
      other.disconnect();
      await sleep(2); // distinct publication times
    }
    expect(await publishedDevices(srv.server.storage, 'nia')).not.toContain('nia-device');
    const sent = await alice.sendMessage(chatId, 'still here');
    expect(sent).toMatchObject({ ok: true });
    expect(await publishedDevices(srv.server.storage, 'nia')).toContain('nia-device');
    expect((await messagesOf(bob, chatId, 1))[0]).toMatchObject({
      text: 'still here',
      encryption: 'decrypted',
    });
  });

  it("a sender device's new key under the same id: its earlier messages no longer verify", async () => {
    const bobKeys = new MemoryDeviceKeyStore(); // bob's device keeps its key across the two services below
    const alice = await user('pam');
    const bob = await user('quin', 'quin-device', { deviceKeyStore: bobKeys });
    const opened = await alice.openDm('quin', { encrypted: true });
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const keyOfPam = async () =>
      (await srv.server.storage.chat.chatDeviceKeys(chatId)).find((k) => k.userId === 'pam')?.publicKey;
    expect((await alice.sendMessage(chatId, 'before')).ok).toBe(true);
    expect((await messagesOf(bob, chatId, 1))[0]).toMatchObject({ text: 'before', encryption: 'decrypted' });

    // Pam's device loses its key store: the same device id, a new key.
    const oldKey = await keyOfPam();
    alice.destroy();
    const rekeyed = await user('pam');
    for (let i = 0; i < 100 && (await keyOfPam()) === oldKey; i++) await sleep(20);
    expect(await keyOfPam()).not.toBe(oldKey);

    bob.destroy();
    const bobAgain = await user('quin', 'quin-device', { deviceKeyStore: bobKeys });
    await bobAgain.getHistory(chatId);
    expect((await messagesOf(bobAgain, chatId, 1))[0]).toMatchObject({
      text: '',
      encryption: 'undecryptable',
      undecryptable: 'sender-key-mismatch',
    });
    expect((await rekeyed.sendMessage(chatId, 'after')).ok).toBe(true);
    expect((await messagesOf(bobAgain, chatId, 2))[1]).toMatchObject({
      text: 'after',
      encryption: 'decrypted',
    });
  });

  it('gives both users the same safety code, which changes when a device is added', async () => {
    const { alice, bob, chatId } = await encryptedDm('lea', 'max');
    const [a, b] = [await alice.getSafetyCode(chatId, 'max'), await bob.getSafetyCode(chatId, 'lea')];
    if (!a.ok || !b.ok) throw new Error('no safety code');
    expect(a.safetyCode).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(b.safetyCode).toBe(a.safetyCode);
    const plain = await alice.openDm('max');
    expect(plain.ok && (await alice.getSafetyCode(plain.chat.id, 'max'))).toMatchObject({
      ok: false,
      error: { code: 'NOT_ENCRYPTED' },
    });
    await user('max', 'max-laptop');
    const later = await alice.getSafetyCode(chatId, 'max');
    expect(later.ok && later.safetyCode).not.toBe(a.safetyCode);
  });
});
