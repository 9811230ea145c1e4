import type { ChatListItem } from '@mpi/client';

/** The heading of a chat: the group's name, or for a DM the other person (by display name). */
export function chatTitle(
  chat: Pick<ChatListItem, 'type' | 'name' | 'members'>,
  me: string,
  nameOf: (userId: string) => string = (userId) => userId,
): string {
  if (chat.name) return chat.name;
  const others = chat.members.filter((member) => member !== me).map(nameOf);
  if (chat.type === 'group') return others.length > 0 ? others.join(', ') : 'Group';
  return others[0] ?? (chat.members.length > 0 ? 'Notes to self' : 'Chat');
}

/** For a DM, the other member. */
export function dmPeer(chat: Pick<ChatListItem, 'type' | 'members'>, me: string): string | null {
  return chat.type === 'dm' ? (chat.members.find((member) => member !== me) ?? null) : null;
}

function parse(iso: string): Date | null {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Calendar days from `date` to `now` in local time: 0 today, 1 yesterday. */
function daysAgo(date: Date, now: Date): number {
  const midnight = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((midnight(now) - midnight(date)) / 86_400_000);
}

/** The chat list's date: "14:05" today, "Yesterday", "Monday" within a week, else "12 Mar" (and the year if not this one). */
export function shortTime(iso: string, now = new Date()): string {
  const date = parse(iso);
  if (!date) return '';
  const days = daysAgo(date, now);
  if (days <= 0) return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (days === 1) return 'Yesterday';
  if (days < 7) return date.toLocaleDateString([], { weekday: 'long' });
  return date.toLocaleDateString(
    [],
    date.getFullYear() === now.getFullYear()
      ? { day: 'numeric', month: 'short' }
      : { day: 'numeric', month: 'short', year: 'numeric' },
  );
}

/** A day separator of the message list: "Today", "Yesterday", "Monday" within a week, else "Tuesday, 12 March 2026". */
export function dayLabel(iso: string, now = new Date()): string {
  const date = parse(iso);
  if (!date) return '';
  const days = daysAgo(date, now);
  if (days <= 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days < 7) return date.toLocaleDateString([], { weekday: 'long' });
  return date.toLocaleDateString([], { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

/** The local calendar day of a timestamp, to tell where a day separator goes. */
export function dayKey(iso: string): string {
  return parse(iso)?.toDateString() ?? '';
}

/** The full date and time, for tooltips: "Tuesday, 12 March 2026 at 14:05". */
export function fullDateTime(iso: string): string {
  return parse(iso)?.toLocaleString([], { dateStyle: 'full', timeStyle: 'short' }) ?? '';
}

export function clockTime(iso: string): string {
  return parse(iso)?.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) ?? '';
}

/** A short id-list parser for "alice, bob  carol". */
export function parseIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter((id) => id !== ''))];
}
