import type { ChatMessage } from '@mpi/client';
import { useMessageActions, useReactions } from '@mpi/react';
import { useEffect, useRef } from 'react';
import type { MessageUi } from './message-ui.js';

const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉'];
const LONG_PRESS_MS = 500;

/**
 * Below a bubble: its reaction chips (tap to add or remove yours) and the actions menu, opened with the
 * "⋯" button (shown on hover on desktop, always on touch screens), a long press or a right click.
 */
export function MessageActions({ message, ui }: { message: ChatMessage; ui: MessageUi }) {
  const actions = useMessageActions(message.chatId);
  const chips = useReactions(message);
  const open = message.id !== null && ui.menuFor === message.id;
  const { setMenuFor } = ui;
  const menuRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: Event) => {
      if (!menuRef.current?.contains(event.target as Node)) setMenuFor(null);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setMenuFor(null);
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', onKey);
    };
  }, [open, setMenuFor]);

  if (message.id === null) return null; // not sent yet: nothing to act on
  const act = (run: () => unknown) => {
    setMenuFor(null);
    run();
  };
  const deleted = message.deletedAt !== null;
  return (
    <div className="message-actions" ref={menuRef}>
      {chips.length > 0 && (
        <ul className="reactions" aria-label="Reactions">
          {chips.map((chip) => (
            <li key={chip.emoji}>
              <button
                type="button"
                className={`reaction${chip.mine ? ' mine' : ''}`}
                aria-pressed={chip.mine}
                title={chip.userIds.join(', ')}
                aria-label={`${chip.emoji} ${chip.count}: ${chip.userIds.join(', ')}`}
                onClick={() => void actions.toggleReaction(message, chip.emoji)}
              >
                {chip.emoji} <span className="reaction-count">{chip.count}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {!deleted && (
        <button
          type="button"
          className="menu-button"
          aria-label="Message actions"
          aria-haspopup="menu"
          aria-expanded={open}
          onClick={() => setMenuFor(open ? null : message.id)}
        >
          ⋯
        </button>
      )}
      {open && !deleted && (
        <div className="action-menu" role="menu" aria-label="Message actions">
          <div className="quick-reactions">
            {QUICK_REACTIONS.map((emoji) => (
              <button
                key={emoji}
                type="button"
                role="menuitem"
                aria-label={`React ${emoji}`}
                onClick={() => act(() => actions.toggleReaction(message, emoji))}
              >
                {emoji}
              </button>
            ))}
          </div>
          <button type="button" role="menuitem" onClick={() => act(() => ui.setReplyTo(message))}>
            Reply
          </button>
          {actions.canEdit(message) && (
            <button type="button" role="menuitem" onClick={() => act(() => ui.setEditingId(message.id))}>
              Edit
            </button>
          )}
          {actions.canDelete(message, { isAdmin: ui.isAdmin }) && (
            <button
              type="button"
              role="menuitem"
              className="danger"
              onClick={() => act(() => message.id && actions.remove(message.id))}
            >
              Delete
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * Long press (touch) or right click on a bubble opens its actions menu: the handlers to spread on the
 * bubble. Not for a message that is not sent yet, or deleted.
 */
export function useLongPress(message: ChatMessage, ui: MessageUi) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const cancel = () => clearTimeout(timer.current);
  const id = message.deletedAt === null ? message.id : null;
  const onLongPress = () => {
    if (id !== null) ui.setMenuFor(id);
  };
  if (id === null) return {};
  return {
    onPointerDown: (event: { pointerType: string }) => {
      if (event.pointerType !== 'touch') return;
      cancel();
      timer.current = setTimeout(onLongPress, LONG_PRESS_MS);
    },
    onPointerUp: cancel,
    onPointerMove: cancel,
    onPointerCancel: cancel,
    onContextMenu: (event: { preventDefault(): void }) => {
      event.preventDefault();
      onLongPress();
    },
  };
}
