import { randomUUID } from 'node:crypto';
import { forEachDialect, sleep } from '@mpi/test-kit';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStorage } from '../src/storage/open-storage.js';
import type { Storage } from '../src/storage/storage.js';
import { initDeviceCursors, isMember } from './support/inspect.js';

const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Counts a user's device cursor rows of a chat, straight from the database. */
type CursorRows = (chatId: string, userId: string) => Promise<number>;

/** Group chats and the read mark, on one dialect. `url()` names the database. */
function defineGroupTests(url: () => string, cursorRows: CursorRows): void {
  let storage: Storage;
  beforeAll(async () => {
    storage = await openStorage(url());
  });
  afterAll(async () => {
    await storage.close();
  });

  const send = (chatId: string, senderId: string, text = 'hi') =>
    storage.chat.appendMessage({ chatId, senderId, clientMessageId: randomUUID(), text });
  const unreadOf = async (chatId: string, userId: string) =>
    (await storage.chat.listChats(userId)).find((c) => c.id === chatId)?.unreadCount;
  const roles = async (chatId: string) =>
    Object.fromEntries((await storage.chat.listMembers(chatId)).map((m) => [m.userId, m.role]));

  it('creates a group with the creator as its only admin', async () => {
    const [owner, x, y] = [uid('owner'), uid('x'), uid('y')];
    const chat = await storage.chat.createGroup({
      creatorId: owner,
      name: 'Team',
      memberIds: [x, y, x, owner],
    });
    expect(chat).toMatchObject({ type: 'group', name: 'Team', lastSeq: 0 });
    expect([...chat.members].sort()).toEqual([owner, x, y].sort());
    expect(await storage.chat.getChat(chat.id)).toEqual(chat);
    expect(await roles(chat.id)).toEqual({ [owner]: 'admin', [x]: 'member', [y]: 'member' });
    expect((await storage.chat.listChats(x)).map((c) => c.id)).toEqual([chat.id]);

    const alone = await storage.chat.createGroup({ creatorId: uid('solo'), name: 'Notes', memberIds: [] });
    expect(alone.members).toHaveLength(1);
  });

  it('returns the chat with every member state from getChatState', async () => {
    const [owner, x] = [uid('owner'), uid('x')];
    const chat = await storage.chat.createGroup({ creatorId: owner, name: 'State', memberIds: [x] });
    await send(chat.id, owner);
    await send(chat.id, owner);
    await storage.chat.recordReceipt({ chatId: chat.id, userId: x, deviceId: 'phone', upToSeq: 2 });
    await storage.chat.markRead(chat.id, x, 1);
    const state = await storage.chat.getChatState(chat.id);
    expect(state?.chat).toEqual({ ...chat, lastSeq: 2 });
    expect(state?.members).toEqual(await storage.chat.listMembers(chat.id));
    expect(state?.members.find((m) => m.userId === x)).toEqual({
      userId: x,
      role: 'member',
      deliveredSeq: 2,
      readSeq: 1,
    });
    expect(state?.members.find((m) => m.userId === owner)).toMatchObject({ role: 'admin', readSeq: 2 });
    expect(await storage.chat.getChatState(uid('nochat'))).toBeNull();

    const [a, b] = [uid('a'), uid('b')];
    const dm = await storage.chat.openDm(a, b);
    expect(await storage.chat.getChatState(dm.id)).toEqual({
      chat: dm,
      members: await storage.chat.listMembers(dm.id),
    });
  });

  it('adds members who start unread at 0 and catch up only from their join', async () => {
    const [owner, x, late] = [uid('owner'), uid('x'), uid('late')];
    const chat = await storage.chat.createGroup({ creatorId: owner, name: 'G', memberIds: [x] });
    for (let i = 0; i < 3; i++) await send(chat.id, owner);

    expect(await storage.chat.addMembers(chat.id, [late, x, late, owner])).toEqual([late]);
    expect(await storage.chat.addMembers(chat.id, [late])).toEqual([]);
    expect(await storage.chat.addMembers(chat.id, [])).toEqual([]);
    expect(await isMember(storage, chat.id, late)).toBe(true);
    expect(await roles(chat.id)).toMatchObject({ [late]: 'member' });
    expect((await storage.chat.listMembers(chat.id)).find((m) => m.userId === late)).toMatchObject({
      readSeq: 3,
      deliveredSeq: 3,
    });
    expect(await unreadOf(chat.id, late)).toBe(0);
    expect(await unreadOf(chat.id, x)).toBe(3);
    expect(await storage.chat.pendingForDevice(late, 'phone', null, 10)).toEqual([]);

    const after = await send(chat.id, owner, 'welcome');
    expect(await unreadOf(chat.id, late)).toBe(1);
    expect(await storage.chat.pendingForDevice(late, 'phone', null, 10)).toEqual([after.message]);
    // History stays readable from before the join.
    expect((await storage.chat.getHistory(chat.id, { limit: 10 })).messages).toHaveLength(4);
  });

  it('rejects membership changes and renames on a DM or a missing chat', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const dm = await storage.chat.openDm(a, b);
    const missing = uid('nochat');
    for (const attempt of [
      () => storage.chat.addMembers(dm.id, [uid('c')]),
      () => storage.chat.removeMember(dm.id, a),
      () => storage.chat.renameChat(dm.id, 'Nope'),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ name: 'StorageError', code: 'VALIDATION_FAILED' });
    }
    for (const attempt of [
      () => storage.chat.addMembers(missing, [a]),
      () => storage.chat.removeMember(missing, a),
      () => storage.chat.renameChat(missing, 'Nope'),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ name: 'StorageError', code: 'CHAT_NOT_FOUND' });
    }
    expect(await storage.chat.getChat(dm.id)).toEqual(dm);
  });

  it('removes a member together with their device cursors of the chat', async () => {
    const [owner, x] = [uid('owner'), uid('x')];
    const chat = await storage.chat.createGroup({ creatorId: owner, name: 'G', memberIds: [x] });
    await send(chat.id, owner);
    expect(await initDeviceCursors(storage, x, 'phone')).toBe(true);
    await send(chat.id, owner);
    expect(await storage.chat.pendingForDevice(x, 'phone', null, 10)).toHaveLength(1);
    await storage.chat.recordReceipt({ chatId: chat.id, userId: x, deviceId: 'laptop', upToSeq: 1 });
    await storage.chat.recordReceipt({ chatId: chat.id, userId: owner, deviceId: 'desk', upToSeq: 2 });
    expect(await cursorRows(chat.id, x)).toBe(2);

    expect(await storage.chat.removeMember(chat.id, x)).toBe(true);
    expect(await storage.chat.removeMember(chat.id, x)).toBe(false);
    expect(await storage.chat.removeMember(chat.id, uid('stranger'))).toBe(false);
    expect(await isMember(storage, chat.id, x)).toBe(false);
    expect((await storage.chat.getChat(chat.id))?.members).toEqual([owner]);
    expect(await storage.chat.listChats(x)).toEqual([]);
    expect(await storage.chat.pendingForDevice(x, 'phone', null, 10)).toEqual([]);
    // None of their cursors of the chat is left behind (catch-up could not tell: a rejoin starts after
    // them); the others keep theirs.
    expect(await cursorRows(chat.id, x)).toBe(0);
    expect(await cursorRows(chat.id, owner)).toBe(1);
    expect(await initDeviceCursors(storage, x, 'phone')).toBe(false);

    // Rejoining starts from the rejoin, on a known device and on one never seen.
    await send(chat.id, owner);
    expect(await storage.chat.addMembers(chat.id, [x])).toEqual([x]);
    const next = await send(chat.id, owner);
    expect(await storage.chat.pendingForDevice(x, 'phone', null, 10)).toEqual([next.message]);
    expect(await storage.chat.pendingForDevice(x, 'laptop', null, 10)).toEqual([next.message]);
    expect(await unreadOf(chat.id, x)).toBe(1);
  });

  it('promotes the longest-standing member when the last admin leaves', async () => {
    const owner = uid('owner');
    const p = uid('p');
    const [early1, early2, late] = [`${p}-a`, `${p}-b`, `${p}-c`];
    const chat = await storage.chat.createGroup({ creatorId: owner, name: 'G', memberIds: [early2, early1] });
    await sleep(5);
    await storage.chat.addMembers(chat.id, [late]);

    // A member leaving changes no role.
    expect(await storage.chat.removeMember(chat.id, early2)).toBe(true);
    expect(await roles(chat.id)).toEqual({ [owner]: 'admin', [early1]: 'member', [late]: 'member' });
    await sleep(5);
    await storage.chat.addMembers(chat.id, [early2]);

    // early1 and early2 joined with the group; early2 rejoined, so early1 has stood longest.
    expect(await storage.chat.removeMember(chat.id, owner)).toBe(true);
    expect(await roles(chat.id)).toEqual({ [early1]: 'admin', [early2]: 'member', [late]: 'member' });
    expect(await storage.chat.removeMember(chat.id, early1)).toBe(true);
    expect(await roles(chat.id)).toEqual({ [early2]: 'member', [late]: 'admin' });
    expect(await storage.chat.removeMember(chat.id, late)).toBe(true);
    expect(await roles(chat.id)).toEqual({ [early2]: 'admin' });
    expect(await storage.chat.removeMember(chat.id, early2)).toBe(true);
    expect(await storage.chat.listMembers(chat.id)).toEqual([]);
  });

  it('breaks a tie in joining time by user id when promoting', async () => {
    const owner = uid('owner');
    const p = uid('p');
    const chat = await storage.chat.createGroup({
      creatorId: owner,
      name: 'G',
      memberIds: [`${p}-b`, `${p}-a`],
    });
    await storage.chat.removeMember(chat.id, owner);
    expect(await roles(chat.id)).toEqual({ [`${p}-a`]: 'admin', [`${p}-b`]: 'member' });
  });

  it('keeps exactly one admin when admins and members leave concurrently', async () => {
    const owner = uid('owner');
    const others = Array.from({ length: 6 }, (_, i) => uid(`m${i}`));
    const chat = await storage.chat.createGroup({ creatorId: owner, name: 'G', memberIds: others });
    const leaving = [owner, ...others.slice(0, 3)];
    expect(await Promise.all(leaving.map((u) => storage.chat.removeMember(chat.id, u)))).toEqual(
      leaving.map(() => true),
    );
    const members = await storage.chat.listMembers(chat.id);
    expect(members.map((m) => m.userId).sort()).toEqual(others.slice(3).sort());
    expect(members.filter((m) => m.role === 'admin')).toHaveLength(1);
  });

  it('renames a group', async () => {
    const [owner, x] = [uid('owner'), uid('x')];
    const chat = await storage.chat.createGroup({ creatorId: owner, name: 'Old', memberIds: [x] });
    await send(chat.id, x);
    const renamed = await storage.chat.renameChat(chat.id, 'New name');
    expect(renamed).toEqual({ ...chat, name: 'New name', lastSeq: 1 });
    expect(await storage.chat.getChat(chat.id)).toEqual(renamed);
    expect((await storage.chat.listChats(owner)).find((c) => c.id === chat.id)?.name).toBe('New name');
  });

  it('moves the sender read mark in a group without touching the others', async () => {
    const [owner, x, y] = [uid('owner'), uid('x'), uid('y')];
    const chat = await storage.chat.createGroup({ creatorId: owner, name: 'G', memberIds: [x, y] });
    await send(chat.id, owner);
    await send(chat.id, x);
    await send(chat.id, owner);
    expect(await unreadOf(chat.id, owner)).toBe(0);
    expect(await unreadOf(chat.id, x)).toBe(1);
    expect(await unreadOf(chat.id, y)).toBe(3);
    const readSeqs = Object.fromEntries(
      (await storage.chat.listMembers(chat.id)).map((m) => [m.userId, m.readSeq]),
    );
    expect(readSeqs).toEqual({ [owner]: 3, [x]: 2, [y]: 0 });
  });
}

forEachDialect('%s group storage', (db) => {
  defineGroupTests(
    db.url,
    db.dialect === 'sqlite'
      ? async (chatId, userId) => {
          const sqlite = new SqliteDatabase(db.url(), { readonly: true });
          try {
            const row = sqlite
              .prepare('select count(*) as n from device_receipts where chat_id = ? and user_id = ?')
              .get(chatId, userId) as { n: number };
            return row.n;
          } finally {
            sqlite.close();
          }
        }
      : async (chatId, userId) => {
          const client = new pg.Client({ connectionString: db.url() });
          await client.connect();
          try {
            const result = await client.query<{ n: string }>(
              'select count(*) as n from device_receipts where chat_id = $1 and user_id = $2',
              [chatId, userId],
            );
            return Number(result.rows[0]?.n);
          } finally {
            await client.end();
          }
        },
  );
});
