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

/** "14:05" today, "Mon" this week, else "12 Mar". */
export function shortTime(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  if (date.toDateString() === now.toDateString()) {
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
  const days = (now.getTime() - date.getTime()) / 86_400_000;
  if (days < 6) return date.toLocaleDateString([], { weekday: 'short' });
  return date.toLocaleDateString([], { day: 'numeric', month: 'short' });
}

export function clockTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** A short id-list parser for "alice, bob  carol". */
export function parseIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter((id) => id !== ''))];
}
