import type { MessageData, ReactionSummary, ReplyPreview } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { Database, MessageRow } from '../db/schema.js';
import { statement, type WriteProgram } from '../db/write-program.js';
import { toMessage } from './rows.js';

/*
 * What a message shows besides its own row: the current state of the message it answers and its
 * reactions. Both are read at the time the message is read, so a reply quotes the original as it is now
 * (edited, or deleted) wherever it is read: history, catch-up, search, the ack of an action. A program, so
 * the same code runs inside the group commit and on a plain read (`runProgram`).
 */

/** The messages of `rows`, in their order, with reply previews and reactions: at most two statements. */
export function* withDetails(db: Kysely<Database>, rows: readonly MessageRow[]): WriteProgram<MessageData[]> {
  const replyIds = [...new Set(rows.flatMap((row) => (row.reply_to_id === null ? [] : [row.reply_to_id])))];
  // A message that never changed has no reactions: reactions move the version.
  const changedIds = rows.filter((row) => Number(row.version) > 0).map((row) => row.id);
  const originals = new Map<string, { text: string; deleted_at: string | null }>();
  if (replyIds.length > 0) {
    const { rows: found } = yield* statement(
      db.selectFrom('messages').select(['id', 'text', 'deleted_at']).where('id', 'in', replyIds),
    );
    for (const original of found) originals.set(original.id, original);
  }
  const reactions = new Map<string, ReactionSummary[]>();
  if (changedIds.length > 0) {
    const { rows: found } = yield* statement(
      db
        .selectFrom('message_reactions')
        .select(['message_id', 'emoji', 'user_id'])
        .where('message_id', 'in', changedIds)
        .orderBy('created_at')
        .orderBy('user_id')
        .orderBy('emoji'),
    );
    for (const reaction of found) {
      const list = reactions.get(reaction.message_id) ?? [];
      reactions.set(reaction.message_id, list);
      const entry = list.find((r) => r.emoji === reaction.emoji);
      if (entry) entry.userIds.push(reaction.user_id);
      else list.push({ emoji: reaction.emoji, userIds: [reaction.user_id] });
    }
  }
  return rows.map((row) => {
    const message = toMessage(row);
    if (row.reply_to_id !== null) message.replyTo = replyPreview(row, originals.get(row.reply_to_id));
    const list = reactions.get(row.id);
    if (list) message.reactions = list;
    return message;
  });
}

function replyPreview(
  row: MessageRow,
  original: { text: string; deleted_at: string | null } | undefined,
): ReplyPreview {
  // An original gone by retention shows as deleted, as one its sender removed.
  const deleted = original === undefined || original.deleted_at !== null;
  return {
    messageId: row.reply_to_id ?? '',
    seq: Number(row.reply_to_seq ?? 0),
    senderId: row.reply_to_sender ?? '',
    text: deleted ? '' : original.text,
    deleted,
  };
}
