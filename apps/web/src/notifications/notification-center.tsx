import { NOTIFICATION_CHANNELS, type NotificationChannel, type NotificationItem } from '@mpi/protocol';
import type { UseNotificationSocketResult } from '@mpi/react';
import { useEffect, useState } from 'react';
import { fullDateTime, shortTime } from '../format.js';
import { CATEGORY_LABEL, describeNotification } from './describe.js';
import { CHANNEL_LABEL, isMandatory } from './preferences.js';
import { PushToggle } from './push-toggle.js';

function describeItem(item: NotificationItem) {
  return describeNotification(item.event, item.payload);
}

/**
 * The user's inbox (the SDK's NotificationStore, through `useNotificationSocket`: kept on the server, the
 * same on every device), newest first, and the channel preference.
 */
export function NotificationCenter({
  inbox,
  focusId,
}: {
  inbox: UseNotificationSocketResult;
  /** An item to bring into view and focus (opened from its OS notification). */
  focusId?: string | undefined;
}) {
  const { notifications, unreadCount, channels, loaded, isConnected, markAllRead } = inbox;
  // Box states while a change is on its way (the checkbox follows the click at once).
  const [pending, setPending] = useState<Partial<Record<NotificationChannel, boolean>>>({});

  // Seen once the centre is open: clear the unread count a moment after showing what was new.
  useEffect(() => {
    if (unreadCount === 0 || !isConnected) return;
    const timer = setTimeout(() => void markAllRead(), 1500);
    return () => clearTimeout(timer);
  }, [markAllRead, unreadCount, isConnected]);

  const focusShown = focusId !== undefined && notifications.some((item) => item.id === focusId);
  useEffect(() => {
    if (!focusShown) return;
    const element = document.getElementById(`notification-${focusId}`);
    element?.scrollIntoView({ block: 'center' });
    element?.focus();
  }, [focusShown, focusId]);

  const toggle = async (channel: NotificationChannel, on: boolean) => {
    setPending((current) => ({ ...current, [channel]: on }));
    await (on ? inbox.subscribe([channel]) : inbox.unsubscribe([channel]));
    setPending(({ [channel]: _, ...rest }) => rest);
  };

  const error = isConnected ? inbox.error : null;
  return (
    <section className="notifications" aria-labelledby="notifications-heading">
      <header className="panel-head">
        <h2 id="notifications-heading">Notifications</h2>
        <div className="panel-actions">
          <button
            type="button"
            onClick={() => void markAllRead()}
            disabled={unreadCount === 0 || !isConnected}
          >
            Mark all read
          </button>
        </div>
      </header>

      <PushToggle />

      <fieldset className="channels" aria-describedby="channels-hint">
        <legend>Channels</legend>
        <p id="channels-hint" className="hint channels-hint">
          {loaded ? 'Saved for your account: every device follows them.' : 'Loading your preferences…'}
        </p>
        {NOTIFICATION_CHANNELS.map((channel) => {
          const mandatory = isMandatory(channel);
          const on = mandatory || (pending[channel] ?? channels.includes(channel));
          return (
            <label key={channel} className="channel">
              <input
                type="checkbox"
                checked={on}
                disabled={mandatory || !isConnected || !loaded || pending[channel] !== undefined}
                onChange={(event) => void toggle(channel, event.target.checked)}
              />
              <span>{CHANNEL_LABEL[channel]}</span>
              {mandatory && <span className="channel-note">(always on)</span>}
            </label>
          );
        })}
        {error && (
          <p className="form-error" role="alert">
            {error.message}
          </p>
        )}
      </fieldset>

      {notifications.length === 0 ? (
        <p className="empty">{loaded ? 'No notifications yet.' : 'Loading…'}</p>
      ) : (
        <ul className="notification-list" aria-label="Received notifications">
          {notifications.map((item) => {
            const text = describeItem(item);
            return (
              <li
                key={item.id}
                id={`notification-${item.id}`}
                tabIndex={item.id === focusId ? -1 : undefined}
                aria-current={item.id === focusId ? 'true' : undefined}
                className={`notification category-${text.category}${item.read ? '' : ' unread'}${item.id === focusId ? ' focused' : ''}`}
                data-event={item.event}
              >
                <span className="notification-category">{CATEGORY_LABEL[text.category]}</span>
                <span className="notification-title">
                  {item.read ? null : <span className="visually-hidden">New: </span>}
                  {text.title}
                </span>
                {text.body && <span className="notification-body">{text.body}</span>}
                <time dateTime={item.createdAt} title={fullDateTime(item.createdAt)}>
                  {shortTime(item.createdAt)}
                </time>
              </li>
            );
          })}
        </ul>
      )}
      {inbox.hasMore && <p className="hint">Older notifications are kept on the server.</p>}
    </section>
  );
}
