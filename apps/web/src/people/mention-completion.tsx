import { type RefObject, useCallback, useEffect, useId, useState } from 'react';

export interface MentionCandidate {
  userId: string;
  name?: string | undefined;
}

type TextField = HTMLInputElement | HTMLTextAreaElement;

/** The `@word` being typed just before the caret, if any. */
function queryAt(field: TextField): { start: number; query: string } | null {
  const caret = field.selectionStart ?? field.value.length;
  const match = /(^|\s)@([A-Za-z0-9._:@-]*)$/.exec(field.value.slice(0, caret));
  if (!match) return null;
  const query = match[2] ?? '';
  return { start: caret - query.length - 1, query };
}

/** Sets a React-controlled field's value the way typing would, so its onChange sees it. */
function typeInto(field: TextField, value: string, caret: number): void {
  const prototype =
    field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(prototype, 'value')?.set?.call(field, value);
  field.dispatchEvent(new Event('input', { bubbles: true }));
  field.setSelectionRange(caret, caret);
}

const MAX_SUGGESTIONS = 6;

/**
 * @-completion of the chat's members for any message field (it only needs the field's ref): typing `@`
 * and letters of a name or id lists the matching members; ↑/↓ pick, Enter or Tab insert `@userId `,
 * Escape closes. The inserted ids are what the message's `mentions` are read from.
 */
export function MentionCompletion({
  fieldRef,
  candidates,
}: {
  fieldRef: RefObject<TextField | null>;
  candidates: readonly MentionCandidate[];
}) {
  const listId = useId();
  const [open, setOpen] = useState<{ start: number; matches: MentionCandidate[] } | null>(null);
  const [active, setActive] = useState(0);

  const refresh = useCallback(() => {
    const field = fieldRef.current;
    const at = field ? queryAt(field) : null;
    if (!at) {
      setOpen(null);
      return;
    }
    const q = at.query.toLowerCase();
    const matches = candidates
      .filter((c) => c.userId.toLowerCase().startsWith(q) || (c.name?.toLowerCase().includes(q) ?? false))
      .slice(0, MAX_SUGGESTIONS);
    setOpen(matches.length > 0 ? { start: at.start, matches } : null);
    setActive(0);
  }, [fieldRef, candidates]);

  const choose = useCallback(
    (candidate: MentionCandidate) => {
      const field = fieldRef.current;
      if (!field || !open) return;
      const caret = field.selectionStart ?? field.value.length;
      const inserted = `@${candidate.userId} `;
      typeInto(
        field,
        field.value.slice(0, open.start) + inserted + field.value.slice(caret),
        open.start + inserted.length,
      );
      setOpen(null);
      field.focus();
    },
    [fieldRef, open],
  );

  useEffect(() => {
    const field = fieldRef.current;
    if (!field) return;
    const onKeyDown = (event: Event) => {
      const key = (event as KeyboardEvent).key;
      if (!open) return;
      if (key === 'ArrowDown' || key === 'ArrowUp') {
        event.preventDefault();
        const step = key === 'ArrowDown' ? 1 : -1;
        setActive((i) => (i + step + open.matches.length) % open.matches.length);
      } else if (key === 'Enter' || key === 'Tab') {
        event.preventDefault(); // Enter picks the member instead of sending
        const candidate = open.matches[active];
        if (candidate) choose(candidate);
      } else if (key === 'Escape') {
        setOpen(null);
      }
    };
    const onBlur = () => setOpen(null);
    field.addEventListener('input', refresh);
    field.addEventListener('click', refresh);
    field.addEventListener('keydown', onKeyDown);
    field.addEventListener('blur', onBlur);
    // A text box may say it completes a list and which option is active (aria-expanded is a combobox's).
    field.setAttribute('aria-autocomplete', 'list');
    if (open) {
      field.setAttribute('aria-controls', listId);
      field.setAttribute('aria-activedescendant', `${listId}-${active}`);
    } else {
      field.removeAttribute('aria-controls');
      field.removeAttribute('aria-activedescendant');
    }
    return () => {
      field.removeEventListener('input', refresh);
      field.removeEventListener('click', refresh);
      field.removeEventListener('keydown', onKeyDown);
      field.removeEventListener('blur', onBlur);
    };
  }, [fieldRef, open, active, refresh, choose, listId]);

  if (!open) return null;
  return (
    <div className="mention-list" id={listId} role="listbox" aria-label="Mention a member">
      {open.matches.map((candidate, i) => (
        <div
          key={candidate.userId}
          id={`${listId}-${i}`}
          role="option"
          tabIndex={-1}
          aria-selected={i === active}
          className={i === active ? 'active' : undefined}
          // Before the field's blur closes the list.
          onMouseDown={(event) => {
            event.preventDefault();
            choose(candidate);
          }}
        >
          <span className="mention-name">{candidate.name ?? candidate.userId}</span>
          {candidate.name && <span className="mention-id">@{candidate.userId}</span>}
        </div>
      ))}
    </div>
  );
}
