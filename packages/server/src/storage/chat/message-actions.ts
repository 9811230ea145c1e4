import { LIMITS, type MessageData } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { Database, MessageRow } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';
import { statement, type WriteProgram } from '../db/write-program.js';
import type {
  ChangesReceivedInput,
  DeleteInput,
  EditInput,
  MessageActionInput,
  MessageChange,
  ReactionInput,
} from './chat-storage.js';
import { withDetails } from './message-details.js';
import { membershipError } from './rows.js';

/*
 * Edits, deletions and reactions, each a program of the group commit under the chat's append lock. Each
 * takes the chat's next version first (row-locking the chat, as an append takes its seq), so the changes
 * of a chat get gapless, increasing versions in commit order; the message row records the version of its
 * last change. A refusal or a repeat gives the version back, so a repeated action changes nothing twice.
 */

interface Target {
  chatId: string;
  chatType: 'dm' | 'group';
  version: number;
  lastSeq: number;
  memberIds: string[];
  role: 'admin' | 'member';
  row: MessageRow;
}

function* openTarget(db: Kysely<Database>, input: MessageActionInput): WriteProgram<Target> {
  const { chatId } = input;
  const { rows: chats } = yield* statement(
    db
      .updateTable('chats')
      .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
      .where('id', '=', chatId)
      .returning(['last_version', 'last_seq', 'type']),
  );
  const chat = chats[0];
  if (!chat) throw new StorageError('CHAT_NOT_FOUND');
  const { rows: members } = yield* statement(
    db.selectFrom('chat_members').select(['user_id', 'role']).where('chat_id', '=', chatId),
  );
  const me = members.find((member) => member.user_id === input.userId);
  const { rows } = me
    ? yield* statement(
        db.selectFrom('messages').selectAll().where('chat_id', '=', chatId).where('id', '=', input.messageId),
      )
    : { rows: [] };
  const row = rows[0];
  if (!me || !row) {
    yield* giveVersionBack(db, chatId);
    throw new StorageError(me ? 'MESSAGE_NOT_FOUND' : 'NOT_A_MEMBER');
  }
  return {
    chatId,
    chatType: chat.type,
    version: Number(chat.last_version),
    lastSeq: Number(chat.last_seq),
    memberIds: members.map((member) => member.user_id),
    role: me.role,
    row,
  };
}

function* giveVersionBack(db: Kysely<Database>, chatId: string): WriteProgram<void> {
  yield* statement(
    db
      .updateTable('chats')
      .set((eb) => ({ last_version: eb('last_version', '-', 1) }))
      .where('id', '=', chatId),
  );
}

function* refuse(db: Kysely<Database>, target: Target, error: StorageError): WriteProgram<never> {
  yield* giveVersionBack(db, target.chatId);
  throw error;
}

/** The outcome: the message as it is now, read back with its reply preview and reactions. */
function* outcome(db: Kysely<Database>, target: Target, changed: boolean): WriteProgram<MessageChange> {
  let row = target.row;
  if (changed) {
    const { rows } = yield* statement(db.selectFrom('messages').selectAll().where('id', '=', row.id));
    row = rows[0] ?? row;
  } else {
    yield* giveVersionBack(db, target.chatId);
  }
  const [message] = yield* withDetails(db, [row]);
  return { message: message as MessageData, changed, memberIds: target.memberIds, lastSeq: target.lastSeq };
}

const setVersion = (db: Kysely<Database>, target: Target) =>
  db.updateTable('messages').set({ version: target.version }).where('id', '=', target.row.id);

/** Only the sender edits, within the edit window, a message that is not deleted; the same text is a repeat. */
export function* editMessage(db: Kysely<Database>, input: EditInput): WriteProgram<MessageChange> {
  const target = yield* openTarget(db, input);
  const { row } = target;
  if (row.sender_id !== input.userId) {
    return yield* refuse(db, target, new StorageError('FORBIDDEN', 'Only the sender can edit a message.'));
  }
  if (row.deleted_at !== null) return yield* refuse(db, target, new StorageError('MESSAGE_DELETED'));
  if (row.text === input.text) return yield* outcome(db, target, false);
  const now = Date.now();
  if (input.editWindowMs === 0 || now - Date.parse(row.created_at) > input.editWindowMs) {
    return yield* refuse(db, target, new StorageError('EDIT_WINDOW_CLOSED'));
  }
  yield* statement(setVersion(db, target).set({ text: input.text, edited_at: new Date(now).toISOString() }));
  return yield* outcome(db, target, true);
}

/** The sender deletes at any time, and so does an admin of a group; a deleted message is a repeat. */
export function* deleteMessage(db: Kysely<Database>, input: DeleteInput): WriteProgram<MessageChange> {
  const target = yield* openTarget(db, input);
  const { row } = target;
  const mayDelete =
    row.sender_id === input.userId || (target.chatType === 'group' && target.role === 'admin');
  if (!mayDelete) {
    const message = 'Only the sender or an admin of the group can delete a message.';
    return yield* refuse(db, target, new StorageError('FORBIDDEN', message));
  }
  if (row.deleted_at !== null) return yield* outcome(db, target, false);
  // A tombstone: the text, the quote, the reactions and the mentions go (and so the message leaves the
  // search index).
  const tombstone = {
    text: '',
    envelope: null,
    mentions: null,
    attachments: null,
    deleted_at: new Date().toISOString(),
  };
  const noQuote = { reply_to_id: null, reply_to_seq: null, reply_to_sender: null };
  yield* statement(setVersion(db, target).set({ ...tombstone, ...noQuote }));
  yield* statement(db.deleteFrom('message_reactions').where('message_id', '=', row.id));
  return yield* outcome(db, target, true);
}

/** Adds or removes one emoji of the user; adding one already there, or removing one that is not, is a repeat. */
export function* reactToMessage(db: Kysely<Database>, input: ReactionInput): WriteProgram<MessageChange> {
  const target = yield* openTarget(db, input);
  const { row } = target;
  const { rows: mine } = yield* statement(
    db
      .selectFrom('message_reactions')
      .select('emoji')
      .where('message_id', '=', row.id)
      .where('user_id', '=', input.userId),
  );
  const present = mine.some((reaction) => reaction.emoji === input.emoji);
  if (input.action === 'remove') {
    if (!present) return yield* outcome(db, target, false);
    yield* statement(
      db
        .deleteFrom('message_reactions')
        .where('message_id', '=', row.id)
        .where('user_id', '=', input.userId)
        .where('emoji', '=', input.emoji),
    );
  } else {
    if (row.deleted_at !== null) return yield* refuse(db, target, new StorageError('MESSAGE_DELETED'));
    if (present) return yield* outcome(db, target, false);
    if (mine.length >= LIMITS.reactionsPerUserPerMessage) {
      return yield* refuse(db, target, new StorageError('REACTION_LIMIT'));
    }
    yield* statement(
      db.insertInto('message_reactions').values({
        message_id: row.id,
        user_id: input.userId,
        emoji: input.emoji,
        created_at: new Date().toISOString(),
      }),
    );
  }
  yield* statement(setVersion(db, target));
  return yield* outcome(db, target, true);
}

/** A device's change cursor: never moves backwards; clamps to the chat's last version. */
export function* recordChangesReceived(
  db: Kysely<Database>,
  input: ChangesReceivedInput,
): WriteProgram<{ version: number }> {
  const { chatId, userId } = input;
  const { rows } = yield* statement(
    db
      .selectFrom('chat_members as cm')
      .innerJoin('chats as c', 'c.id', 'cm.chat_id')
      .select('c.last_version')
      .where('cm.chat_id', '=', chatId)
      .where('cm.user_id', '=', userId),
  );
  const member = rows[0];
  if (!member) throw yield* membershipError(db, chatId);
  const version = Math.min(input.upToVersion, Number(member.last_version));
  yield* statement(
    db
      .insertInto('device_receipts')
      .values({
        user_id: userId,
        device_id: input.deviceId,
        chat_id: chatId,
        received_seq: 0,
        received_version: version,
        updated_at: new Date().toISOString(),
      })
      .onConflict((oc) =>
        oc.columns(['user_id', 'device_id', 'chat_id']).doUpdateSet((eb) => ({
          received_version: eb
            .case()
            .when('device_receipts.received_version', '<', eb.ref('excluded.received_version'))
            .then(eb.ref('excluded.received_version'))
            .else(eb.ref('device_receipts.received_version'))
            .end(),
        })),
      ),
  );
  return { version };
}
