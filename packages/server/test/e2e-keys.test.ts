import { webcrypto } from 'node:crypto';
import { E2E_LIMITS } from '@mpi/protocol';
import { forEachDialect, sleep } from '@mpi/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { publishedDevices } from './support/inspect.js';
import { request, startTestServer, type TestServer } from './support/server.js';

/** A fresh P-256 public key, raw and base64url, as a device publishes it. */
async function publicKey(): Promise<string> {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, [
    'deriveBits',
  ]);
  return Buffer.from(await webcrypto.subtle.exportKey('raw', pair.publicKey)).toString('base64url');
}

forEachDialect('device keys on %s', (db) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ DATABASE_URL: db.url() });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('publishes a key per device, keeps it on a repeat, replaces it with a new one', async () => {
    const phone = await t.connect('nina', { deviceId: 'nina-phone' });
    const key = await publicKey();
    const first = await request(phone, 'publish_device_key', { publicKey: key });
    expect(first).toMatchObject({
      ok: true,
      device: { userId: 'nina', deviceId: 'nina-phone', publicKey: key },
    });
    await sleep(5);
    const again = await request(phone, 'publish_device_key', { publicKey: key });
    expect(again.ok && first.ok && again.device.createdAt).toBe(first.ok && first.device.createdAt);
    const next = await publicKey();
    const replaced = await request(phone, 'publish_device_key', { publicKey: next });
    expect(replaced).toMatchObject({ ok: true, device: { publicKey: next } });
    expect(await publishedDevices(t.server.storage, 'nina')).toEqual(['nina-phone']);
  });

  it('refuses what is not a P-256 point, storing nothing', async () => {
    const client = await t.connect('omar', { deviceId: 'omar-1' });
    // 65 bytes with the uncompressed prefix, but not on the curve; then a wrong length; then not base64url.
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
    for (const bad of [offCurve, (await publicKey()).slice(0, 80), `${'!'.repeat(87)}`]) {
      const ack = await request(client, 'publish_device_key', { publicKey: bad });
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    }
    expect(await publishedDevices(t.server.storage, 'omar')).toEqual([]);
  });

  it(`keeps the newest ${E2E_LIMITS.maxDevicesPerUser} keys of a user: one more drops the oldest`, async () => {
    const deviceIds = Array.from(
      { length: E2E_LIMITS.maxDevicesPerUser + 1 },
      (_, i) => `pia-${String(i).padStart(2, '0')}`,
    );
    for (const deviceId of deviceIds) {
      const client = await t.connect('pia', { deviceId });
      expect((await request(client, 'publish_device_key', { publicKey: await publicKey() })).ok).toBe(true);
      client.disconnect();
      await sleep(2); // distinct timestamps, so "oldest" is well defined
    }
    expect(await publishedDevices(t.server.storage, 'pia')).toEqual(deviceIds.slice(1));
  });

  it("lists the members' keys of an encrypted chat to members only; a plain chat has none", async () => {
    const [rosa, sam, tom] = await Promise.all([
      t.connect('rosa', { deviceId: 'rosa-1' }),
      t.connect('sam', { deviceId: 'sam-1' }),
      t.connect('tom', { deviceId: 'tom-1' }),
    ]);
    for (const client of [rosa, sam, tom])
      await request(client, 'publish_device_key', { publicKey: await publicKey() });
    const sealed = await request(rosa, 'open_dm', { userId: 'sam', encrypted: true });
    const plain = await request(rosa, 'open_dm', { userId: 'sam' });
    if (!sealed.ok || !plain.ok) throw new Error('open_dm failed');
    expect([sealed.chat.encrypted, plain.chat.encrypted]).toEqual([true, false]);
    expect(sealed.chat.id).not.toBe(plain.chat.id);
    // Opening it again (from either side) is the same chat.
    const fromSam = await request(sam, 'open_dm', { userId: 'rosa', encrypted: true });
    expect(fromSam.ok && fromSam.chat.id).toBe(sealed.chat.id);

    const keys = await request(sam, 'get_device_keys', { chatId: sealed.chat.id });
    expect(keys.ok && keys.encrypted).toBe(true);
    expect(keys.ok && keys.devices.map((d) => `${d.userId}/${d.deviceId}`)).toEqual([
      'rosa/rosa-1',
      'sam/sam-1',
    ]);
    expect(await request(sam, 'get_device_keys', { chatId: plain.chat.id })).toEqual({
      ok: true,
      encrypted: false,
      devices: [],
    });
    const outsider = await request(tom, 'get_device_keys', { chatId: sealed.chat.id });
    expect(outsider).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });

    const list = await request(sam, 'list_chats', {});
    expect(list.ok && list.chats.map((c) => [c.id, c.encrypted]).sort()).toEqual(
      [
        [sealed.chat.id, true],
        [plain.chat.id, false],
      ].sort(),
    );
    const group = await request(rosa, 'create_group', { name: 'Vault', members: ['sam'], encrypted: true });
    expect(group).toMatchObject({ ok: true, chat: { type: 'group', encrypted: true } });
  });
});
