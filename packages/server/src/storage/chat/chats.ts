import type { ChatInfo, ChatSummary } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { IdFactory } from '../db/ids.js';
import type { Database, Db } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';
import type { ChatState, MemberState } from './chat-storage.js';
import { toChatInfo, toMemberState, toMessage } from './rows.js';

// Chats as a member sees them: DMs, chat info and state, member lists and the chat list.

export async function openDm(
  db: Kysely<Database>,
  nextId: IdFactory,
  userA: string,
  userB: string,
  encrypted = false,
): Promise<ChatInfo> {
  if (userA === userB) throw new StorageError('VALIDATION_FAILED', 'A DM needs two different users.');
  const pair = [userA, userB].sort();
  // JSON keeps the pair unambiguous whatever characters the ids contain; the encrypted DM has its own key.
  const dmKey = JSON.stringify(encrypted ? [...pair, 'e2e'] : pair);
  const chatId = await db.transaction().execute(async (trx) => {
    const now = Date.now();
    const createdAt = new Date(now).toISOString();
    // Concurrent openers race on the unique dm_key: one inserts, the others wait for it and do nothing.
    const inserted = await trx
      .insertInto('chats')
      .values({
        id: nextId(now),
        type: 'dm',
        name: null,
        dm_key: dmKey,
        created_by: userA,
        created_at: createdAt,
        encrypted: encrypted ? 1 : 0,
      })
      .onConflict((oc) => oc.column('dm_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) {
      await trx
        .insertInto('chat_members')
        .values(
          pair.map((userId) => ({
            chat_id: inserted.id,
            user_id: userId,
            role: 'member' as const,
            joined_at: createdAt,
          })),
        )
        .execute();
      return inserted.id;
    }
    const existing = await trx
      .selectFrom('chats')
      .select('id')
      .where('dm_key', '=', dmKey)
      .executeTakeFirstOrThrow();
    return existing.id;
  });
  const chat = await getChat(db, chatId);
  if (!chat) throw new Error(`DM ${chatId} vanished after it was opened.`);
  return chat;
}

/** Works inside a transaction too, so writers can return the chat as they left it. */
export async function getChat(db: Db, chatId: string): Promise<ChatInfo | null> {
  const chat = await db.selectFrom('chats').selectAll().where('id', '=', chatId).executeTakeFirst();
  if (!chat) return null;
  const members = await db
    .selectFrom('chat_members')
    .select('user_id')
    .where('chat_id', '=', chatId)
    .orderBy('joined_at')
    .orderBy('user_id')
    .execute();
  return toChatInfo(
    chat,
    members.map((m) => m.user_id),
  );
}

export async function getChatState(db: Kysely<Database>, chatId: string): Promise<ChatState | null> {
  // One round trip: the chat's columns repeat on every member row (one row with null members when empty).
  const rows = await db
    .selectFrom('chats as c')
    .leftJoin('chat_members as cm', 'cm.chat_id', 'c.id')
    .selectAll('c')
    .select([
      'cm.user_id as m_user_id',
      'cm.role as m_role',
      'cm.delivered_seq as m_delivered_seq',
      'cm.read_seq as m_read_seq',
    ])
    .where('c.id', '=', chatId)
    .orderBy('cm.joined_at')
    .orderBy('cm.user_id')
    .execute();
  const first = rows[0];
  if (!first) return null;
  const members: MemberState[] = [];
  for (const r of rows) {
    if (r.m_user_id === null || r.m_role === null) continue;
    members.push(
      toMemberState({
        user_id: r.m_user_id,
        role: r.m_role,
        delivered_seq: r.m_delivered_seq ?? 0,
        read_seq: r.m_read_seq ?? 0,
      }),
    );
  }
  return {
    chat: toChatInfo(
      first,
      members.map((m) => m.userId),
    ),
    members,
  };
}

export async function listMembers(db: Kysely<Database>, chatId: string): Promise<MemberState[]> {
  const rows = await db
    .selectFrom('chat_members')
    .select(['user_id', 'role', 'delivered_seq', 'read_seq'])
    .where('chat_id', '=', chatId)
    .orderBy('joined_at')
    .orderBy('user_id')
    .execute();
  return rows.map(toMemberState);
}

export async function listChats(db: Kysely<Database>, userId: string): Promise<ChatSummary[]> {
  const chats = await db
    .selectFrom('chat_members as me')
    .innerJoin('chats as c', 'c.id', 'me.chat_id')
    .leftJoin('messages as m', (join) =>
      join.onRef('m.chat_id', '=', 'c.id').onRef('m.seq', '=', 'c.last_seq'),
    )
    .where('me.user_id', '=', userId)
    .selectAll('c')
    .select([
      'm.id as m_id',
      'm.sender_id as m_sender_id',
      'm.client_message_id as m_client_message_id',
      'm.text as m_text',
      'm.created_at as m_created_at',
      'm.mentions as m_mentions',
      'me.muted as me_muted',
      'm.envelope as m_envelope',
      'm.version as m_version',
      'm.edited_at as m_edited_at',
      'm.deleted_at as m_deleted_at',
      'm.attachments as m_attachments',
      'm.call as m_call',
    ])
    .select((eb) => [
      eb.fn.coalesce('m.created_at', 'c.created_at').as('active_at'),
      // Message and chat ids are ULIDs: they break ties within one millisecond in creation order.
      eb.fn.coalesce('m.id', 'c.id').as('active_id'),
    ])
    .orderBy('active_at', 'desc')
    .orderBy('active_id', 'desc')
    .execute();
  if (chats.length === 0) return [];

  const myChatIds = db.selectFrom('chat_members').select('chat_id').where('user_id', '=', userId);
  const members = await db
    .selectFrom('chat_members')
    .select(['chat_id', 'user_id'])
    .where('chat_id', 'in', myChatIds)
    .orderBy('chat_id')
    .orderBy('joined_at')
    .orderBy('user_id')
    .execute();
  // The read mark starts at the join and follows the user's own sends, so this counts exactly the
  // messages of others that arrived since the user last read (or joined, or wrote in) the chat.
  const unread = await db
    .selectFrom('messages as m')
    .innerJoin('chat_members as me', (join) =>
      join.onRef('me.chat_id', '=', 'm.chat_id').on('me.user_id', '=', userId),
    )
    .whereRef('m.seq', '>', 'me.read_seq')
    .where('m.sender_id', '<>', userId)
    .select(['m.chat_id', (eb) => eb.fn.countAll().as('n')])
    .groupBy('m.chat_id')
    .execute();

  const membersByChat = new Map<string, string[]>();
  for (const m of members) {
    const list = membersByChat.get(m.chat_id);
    if (list) list.push(m.user_id);
    else membersByChat.set(m.chat_id, [m.user_id]);
  }
  const unreadByChat = new Map(unread.map((u) => [u.chat_id, Number(u.n)]));

  return chats.map((c) => ({
    ...toChatInfo(c, membersByChat.get(c.id) ?? []),
    lastMessage:
      c.m_id === null
        ? null
        : toMessage({
            id: c.m_id,
            chat_id: c.id,
            seq: c.last_seq,
            sender_id: c.m_sender_id ?? '',
            client_message_id: c.m_client_message_id ?? '',
            text: c.m_text ?? '',
            created_at: c.m_created_at ?? '',
            mentions: c.m_mentions,
            envelope: c.m_envelope,
            version: Number(c.m_version ?? 0),
            edited_at: c.m_edited_at,
            deleted_at: c.m_deleted_at,
            reply_to_id: null,
            reply_to_seq: null,
            reply_to_sender: null,
            attachments: c.m_attachments,
            call: c.m_call,
          }),
    unreadCount: unreadByChat.get(c.id) ?? 0,
    muted: Number(c.me_muted) === 1,
  }));
}
