import { MANDATORY_CHANNELS, type NotificationChannel } from '@mpi/protocol';

export const CHANNEL_LABEL: Record<NotificationChannel, string> = {
  calendar: 'Calendar',
  matches: 'Matches',
  training: 'Training',
  system: 'System notices',
};

/** Channels the user cannot leave (`system`: maintenance and service notices). */
export function isMandatory(channel: NotificationChannel): boolean {
  return MANDATORY_CHANNELS.includes(channel);
}
