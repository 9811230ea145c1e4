import type { NotificationEventName, NotificationPayloadOf } from '@mpi/protocol';

/** How the centre groups notifications; a channel of its own for each but webhooks. */
export type NotificationCategory = 'calendar' | 'match' | 'training' | 'system' | 'webhook' | 'mention';

export interface NotificationText {
  category: NotificationCategory;
  title: string;
  body: string;
}

export const CATEGORY_LABEL: Record<NotificationCategory, string> = {
  calendar: 'Calendar',
  match: 'Match',
  training: 'Training',
  system: 'System',
  webhook: 'Notice',
  mention: 'Mention',
};

function when(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString([], {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** An ISO 8601 duration (`PT1H`, `P1DT2H30M`) in words: "in 1 day 2 h 30 min". */
function inWords(duration: string): string {
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!match) return duration;
  const [, weeks, days, hours, minutes, seconds] = match;
  const parts: string[] = [];
  const totalDays = Number(weeks ?? 0) * 7 + Number(days ?? 0);
  if (totalDays > 0) parts.push(`${totalDays} ${totalDays === 1 ? 'day' : 'days'}`);
  if (Number(hours ?? 0) > 0) parts.push(`${Number(hours)} h`);
  if (Number(minutes ?? 0) > 0) parts.push(`${Number(minutes)} min`);
  if (parts.length === 0 && Number(seconds ?? 0) > 0) parts.push(`${Math.round(Number(seconds))} s`);
  return parts.length === 0 ? 'now' : `in ${parts.join(' ')}`;
}

function place(location: string | undefined): string {
  return location ? ` · ${location}` : '';
}

type Describers = { [E in NotificationEventName]: (payload: NotificationPayloadOf<E>) => NotificationText };

/** Title and text of each notification event, for the toast and the centre. */
const DESCRIBE: Describers = {
  'calendar:event-created': ({ event }) => ({
    category: 'calendar',
    title: `New event: ${event.title}`,
    body: `${when(event.startsAt)}${place(event.location)}`,
  }),
  'calendar:event-updated': ({ event }) => ({
    category: 'calendar',
    title: `Event changed: ${event.title}`,
    body: `${when(event.startsAt)}${place(event.location)}`,
  }),
  'calendar:event-cancelled': ({ event }) => ({
    category: 'calendar',
    title: `Event cancelled: ${event.title}`,
    body: `Was ${when(event.startsAt)}`,
  }),
  'calendar:reminder': ({ event, timeUntil }) => ({
    category: 'calendar',
    title: `Reminder: ${event.title}`,
    body: `Starts ${inWords(timeUntil)}${place(event.location)}`,
  }),
  'match:scheduled': ({ match }) => ({
    category: 'match',
    title: `Match scheduled: ${matchName(match)}`,
    body: `${when(match.startsAt)}${place(match.location)}`,
  }),
  'match:updated': ({ match }) => ({
    category: 'match',
    title: `Match changed: ${matchName(match)}`,
    body: `${when(match.startsAt)}${place(match.location)}`,
  }),
  'match:cancelled': ({ match }) => ({
    category: 'match',
    title: `Match cancelled: ${matchName(match)}`,
    body: `Was ${when(match.startsAt)}`,
  }),
  'match:reminder': ({ match, timeUntil }) => ({
    category: 'match',
    title: `Match soon: ${matchName(match)}`,
    body: `Kick-off ${inWords(timeUntil)}${place(match.location)}`,
  }),
  'training:scheduled': ({ training }) => ({
    category: 'training',
    title: `Training scheduled: ${training.title}`,
    body: `${when(training.startsAt)}${place(training.location)}${training.coach ? ` · ${training.coach}` : ''}`,
  }),
  'training:reminder': ({ training, timeUntil }) => ({
    category: 'training',
    title: `Training soon: ${training.title}`,
    body: `Starts ${inWords(timeUntil)}${place(training.location)}`,
  }),
  'system:maintenance': ({ message }) => ({ category: 'system', title: 'Maintenance', body: message }),
  'system:update': ({ message }) => ({ category: 'system', title: 'Update', body: message }),
  'webhook:notification': ({ title, message }) => ({ category: 'webhook', title, body: message }),
  'chat:mention': ({ senderId, senderName, chatName, text }) => ({
    category: 'mention',
    title: `${senderName ?? senderId} mentioned you${chatName ? ` in ${chatName}` : ''}`,
    body: text,
  }),
};

function matchName(match: { title: string; homeTeam?: string; awayTeam?: string }): string {
  return match.homeTeam && match.awayTeam ? `${match.homeTeam} – ${match.awayTeam}` : match.title;
}

export function describeNotification<E extends NotificationEventName>(
  event: E,
  payload: NotificationPayloadOf<E>,
): NotificationText {
  const describe = DESCRIBE[event] as (payload: NotificationPayloadOf<E>) => NotificationText;
  try {
    return describe(payload);
  } catch {
    // A payload that does not have the documented shape still shows up, as a generic notice.
    return { category: 'webhook', title: event, body: '' };
  }
}
