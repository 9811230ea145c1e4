import { useId, useState } from 'react';
import { linkifyText } from './linkify.js';

/** Longer messages show their start and a "Show more" button (a 4,000-character message is a page). */
const COLLAPSE_OVER_CHARS = 700;
const COLLAPSE_OVER_LINES = 12;
const PREVIEW_CHARS = 500;
const PREVIEW_LINES = 8;

function preview(text: string): string | null {
  const lines = text.split('\n');
  if (text.length <= COLLAPSE_OVER_CHARS && lines.length <= COLLAPSE_OVER_LINES) return null;
  const head = lines.slice(0, PREVIEW_LINES).join('\n');
  return `${head.slice(0, PREVIEW_CHARS).trimEnd()}…`;
}

/** A message's text with clickable links, collapsed behind "Show more" when long. */
export function MessageText({ text }: { text: string }) {
  const [expanded, setExpanded] = useState(false);
  const id = useId();
  const short = preview(text);
  const shown = expanded || short === null ? text : short;
  return (
    <>
      <span className="text" id={id} data-collapsed={short !== null && !expanded ? 'true' : undefined}>
        {linkifyText(shown).map((part, index) =>
          part.href === undefined ? (
            part.text
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one text never move
            <a key={index} href={part.href} target="_blank" rel="noopener noreferrer">
              {part.text}
            </a>
          ),
        )}
      </span>
      {short !== null && (
        <button
          type="button"
          className="link-button show-more"
          aria-expanded={expanded}
          aria-controls={id}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'Show less' : 'Show more'}
        </button>
      )}
    </>
  );
}
