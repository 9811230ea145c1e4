import type { ChatListItem } from '@mpi/client';
import { useSearch } from '@mpi/react';
import { useId } from 'react';
import { chatTitle, shortTime } from './format.js';
import { jumpToMessage } from './jump-to-message.js';

/** Full-text search over the user's chats; a result opens its chat at the message. */
export function SearchBox({ chats, me }: { chats: readonly ChatListItem[]; me: string }) {
  const search = useSearch();
  const id = useId();
  const titleOf = (chatId: string) => {
    const chat = chats.find((c) => c.id === chatId);
    return chat ? chatTitle(chat, me) : 'Chat';
  };
  const active = search.query.trim() !== '';
  return (
    <search className="search">
      <label htmlFor={id} className="visually-hidden">
        Search messages
      </label>
      <input
        id={id}
        type="search"
        placeholder="Search messages"
        value={search.query}
        onChange={(event) => search.setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') search.setQuery('');
        }}
      />
      {active && (
        <div className="search-results" aria-live="polite">
          {search.error && <p className="empty">Search is unavailable ({search.error}).</p>}
          {!search.error && !search.loading && search.results.length === 0 && (
            <p className="empty">No messages found.</p>
          )}
          <ul aria-label="Search results">
            {search.results.map((result) => (
              <li key={result.id}>
                <button
                  type="button"
                  className="search-result"
                  onClick={() => {
                    search.setQuery('');
                    jumpToMessage(result.chatId, result.id);
                  }}
                >
                  <span className="search-result-head">
                    <strong>{titleOf(result.chatId)}</strong> ·{' '}
                    {result.senderId === me ? 'You' : result.senderId}
                    <time dateTime={result.createdAt}>{shortTime(result.createdAt)}</time>
                  </span>
                  <span className="search-result-text">{result.text}</span>
                </button>
              </li>
            ))}
          </ul>
          {search.hasMore && (
            <button type="button" className="link-button" onClick={search.loadMore} disabled={search.loading}>
              More results
            </button>
          )}
        </div>
      )}
    </search>
  );
}
