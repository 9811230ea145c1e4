import type { Attachment } from '@mpi/protocol';
import type { Kysely } from 'kysely';
import type { Database, FileRow } from '../db/schema.js';
import { StorageError } from '../db/storage-error.js';
import type { AttachableQuery, CompletedUpload, FileRecord, FileStorage, NewUpload } from './file-storage.js';

function toAttachment(row: FileRow): Attachment {
  return {
    id: row.id,
    name: row.name,
    size: Number(row.size),
    type: row.type,
    sha256: row.sha256 ?? '',
    ...(row.width !== null &&
      row.height !== null && { width: Number(row.width), height: Number(row.height) }),
    ...(Number(row.has_thumbnail) === 1 && { thumbnail: true }),
    ...(row.duration_ms !== null && { durationMs: Number(row.duration_ms) }),
    ...(row.waveform !== null && { waveform: row.waveform.split(',').map(Number) }),
  };
}

/** {@link FileStorage} over Kysely: plain queries, off the chat's group commit (uploads are not hot). */
export class KyselyFileStorage implements FileStorage {
  constructor(private readonly db: Kysely<Database>) {}

  async createUpload(upload: NewUpload): Promise<void> {
    await this.db
      .insertInto('files')
      .values({
        id: upload.id,
        owner_id: upload.ownerId,
        chat_id: upload.chatId,
        name: upload.name,
        type: upload.type,
        size: upload.size,
        status: 'uploading',
        sha256: null,
        width: null,
        height: null,
        duration_ms: upload.durationMs ?? null,
        waveform: upload.waveform?.join(',') ?? null,
        message_id: null,
        created_at: new Date().toISOString(),
        completed_at: null,
      })
      .execute();
  }

  async completeUpload(id: string, result: CompletedUpload): Promise<void> {
    await this.db
      .updateTable('files')
      .set({
        status: 'complete',
        sha256: result.sha256,
        width: result.width ?? null,
        height: result.height ?? null,
        has_thumbnail: result.hasThumbnail ? 1 : 0,
        completed_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
  }

  async getFile(id: string): Promise<FileRecord | undefined> {
    const row = await this.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      ownerId: row.owner_id,
      chatId: row.chat_id,
      status: row.status,
      messageId: row.message_id,
      attachment: toAttachment(row),
    };
  }

  async attachable(ids: string[], query: AttachableQuery): Promise<Attachment[]> {
    const rows = await this.db
      .selectFrom('files as f')
      .leftJoin('messages as m', 'm.id', 'f.message_id')
      .selectAll('f')
      .select('m.client_message_id as sent_with')
      .where('f.id', 'in', ids)
      .execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => {
      const row = byId.get(id);
      const usable =
        row !== undefined &&
        row.owner_id === query.ownerId &&
        row.chat_id === query.chatId &&
        row.status === 'complete' &&
        (row.message_id === null || row.sent_with === query.clientMessageId);
      if (!usable)
        throw new StorageError('ATTACHMENT_INVALID', `Upload ${id} cannot be sent with this message.`);
      return toAttachment(row);
    });
  }

  async pruneFiles(unsentBefore: Date): Promise<string[]> {
    const rows = await this.db
      .deleteFrom('files')
      .where((eb) =>
        eb.or([
          eb.and([eb('message_id', 'is', null), eb('created_at', '<', unsentBefore.toISOString())]),
          eb.and([
            eb('message_id', 'is not', null),
            eb.not(
              eb.exists(
                eb.selectFrom('messages').select('id').whereRef('messages.id', '=', 'files.message_id'),
              ),
            ),
          ]),
        ]),
      )
      .returning('id')
      .execute();
    return rows.map((row) => row.id);
  }

  async deleteFilesOfUser(userId: string): Promise<string[]> {
    const rows = await this.db.deleteFrom('files').where('owner_id', '=', userId).returning('id').execute();
    return rows.map((row) => row.id);
  }
}
