import { LinkifyIt } from 'linkify-it';

/** A piece of message text: plain text, or a link to open. */
export type TextPart = { text: string; href?: undefined } | { text: string; href: string };

/** Only these open from a message: never `javascript:`, `data:` or `file:`. */
const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

const linkify = new LinkifyIt();

/**
 * Splits message text into text and links (linkify-it finds them: `https://…`, `www.…`, `name@host`).
 * The caller renders text as text nodes and links as `<a>` elements, so nothing in a message is ever
 * parsed as HTML; a link whose resolved scheme is not http, https or mailto stays text.
 */
export function linkifyText(text: string): TextPart[] {
  const matches = linkify.match(text);
  if (!matches) return [{ text }];
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of matches) {
    let href: string | null = null;
    try {
      const url = new URL(match.url);
      if (SAFE_SCHEMES.has(url.protocol)) href = url.href;
    } catch {
      href = null;
    }
    if (href === null) continue;
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    parts.push({ text: match.raw, href });
    at = match.lastIndex;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}
