import { Readable } from 'node:stream';
import type { UserDataExport } from '@mpi/protocol';
import type { MessageCursor, PrivacyStorage } from '../storage/privacy/privacy-storage.js';

/**
 * Rows read per query. The export holds one page at a time besides its head (profile, devices, chats,
 * preferences, groups, reminders): at most 500 messages of ≤ 4000 characters, ~2 MB of text, whatever
 * the user's history.
 */
const PAGE = 500;

/** `"key":[…]`, the array's items read page by page. */
async function* jsonArray<T>(key: string, read: (after: T | null) => Promise<T[]>): AsyncGenerator<string> {
  yield `${JSON.stringify(key)}:[`;
  let after: T | null = null;
  let first = true;
  for (;;) {
    const page = await read(after);
    for (const item of page) {
      yield `${first ? '' : ','}${JSON.stringify(item)}`;
      first = false;
    }
    if (page.length < PAGE) break;
    after = page.at(-1) ?? null;
  }
  yield ']';
}

/**
 * The user's export as a stream of JSON text: the head first, then the inbox, the messages of their chats
 * and the messages they sent elsewhere, each read a page at a time as the client reads. Not a snapshot:
 * what changes during the export may or may not be in it. A failure midway ends the stream early (the
 * client sees a truncated body, not valid JSON).
 */
export async function exportStream(privacy: PrivacyStorage, userId: string, now: Date): Promise<Readable> {
  // Read before the answer starts, so that a failure here is an ordinary error response.
  const head = await privacy.exportHead(userId);
  const { notifications, ...rest } = head;
  const opening: Omit<UserDataExport, 'notifications' | 'messages' | 'sentInOtherChats'> = {
    format: 'mpi-user-export/1',
    exportedAt: now.toISOString(),
    ...rest,
  };
  async function* body(): AsyncGenerator<string> {
    yield `${JSON.stringify(opening).slice(0, -1)},"notifications":${JSON.stringify(notifications).slice(0, -1)},`;
    yield* jsonArray<UserDataExport['notifications']['items'][number]>('items', (after) =>
      privacy.exportNotifications(userId, after?.seq ?? 0, PAGE),
    );
    yield '},';
    yield* jsonArray<MessageCursor>('messages', (after) => privacy.exportMessages(userId, after, PAGE));
    yield ',';
    yield* jsonArray<MessageCursor>('sentInOtherChats', (after) =>
      privacy.exportSentElsewhere(userId, after, PAGE),
    );
    yield '}';
  }
  return Readable.from(body(), { objectMode: false });
}
