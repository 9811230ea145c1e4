import { ConnectionState, type NotificationSnapshot } from '@mpi/client';
import {
  NOTIFICATION_EVENT_NAMES,
  type NotificationChannel,
  type NotificationEventName,
  type NotificationEvents,
  type NotificationPayloadOf,
  type SocketErrorPayload,
} from '@mpi/protocol';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useSocketService } from './context.js';
import { useSocket } from './use-socket.js';

export interface UseNotificationSocketOptions {
  /** One callback per event type, e.g. `{ 'match:scheduled': ({ match }) => … }`. */
  handlers?: { [E in NotificationEventName]?: (payload: NotificationPayloadOf<E>) => void };
  /** Called for every notification event, after its own handler. */
  onNotification?: <E extends NotificationEventName>(event: E, payload: NotificationPayloadOf<E>) => void;
  /** Connect on mount, as the guide's hook does (default true). The socket stays open on unmount: it is shared. */
  autoConnect?: boolean;
}

export interface UseNotificationSocketResult extends NotificationSnapshot {
  state: ConnectionState;
  isConnected: boolean;
  /** The latest problem to show the user: a refused connection or a failed subscription; null when fine. */
  error: { code: string; message: string } | null;
  /** Changes the user's stored channel preference (all their devices); resolves false on failure. */
  subscribe(channels: NotificationChannel[]): Promise<boolean>;
  unsubscribe(channels: NotificationChannel[]): Promise<boolean>;
  markRead(ids: readonly string[]): Promise<boolean>;
  markAllRead(): Promise<boolean>;
}

/**
 * Real-time notifications: connects on mount, calls a handler per event type, and exposes the inbox, the
 * unread count and the channel preference. Channels are the user's stored consent (the server applies it
 * to every connection), so this hook never subscribes on its own: `subscribe`/`unsubscribe` are for the
 * user's choices.
 */
export function useNotificationSocket(
  options: UseNotificationSocketOptions = {},
): UseNotificationSocketResult {
  const { autoConnect = true } = options;
  const service = useSocketService();
  const store = service.notifications;
  const status = useSocket({ pingIntervalMs: 0 });
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const [requestError, setRequestError] = useState<{ code: string; message: string } | null>(null);
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    const state = service.getState();
    if (autoConnect && (state === ConnectionState.DISCONNECTED || state === ConnectionState.ERROR))
      service.connect();
  }, [service, autoConnect]);

  useEffect(() => {
    if (status.isConnected && !snapshot.loaded) void store.load();
  }, [store, status.isConnected, snapshot.loaded]);

  useEffect(() => {
    const offs = NOTIFICATION_EVENT_NAMES.map((event) =>
      service.on(event, ((payload: NotificationPayloadOf<typeof event>) => {
        const handler = latest.current.handlers?.[event] as ((p: unknown) => void) | undefined;
        handler?.(payload);
        latest.current.onNotification?.(event, payload);
      }) as NotificationEvents[typeof event]),
    );
    const offError = service.on('socket_error', (error: SocketErrorPayload) => {
      if (error.event === 'subscribe' || error.event === 'unsubscribe') setRequestError(error);
    });
    return () => {
      for (const off of offs) off();
      offError();
    };
  }, [service]);

  const change = useCallback(
    async (action: 'subscribe' | 'unsubscribe', list: NotificationChannel[]) => {
      const ok = await (action === 'subscribe'
        ? store.subscribeChannels(list)
        : store.unsubscribeChannels(list));
      if (ok) setRequestError(null);
      return ok;
    },
    [store],
  );

  return {
    ...snapshot,
    state: status.state,
    isConnected: status.isConnected,
    error: requestError ?? status.lastError,
    subscribe: useCallback((list) => change('subscribe', list), [change]),
    unsubscribe: useCallback((list) => change('unsubscribe', list), [change]),
    markRead: useCallback((ids) => store.markRead(ids), [store]),
    markAllRead: useCallback(() => store.markAllRead(), [store]),
  };
}
