import type { MessageData } from '@mpi/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSocketService } from './context.js';

export interface UseSearchOptions {
  /** Only this chat; omit for every chat of the user. */
  chatId?: string;
  /** Wait this long after the last keystroke before searching. Default 250 ms. */
  debounceMs?: number;
  /** Results per page (1–50). Default 20. */
  limit?: number;
}

export interface UseSearchResult {
  query: string;
  setQuery(query: string): void;
  /** Matches, newest first: every page loaded so far. */
  results: readonly MessageData[];
  loading: boolean;
  /** The error code of the last search (e.g. `UNAVAILABLE` while offline), or null. */
  error: string | null;
  hasMore: boolean;
  loadMore(): void;
}

/** No letter or digit: nothing to search for (the server would refuse it). */
const searchable = (query: string) => /[\p{L}\p{N}]/u.test(query);

/**
 * Full-text search over the user's chats as they type: debounced, and an answer to an older query never
 * replaces a newer one's.
 */
export function useSearch({ chatId, debounceMs = 250, limit = 20 }: UseSearchOptions = {}): UseSearchResult {
  const service = useSocketService();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<readonly MessageData[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  const run = useCallback(
    async (text: string, from: string | null) => {
      const ticket = ++latest.current;
      setLoading(true);
      const ack = await service.searchMessages(text, {
        limit,
        ...(chatId !== undefined && { chatId }),
        ...(from !== null && { cursor: from }),
      });
      if (ticket !== latest.current) return;
      setLoading(false);
      if (!ack.ok) {
        setError(ack.error.code);
        return;
      }
      setError(null);
      setResults((previous) => (from === null ? ack.results : [...previous, ...ack.results]));
      setCursor(ack.nextCursor);
    },
    [service, chatId, limit],
  );

  useEffect(() => {
    if (!searchable(query)) {
      latest.current++;
      setResults([]);
      setCursor(null);
      setLoading(false);
      setError(null);
      return;
    }
    const timer = setTimeout(() => void run(query, null), debounceMs);
    return () => clearTimeout(timer);
  }, [query, run, debounceMs]);

  const loadMore = useCallback(() => {
    if (cursor !== null && !loading) void run(query, cursor);
  }, [cursor, loading, query, run]);

  return { query, setQuery, results, loading, error, hasMore: cursor !== null, loadMore };
}
