import { AppError } from './errors.js';

/** What a content filter decides about one text: keep it, keep it masked, or refuse it, with a reason code. */
export type ContentVerdict =
  | { action: 'allow' }
  | { action: 'mask'; text: string; reason: string }
  | { action: 'reject'; reason: string };

/** Where a text comes from, for a filter that treats them differently. */
export interface ContentContext {
  field: 'message' | 'chat_name';
  userId: string;
  chatId?: string;
}

/**
 * The server-side content hook: every message text and chat name passes through it after schema
 * validation (so it sees NFC text without control or bidirectional-override characters) and before
 * anything is stored. Pass your own as `createServer(config, { contentFilter })`; the default is
 * {@link blocklistFilter} over CONTENT_BLOCKLIST. A rejection reaches the client as CONTENT_REJECTED
 * with the verdict's `reason`.
 */
export type ContentFilter = (
  text: string,
  context: ContentContext,
) => ContentVerdict | Promise<ContentVerdict>;

const escapeRegExp = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Refuses (or masks with `*`) texts that contain a listed word as a whole word, case-insensitively; words
 * are compared in NFC as texts are. An empty list allows everything.
 */
export function blocklistFilter(words: readonly string[], action: 'reject' | 'mask'): ContentFilter {
  if (words.length === 0) return () => ({ action: 'allow' });
  const pattern = new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${words.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`,
    'giu',
  );
  return (text) => {
    pattern.lastIndex = 0;
    if (!pattern.test(text)) return { action: 'allow' };
    if (action === 'reject') return { action: 'reject', reason: 'blocklist' };
    return {
      action: 'mask',
      text: text.replace(pattern, (match) => '*'.repeat([...match].length)),
      reason: 'blocklist',
    };
  };
}

/** Runs the filter: the text to store, or CONTENT_REJECTED with the filter's reason. */
export async function filterContent(
  filter: ContentFilter,
  text: string,
  context: ContentContext,
): Promise<string> {
  const verdict = await filter(text, context);
  if (verdict.action === 'allow') return text;
  if (verdict.action === 'mask') return verdict.text;
  throw new AppError(
    'CONTENT_REJECTED',
    `The content filter refused this text (${verdict.reason}).`,
    verdict.reason,
  );
}
