import { z } from 'zod';
import { LIMITS } from './limits.js';
import { chatIdSchema, idSchema, messageTextSchema, seqSchema } from './schemas.js';

// The schemas of the message actions (edit, delete, react, search, change receipts); their types are
// derived below. Replies are a field of `send_message` (schemas.ts).

const messageRefSchema = { chatId: chatIdSchema, messageId: idSchema.describe('message id') };

export const editMessageSchema = z.strictObject({ ...messageRefSchema, text: messageTextSchema });

export const deleteMessageSchema = z.strictObject(messageRefSchema);

/** One emoji as people see it: a single grapheme that is an emoji (a ZWJ sequence, flag or keycap too). */
// biome-ignore lint/complexity/useRegexLiterals: a literal with the v flag needs an ES2024 build target
const SINGLE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

export const emojiSchema = z
  .string()
  .max(LIMITS.emojiMaxLength)
  .transform((emoji) => emoji.normalize('NFC'))
  .refine((emoji) => SINGLE_EMOJI.test(emoji), 'must be a single emoji');

export const reactToMessageSchema = z.strictObject({
  ...messageRefSchema,
  emoji: emojiSchema,
  action: z.enum(['add', 'remove']),
});

/** Cumulative: "this device holds every change of the chat up to version N". */
export const changesReceivedSchema = z.strictObject({ chatId: chatIdSchema, upToVersion: seqSchema });

/** Words of a search: letters and digits; everything else separates them. */
const SEARCH_WORD = /[\p{L}\p{N}]+/gu;

/** The words a search query matches (each as a prefix), as the server uses them. */
export function searchWords(query: string): string[] {
  return (query.normalize('NFC').toLowerCase().match(SEARCH_WORD) ?? []).slice(0, LIMITS.searchMaxWords);
}

export const searchMessagesSchema = z.strictObject({
  query: z
    .string()
    .max(LIMITS.searchQueryMaxLength)
    .refine((query) => searchWords(query).length > 0, 'query must contain a letter or a digit'),
  /** Only this chat; omit for every chat of the user. */
  chatId: chatIdSchema.optional(),
  /** The `nextCursor` of the previous page; omit for the newest results. */
  cursor: idSchema.optional(),
  limit: z.number().int().min(1).max(LIMITS.searchPageMaxSize).default(20),
});

export type EditMessageInput = z.input<typeof editMessageSchema>;
export type DeleteMessageInput = z.input<typeof deleteMessageSchema>;
export type ReactToMessageInput = z.input<typeof reactToMessageSchema>;
export type ChangesReceivedInput = z.input<typeof changesReceivedSchema>;
export type SearchMessagesInput = z.input<typeof searchMessagesSchema>;
