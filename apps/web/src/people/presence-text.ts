import type { UserPresence } from '@mpi/protocol';

/** "online", "last seen 5 min ago", "last seen today at 14:05", "last seen 12 Mar"; "" when not shown. */
export function presenceText(presence: UserPresence | undefined, now = Date.now()): string {
  if (!presence) return '';
  if (presence.online) return 'online';
  if (!presence.lastSeenAt) return '';
  const seen = new Date(presence.lastSeenAt);
  const ago = now - seen.getTime();
  if (Number.isNaN(ago)) return '';
  if (ago < 60_000) return 'last seen just now';
  if (ago < 3_600_000) return `last seen ${Math.floor(ago / 60_000)} min ago`;
  const time = seen.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (seen.toDateString() === new Date(now).toDateString()) return `last seen today at ${time}`;
  return `last seen ${seen.toLocaleDateString([], { day: 'numeric', month: 'short' })} at ${time}`;
}
