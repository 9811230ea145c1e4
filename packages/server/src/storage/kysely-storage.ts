import type { ChatInfo, ChatSummary, MessageData, UserProfile } from '@mpi/protocol';
import { type Kysely, sql } from 'kysely';
import { monotonicFactory } from 'ulid';
import { migrateToLatest } from './migrations.js';
import {
  assertSeq,
  chatLastSeq,
  findByClientId,
  isUniqueViolation,
  membershipError,
  toChatInfo,
  toMessage,
  toProfile,
} from './rows.js';
import type { Database, MessageRow } from './schema.js';
import type {
  AppendMessageInput,
  AppendMessageResult,
  HistoryPage,
  HistoryQuery,
  MemberState,
  ReadMarkResult,
  ReceiptInput,
  ReceiptResult,
  Storage,
} from './storage.js';
import { StorageError } from './storage-error.js';

export { StorageError } from './storage-error.js';

/** Thrown inside the append transaction to roll it back when the message already exists. */
class DuplicateMessage {
  constructor(readonly row: MessageRow) {}
}

/**
 * The one {@link Storage} implementation: the same Kysely queries run on SQLite and PostgreSQL. Build it
 * with `openStorage()`, which picks the dialect and runs migrations.
 */
export class KyselyStorage implements Storage {
  private readonly nextId = monotonicFactory();
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: 'sqlite' | 'postgres',
  ) {}

  async migrate(): Promise<void> {
    await migrateToLatest(this.db);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.destroy();
  }

  async upsertUser(user: UserProfile): Promise<UserProfile> {
    const now = new Date().toISOString();
    // A field left undefined keeps its stored value; the row is created on first sight.
    const row = await this.db
      .insertInto('users')
      .values({
        id: user.id,
        name: user.name ?? null,
        avatar_url: user.avatarUrl ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          updated_at: eb.ref('excluded.updated_at'),
          ...(user.name !== undefined && { name: eb.ref('excluded.name') }),
          ...(user.avatarUrl !== undefined && { avatar_url: eb.ref('excluded.avatar_url') }),
        })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    return toProfile(row);
  }

  async getUser(userId: string): Promise<UserProfile | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    return row ? toProfile(row) : null;
  }

  async openDm(userA: string, userB: string): Promise<ChatInfo> {
    if (userA === userB) throw new StorageError('VALIDATION_FAILED', 'A DM needs two different users.');
    const pair = [userA, userB].sort();
    // JSON keeps the pair unambiguous whatever characters the ids contain.
    const dmKey = JSON.stringify(pair);
    const chatId = await this.db.transaction().execute(async (trx) => {
      const now = Date.now();
      const createdAt = new Date(now).toISOString();
      // Concurrent openers race on the unique dm_key: one inserts, the others wait for it and do nothing.
      const inserted = await trx
        .insertInto('chats')
        .values({
          id: this.nextId(now),
          type: 'dm',
          name: null,
          dm_key: dmKey,
          created_by: userA,
          created_at: createdAt,
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
    const chat = await this.getChat(chatId);
    if (!chat) throw new Error(`DM ${chatId} vanished after it was opened.`);
    return chat;
  }

  async getChat(chatId: string): Promise<ChatInfo | null> {
    const chat = await this.db.selectFrom('chats').selectAll().where('id', '=', chatId).executeTakeFirst();
    if (!chat) return null;
    const members = await this.db
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

  async isMember(chatId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('chat_members')
      .select('user_id')
      .where('chat_id', '=', chatId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async listMembers(chatId: string): Promise<MemberState[]> {
    const rows = await this.db
      .selectFrom('chat_members')
      .select(['user_id', 'role', 'delivered_seq', 'read_seq'])
      .where('chat_id', '=', chatId)
      .orderBy('joined_at')
      .orderBy('user_id')
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      role: r.role,
      deliveredSeq: Number(r.delivered_seq),
      readSeq: Number(r.read_seq),
    }));
  }

  async listChats(userId: string): Promise<ChatSummary[]> {
    const chats = await this.db
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

    const myChatIds = this.db.selectFrom('chat_members').select('chat_id').where('user_id', '=', userId);
    const members = await this.db
      .selectFrom('chat_members')
      .select(['chat_id', 'user_id'])
      .where('chat_id', 'in', myChatIds)
      .orderBy('chat_id')
      .orderBy('joined_at')
      .orderBy('user_id')
      .execute();
    const unread = await this.db
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
            }),
      unreadCount: unreadByChat.get(c.id) ?? 0,
    }));
  }

  async appendMessage(input: AppendMessageInput): Promise<AppendMessageResult> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        // Taking the next seq first row-locks the chat (PostgreSQL) or the database (SQLite), so
        // appends to one chat run one at a time and the duplicate check below cannot race.
        const chat = await trx
          .updateTable('chats')
          .set((eb) => ({ last_seq: eb('last_seq', '+', 1) }))
          .where('id', '=', input.chatId)
          .returning('last_seq')
          .executeTakeFirst();
        if (!chat) throw new StorageError('CHAT_NOT_FOUND');
        const existing = await findByClientId(trx, input);
        if (existing) throw new DuplicateMessage(existing); // rolls back the seq increment
        const now = Date.now();
        const row: MessageRow = {
          id: this.nextId(now),
          chat_id: input.chatId,
          seq: Number(chat.last_seq),
          sender_id: input.senderId,
          client_message_id: input.clientMessageId,
          text: input.text,
          created_at: new Date(now).toISOString(),
        };
        await trx.insertInto('messages').values(row).execute();
        return { message: toMessage(row), duplicate: false };
      });
    } catch (error) {
      if (error instanceof DuplicateMessage) return { message: toMessage(error.row), duplicate: true };
      if (isUniqueViolation(error)) {
        // Belt and braces: a concurrent insert of the same clientMessageId won the race.
        const existing = await findByClientId(this.db, input);
        if (existing) return { message: toMessage(existing), duplicate: true };
      }
      throw error;
    }
  }

  async getHistory(chatId: string, query: HistoryQuery): Promise<HistoryPage> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 1) {
      throw new StorageError('VALIDATION_FAILED', 'The history limit must be a positive integer.');
    }
    const { beforeSeq } = query;
    if (beforeSeq !== undefined) assertSeq(beforeSeq, 'beforeSeq');
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .$if(beforeSeq !== undefined, (qb) => qb.where('seq', '<', beforeSeq ?? 0))
      .orderBy('seq', 'desc')
      .limit(query.limit + 1)
      .execute();
    const hasMore = rows.length > query.limit;
    return { messages: rows.slice(0, query.limit).map(toMessage), hasMore };
  }

  async getMessageRange(chatId: string, afterSeq: number, upToSeq: number): Promise<MessageData[]> {
    assertSeq(afterSeq, 'afterSeq');
    assertSeq(upToSeq, 'upToSeq');
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('seq', '>', afterSeq)
      .where('seq', '<=', upToSeq)
      .orderBy('seq')
      .execute();
    return rows.map(toMessage);
  }

  async recordReceipt(input: ReceiptInput): Promise<ReceiptResult> {
    assertSeq(input.upToSeq, 'upToSeq');
    const { chatId, userId } = input;
    return this.db.transaction().execute(async (trx) => {
      // A no-op update locks the member row and returns its latest committed value, so concurrent
      // receipts of one user's devices see each other and report previous/new correctly.
      const member = await trx
        .updateTable('chat_members')
        .set((eb) => ({ delivered_seq: eb.ref('delivered_seq') }))
        .where('chat_id', '=', chatId)
        .where('user_id', '=', userId)
        .returning('delivered_seq')
        .executeTakeFirst();
      if (!member) throw await membershipError(trx, chatId);
      const lastSeq = await chatLastSeq(trx, chatId);
      const seq = Math.min(input.upToSeq, lastSeq);
      await trx
        .insertInto('device_receipts')
        .values({
          user_id: userId,
          device_id: input.deviceId,
          chat_id: chatId,
          received_seq: seq,
          updated_at: new Date().toISOString(),
        })
        .onConflict((oc) =>
          oc.columns(['user_id', 'device_id', 'chat_id']).doUpdateSet((eb) => ({
            received_seq: eb
              .case()
              .when('device_receipts.received_seq', '<', eb.ref('excluded.received_seq'))
              .then(eb.ref('excluded.received_seq'))
              .else(eb.ref('device_receipts.received_seq'))
              .end(),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
      const previousUserSeq = Number(member.delivered_seq);
      const userSeq = Math.max(previousUserSeq, seq);
      if (userSeq !== previousUserSeq) {
        await trx
          .updateTable('chat_members')
          .set({ delivered_seq: userSeq })
          .where('chat_id', '=', chatId)
          .where('user_id', '=', userId)
          .execute();
      }
      return { previousUserSeq, userSeq };
    });
  }

  async markRead(chatId: string, userId: string, upToSeq: number): Promise<ReadMarkResult> {
    assertSeq(upToSeq, 'upToSeq');
    return this.db.transaction().execute(async (trx) => {
      const member = await trx
        .updateTable('chat_members')
        .set((eb) => ({ read_seq: eb.ref('read_seq') }))
        .where('chat_id', '=', chatId)
        .where('user_id', '=', userId)
        .returning('read_seq')
        .executeTakeFirst();
      if (!member) throw await membershipError(trx, chatId);
      const lastSeq = await chatLastSeq(trx, chatId);
      const readSeq = Math.max(Number(member.read_seq), Math.min(upToSeq, lastSeq));
      if (readSeq !== Number(member.read_seq)) {
        await trx
          .updateTable('chat_members')
          .set({ read_seq: readSeq })
          .where('chat_id', '=', chatId)
          .where('user_id', '=', userId)
          .execute();
      }
      const unread = await trx
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('chat_id', '=', chatId)
        .where('seq', '>', readSeq)
        .where('sender_id', '<>', userId)
        .executeTakeFirstOrThrow();
      return { readSeq, unreadCount: Number(unread.n) };
    });
  }
}
