import { createHmac } from 'node:crypto';
import { CLIENT_EVENT_NAMES, ERROR_CODES } from '@mpi/protocol';
import SqliteDatabase from 'better-sqlite3';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from '../src/auth/tokens.js';
import { type NotifyServer, startNotifyServer } from './support/notifications.js';
import { handshakeOutcome, request, TEST_JWT_SECRET, type TestClient } from './support/server.js';

/*
 * Hostile input against a live server: property-based payloads for every client event and HTTP route,
 * raw Engine.IO / Socket.IO frames, the authentication matrix and the authorization matrix. Every answer
 * must be a typed error of the catalogue (never INTERNAL), nothing may crash the server, and refused
 * actions must leave every table as it was.
 */

const KNOWN_CODES = new Set<string>(ERROR_CODES);
const RUNS_PER_EVENT = 25;

let t: NotifyServer;
let alice: TestClient;
let bob: TestClient;
let mallory: TestClient;
let dmId: string;
let groupId: string;

beforeAll(async () => {
  t = await startNotifyServer({
    env: {
      RATE_LIMIT_EVENTS: '1000000',
      MAX_CONNECTIONS_PER_USER: '1000',
      MAX_CONNECTIONS_PER_ADDRESS: '1000',
    },
  });
  alice = await t.connect('alice');
  bob = await t.connect('bob');
  mallory = await t.connect('mallory');
  for (const [client, userId] of [
    [alice, 'alice'],
    [bob, 'bob'],
    [mallory, 'mallory'],
  ] as const)
    await request(client, 'setup_user', { userId, userInfo: {} });
  const dm = await request(alice, 'open_dm', { userId: 'bob' });
  const group = await request(alice, 'create_group', { name: 'Team', members: ['bob'] });
  if (!dm.ok || !group.ok) throw new Error('setup failed');
  dmId = dm.chat.id;
  groupId = group.chat.id;
  await request(alice, 'send_message', { chatId: dmId, text: 'hello', clientMessageId: 'seed' });
});
afterAll(async () => {
  await t.stop();
});

type Ack = { ok: true } | { ok: false; error: { code: string } };

function emitRaw(client: TestClient, event: string, payload: unknown): Promise<Ack> {
  const emit = client.timeout(5000).emitWithAck as (event: string, payload: unknown) => Promise<Ack>;
  return emit.call(client.timeout(5000), event, payload);
}

async function stillServing(): Promise<void> {
  const pong = await request(alice, 'ping', {});
  expect(pong.ok).toBe(true);
}

/** Every row of the chat tables, to compare before and after refused actions. */
function chatTables(): Record<string, unknown[]> {
  const db = new SqliteDatabase(t.databaseUrl, { readonly: true });
  try {
    const tables = ['users', 'chats', 'chat_members', 'messages', 'device_receipts'];
    return Object.fromEntries(tables.map((name) => [name, db.prepare(`select * from ${name}`).all()]));
  } finally {
    db.close();
  }
}

const FIELDS = [
  'chatId',
  'text',
  'clientMessageId',
  'upToSeq',
  'userId',
  'userInfo',
  'members',
  'userIds',
  'name',
  'beforeSeq',
  'limit',
  'channels',
  'ids',
  'sentAt',
  '__proto__',
  'constructor',
];
/** Values of every type, and the real chat ids (known once the server is set up). */
const hostileValue = () =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom(
      '',
      ' ',
      '\u202E',
      '\u0000',
      'a'.repeat(5000),
      '../../etc/passwd',
      '<script>',
      dmId,
      groupId,
    ),
    fc.integer(),
    fc.double(),
    fc.constantFrom(null, true, -1, 2 ** 53, Number.NaN),
    fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
    fc.object({ maxDepth: 2 }),
  );
/** Objects with the contract's field names and hostile values, or anything at all. */
const hostilePayload = () =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...FIELDS), hostileValue(), { maxKeys: 4 }),
    fc.anything({ maxDepth: 3 }),
  );

describe('property-based payloads for every client event', () => {
  it.each(CLIENT_EVENT_NAMES)('%s answers every payload with success or a typed error', async (event) => {
    await fc.assert(
      fc.asyncProperty(hostilePayload(), async (payload) => {
        const ack = await emitRaw(mallory, event, payload);
        if (!ack.ok) {
          expect(KNOWN_CODES.has(ack.error.code)).toBe(true);
          expect(ack.error.code).not.toBe('INTERNAL');
        }
      }),
      { numRuns: RUNS_PER_EVENT },
    );
  });

  it('still serves after them', stillServing);
});

describe('property-based requests for every HTTP route', () => {
  const routes: Array<[string, string]> = [
    ['POST', '/api/v1/notifications'],
    ['POST', '/api/v1/webhooks/club-site'],
    ['GET', '/api/v1/groups/team-a/members'],
    ['PUT', '/api/v1/groups/team-a/members'],
    ['PATCH', '/api/v1/groups/team-a/members'],
    ['DELETE', '/api/v1/groups/team-a'],
    ['GET', '/api/v1/users/alice/export'],
    ['GET', '/api/me/export'],
    ['DELETE', '/api/me'],
    ['GET', '/api/dev/token'],
    ['GET', '/healthz'],
    ['GET', '/readyz'],
  ];

  it('answers signed hostile bodies, hostile queries and hostile paths with typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.json({ maxDepth: 3 }),
          fc.string({ maxLength: 200 }),
          hostilePayload().map((p) => JSON.stringify(p) ?? ''),
        ),
        fc.string({ maxLength: 30 }),
        async ([method, path], body, query) => {
          const url = `${path}?userId=${encodeURIComponent(query)}`;
          const response = await t.call(
            method,
            url,
            method === 'GET' || method === 'DELETE' ? undefined : body,
          );
          expect(response.status).toBeLessThan(500);
          if (response.status >= 400) {
            const code = (response.body as { error?: { code?: string } } | null)?.error?.code ?? '';
            expect(KNOWN_CODES.has(code)).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
    const traversal = await fetch(`${t.url}/..%2f..%2fpackage.json`);
    expect(traversal.status).toBe(404);
    await stillServing();
  });
});

/** A raw websocket to the Engine.IO endpoint, authenticated as alice when `connect` is set. */
async function rawSocket(
  connect: boolean,
): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<void> }> {
  // Signed before the socket opens: its first frame must not arrive before the listener below.
  const token = (await signToken(TEST_JWT_SECRET, 'alice', { ttlSeconds: 60 })).token;
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('message', (data) => {
      const frame = String(data);
      frames.push(frame);
      if (frame.startsWith('0')) {
        if (!connect) resolve();
        else ws.send(`40${JSON.stringify({ token })}`);
      }
      if (frame.startsWith('40')) resolve();
    });
  });
  return { ws, frames, closed };
}

describe('raw Engine.IO and Socket.IO frames', () => {
  const frames = [
    '42[',
    '42["__proto__",{}]',
    '42[{"toString":1}]',
    '42[null]',
    '42[]',
    '42"send_message"',
    '42["send_message",{"chatId":"x","text":"t","clientMessageId":"c"},1,2,3]',
    // socket.io-parser advisories: placeholders without their attachments, or with hostile indexes.
    '451-["send_message",{"_placeholder":true,"num":0}]',
    '451-["send_message",{"_placeholder":true,"num":"toString"}]',
    '451-["send_message",{"_placeholder":true,"num":"__proto__"}]',
    '459999999999-["send_message",{}]',
    '40/nope,{}',
    '43["x"]',
    '49',
    '4',
    '6',
    '',
    `42${'['.repeat(20_000)}`,
    `42["${'x'.repeat(200 * 1024)}"]`,
  ];

  it('neither crashes the server nor reaches a handler in a way that answers INTERNAL', async () => {
    for (const frame of frames) {
      const { ws, frames: seen } = await rawSocket(true);
      ws.send(frame);
      ws.send(Buffer.from([0xff, 0x00, 0x13]));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(seen.join('\n')).not.toContain('INTERNAL');
      ws.terminate();
    }
    // An event before the namespace handshake ends the connection unanswered.
    const early = await rawSocket(false);
    early.ws.send('420["list_chats",{}]');
    await early.closed;
    expect(early.frames.filter((f) => f.startsWith('43'))).toEqual([]);
    // A token that is no string is refused as missing (no operator injection reaches the verifier).
    const injected = await rawSocket(false);
    injected.ws.send('40{"token":{"$gt":""}}');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(injected.frames.some((f) => f.startsWith('44') && f.includes('AUTH_MISSING'))).toBe(true);
    injected.ws.terminate();
    await stillServing();
  });
});

describe('the authentication matrix', () => {
  const secret = new TextEncoder().encode(TEST_JWT_SECRET);
  const now = Math.floor(Date.now() / 1000);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const hmac = (input: string, key = TEST_JWT_SECRET, hash = 'sha256') =>
    createHmac(hash, key).update(input).digest('base64url');
  const craft = (header: object, claims: object, sign = hmac) => {
    const input = `${b64(header)}.${b64(claims)}`;
    return `${input}.${sign(input)}`;
  };

  it('refuses each bad token with its documented code', async () => {
    const good = (await signToken(TEST_JWT_SECRET, 'alice', { ttlSeconds: 60 })).token;
    const cases: Array<[string, unknown, string]> = [
      ['no token', undefined, 'AUTH_MISSING'],
      ['an empty token', '', 'AUTH_MISSING'],
      ['a number', 42, 'AUTH_MISSING'],
      ['an object', { $gt: '' }, 'AUTH_MISSING'],
      ['an array', [good], 'AUTH_MISSING'],
      ['garbage', 'not-a-jwt', 'AUTH_INVALID'],
      ['alg none', `${b64({ alg: 'none' })}.${b64({ sub: 'alice', exp: now + 60 })}.`, 'AUTH_INVALID'],
      ['alg none with a signature', craft({ alg: 'none' }, { sub: 'alice', exp: now + 60 }), 'AUTH_INVALID'],
      [
        'HS512',
        craft({ alg: 'HS512' }, { sub: 'alice' }, (i) => hmac(i, TEST_JWT_SECRET, 'sha512')),
        'AUTH_INVALID',
      ],
      [
        'RS256 header, HMAC signature',
        craft({ alg: 'RS256' }, { sub: 'alice', exp: now + 60 }),
        'AUTH_INVALID',
      ],
      [
        'another secret',
        craft({ alg: 'HS256' }, { sub: 'alice' }, (i) => hmac(i, 'x'.repeat(32))),
        'AUTH_INVALID',
      ],
      [
        'a changed payload',
        `${good.split('.')[0]}.${b64({ sub: 'bob' })}.${good.split('.')[2]}`,
        'AUTH_INVALID',
      ],
      ['no sub', craft({ alg: 'HS256' }, { exp: now + 60 }), 'AUTH_INVALID'],
      ['a sub with spaces', craft({ alg: 'HS256' }, { sub: 'a b', exp: now + 60 }), 'AUTH_INVALID'],
      ['a numeric sub', craft({ alg: 'HS256' }, { sub: 42, exp: now + 60 }), 'AUTH_INVALID'],
      ['a sub of 200 characters', craft({ alg: 'HS256' }, { sub: 'a'.repeat(200) }), 'AUTH_INVALID'],
      ['expired', craft({ alg: 'HS256' }, { sub: 'alice', exp: now - 10 }), 'AUTH_EXPIRED'],
      ['not yet valid', craft({ alg: 'HS256' }, { sub: 'alice', nbf: now + 600 }), 'AUTH_INVALID'],
      ['crit', craft({ alg: 'HS256', crit: ['x'], x: 1 }, { sub: 'alice' }), 'AUTH_INVALID'],
      ['padded with spaces', `${good}   `, 'AUTH_INVALID'],
      ['a trailing newline', `${good}\n`, 'AUTH_INVALID'],
      ['= padding', `${good}=`, 'AUTH_INVALID'],
      ['oversized', `${good.split('.').slice(0, 2).join('.')}.${'A'.repeat(10_000)}`, 'AUTH_INVALID'],
      [
        'jose-signed but expired',
        await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('alice')
          .setExpirationTime(now - 5)
          .sign(secret),
        'AUTH_EXPIRED',
      ],
    ];
    const outcomes = await Promise.all(
      cases.map(async ([name, token]) => [name, await handshakeOutcome(t.url, token)]),
    );
    expect(outcomes).toEqual(cases.map(([name, , code]) => [name, code]));
  });
});

describe('the authorization matrix', () => {
  it('refuses every chat action of a non-member, and admin actions of a member, changing no row', async () => {
    const before = chatTables();
    const asOutsider: Array<[string, unknown]> = [
      ['send_message', { chatId: dmId, text: 'intrusion', clientMessageId: 'x1' }],
      ['send_message', { chatId: groupId, text: 'intrusion', clientMessageId: 'x2' }],
      ['join_chat', { chatId: dmId }],
      ['join_chat', { chatId: groupId }],
      ['get_history', { chatId: dmId }],
      ['get_history', { chatId: groupId }],
      ['mark_read', { chatId: dmId, upToSeq: 1 }],
      ['messages_received', { chatId: dmId, upToSeq: 1 }],
      ['get_members', { chatId: groupId }],
      ['add_members', { chatId: groupId, userIds: ['mallory'] }],
      ['remove_member', { chatId: groupId, userId: 'bob' }],
      ['rename_chat', { chatId: groupId, name: 'Owned' }],
      ['leave_group', { chatId: groupId }],
      ['setup_user', { userId: 'alice', userInfo: { name: 'Not Alice' } }],
    ];
    const asMember: Array<[string, unknown]> = [
      ['add_members', { chatId: groupId, userIds: ['mallory'] }],
      ['remove_member', { chatId: groupId, userId: 'alice' }],
      ['rename_chat', { chatId: groupId, name: 'Owned' }],
      ['add_members', { chatId: dmId, userIds: ['mallory'] }],
    ];
    const refusals: string[] = [];
    for (let round = 0; round < 20; round++) {
      for (const [event, payload] of asOutsider) {
        const ack = await emitRaw(mallory, event, payload);
        refusals.push(ack.ok ? `${event} accepted` : ack.error.code);
      }
      for (const [event, payload] of asMember) {
        const ack = await emitRaw(bob, event, payload);
        refusals.push(ack.ok ? `${event} accepted by a member` : ack.error.code);
      }
    }
    expect(refusals.filter((r) => r.includes('accepted'))).toEqual([]);
    expect([...new Set(refusals)].sort()).toEqual(['FORBIDDEN', 'NOT_A_MEMBER']);
    expect(refusals).toHaveLength(20 * (asOutsider.length + asMember.length));
    expect(chatTables()).toEqual(before);
  });
});
