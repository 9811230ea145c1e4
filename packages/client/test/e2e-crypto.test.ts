import type { DeviceKey, E2eEnvelope, MessageData } from '@mpi/protocol';
import { describe, expect, it } from 'vitest';
import {
  type DeviceKeyPair,
  decryptMessage,
  encryptMessage,
  exportPublicKey,
  generateDeviceKeyPair,
  PairwiseKeys,
} from '../src/e2e/crypto.js';
import { computeSafetyCode } from '../src/index.js';

interface TestDevice {
  key: DeviceKey;
  pair: DeviceKeyPair;
  pairwise: PairwiseKeys;
}

async function device(userId: string, deviceId: string): Promise<TestDevice> {
  const pair = await generateDeviceKeyPair();
  const publicKey = await exportPublicKey(pair.publicKey);
  return { key: { userId, deviceId, publicKey, createdAt: '' }, pair, pairwise: new PairwiseKeys(pair) };
}

async function seal(
  from: TestDevice,
  to: readonly TestDevice[],
  text: string,
  chatId = 'chat-1',
  cid = 'c1',
) {
  const binding = {
    chatId,
    senderId: from.key.userId,
    senderDeviceId: from.key.deviceId,
    senderKey: from.key.publicKey,
    clientMessageId: cid,
  };
  const envelope = await encryptMessage(text, binding, [from.key, ...to.map((d) => d.key)], from.pairwise);
  const message: MessageData & { envelope: E2eEnvelope } = {
    id: 'm1',
    clientMessageId: cid,
    chatId,
    senderId: from.key.userId,
    text: '',
    createdAt: '',
    seq: 1,
    envelope,
  };
  return message;
}

const open = (message: MessageData & { envelope: E2eEnvelope }, reader: TestDevice) =>
  decryptMessage(message, reader.key, reader.pairwise);

async function reason(pending: ReturnType<typeof open>): Promise<string> {
  const result = await pending;
  return 'text' in result ? 'decrypted' : result.reason;
}

describe('the end-to-end scheme on WebCrypto', () => {
  it('every recipient device and the sender read the text; another device cannot', async () => {
    const [alice, bob, bobTablet, eve] = await Promise.all([
      device('alice', 'a1'),
      device('bob', 'b1'),
      device('bob', 'b2'),
      device('eve', 'e1'),
    ]);
    const message = await seal(alice, [bob, bobTablet], 'Grüße, 👋 und 4711');
    for (const reader of [alice, bob, bobTablet])
      expect(await open(message, reader)).toEqual({ text: 'Grüße, 👋 und 4711' });
    expect(await reason(open(message, eve))).toBe('not-for-this-device');
    expect(message.envelope.keys.map((k) => k.deviceId)).toEqual(['a1', 'b1', 'b2']);
  });

  it('never repeats an IV: 50 messages to 3 devices, 200 IVs, all different', async () => {
    const [alice, bob, carol] = await Promise.all([
      device('alice', 'a1'),
      device('bob', 'b1'),
      device('carol', 'c1'),
    ]);
    const ivs: string[] = [];
    const ciphertexts = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const { envelope } = await seal(alice, [bob, carol], 'the same text', 'chat-1', `c${i}`);
      ivs.push(envelope.iv, ...envelope.keys.map((k) => k.iv));
      ciphertexts.add(envelope.ciphertext);
    }
    expect(ivs).toHaveLength(200);
    expect(new Set(ivs).size).toBe(200);
    expect(ciphertexts.size).toBe(50);
  });

  it('binds the chat, the sender, the client message id and the recipient device', async () => {
    const [alice, bob, mallory] = await Promise.all([
      device('alice', 'a1'),
      device('bob', 'b1'),
      device('mallory', 'm1'),
    ]);
    const message = await seal(alice, [bob], 'hello');
    const cases: Array<MessageData & { envelope: E2eEnvelope }> = [
      { ...message, chatId: 'chat-2' },
      { ...message, senderId: 'mallory' },
      { ...message, clientMessageId: 'c2' },
      { ...message, envelope: { ...message.envelope, senderDeviceId: 'a2' } },
      // Mallory's key in place of the sender's: the pairwise key differs.
      { ...message, envelope: { ...message.envelope, senderKey: mallory.key.publicKey } },
      { ...message, envelope: { ...message.envelope, iv: message.envelope.keys[0]?.iv ?? '' } },
    ];
    for (const forged of cases) expect(await reason(open(forged, bob))).toBe('tampered');
    // Alice's own wrap handed to bob as his: bound to alice's device, so it does not open.
    const ownWrap = message.envelope.keys.find((k) => k.userId === 'alice');
    const moved = {
      ...message.envelope,
      keys: [{ ...ownWrap, userId: 'bob', deviceId: 'b1' } as (typeof message.envelope.keys)[number]],
    };
    expect(await reason(open({ ...message, envelope: moved }, bob))).toBe('tampered');
    expect(await open(message, bob)).toEqual({ text: 'hello' });
  });

  it('gives both users the same safety code, which changes with their keys', async () => {
    const a = { userId: 'alice', publicKeys: ['key-a1'] };
    const b = { userId: 'bob', publicKeys: ['key-b2', 'key-b1'] };
    const code = await computeSafetyCode(a, b);
    expect(code).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await computeSafetyCode(b, { ...a })).toBe(code);
    expect(await computeSafetyCode(a, { userId: 'bob', publicKeys: ['key-b1', 'key-b2'] })).toBe(code);
    expect(await computeSafetyCode(a, { userId: 'bob', publicKeys: ['key-b1'] })).not.toBe(code);
    expect(await computeSafetyCode({ userId: 'alice', publicKeys: ['key-a9'] }, b)).not.toBe(code);
  });
});
