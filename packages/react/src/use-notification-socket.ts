import { ConnectionState } from '@mpi/client';
import {
  NOTIFICATION_EVENT_NAMES,
  type NotificationChannel,
  type NotificationEventName,
  type NotificationEvents,
  type SocketErrorPayload,
} from '@mpi/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useSocketService } from './context.js';
import { useSocket } from './use-socket.js';

export const ALL_CHANNELS: readonly NotificationChannel[] = ['calendar', 'matches', 'training', 'system'];

type NotificationPayload<E extends NotificationEventName> = Parameters<NotificationEvents[E]>[0];

export interface UseNotificationSocketOptions {
  /** Channels to subscribe to once connected (default: all four). */
  channels?: readonly NotificationChannel[];
  /** One callback per event type, e.g. `{ 'match:scheduled': ({ match }) => … }`. */
  handlers?: { [E in NotificationEventName]?: (payload: NotificationPayload<E>) => void };
  /** Called for every notification event, after its own handler. */
  onNotification?: <E extends NotificationEventName>(event: E, payload: NotificationPayload<E>) => void;
  /** Connect on mount, as the guide's hook does (default true). The socket stays open on unmount: it is shared. */
  autoConnect?: boolean;
}

export interface UseNotificationSocketResult {
  state: ConnectionState;
  isConnected: boolean;
  /** The latest problem to show the user: a refused connection or a failed subscription; null when fine. */
  error: { code: string; message: string } | null;
  channels: readonly NotificationChannel[];
  subscribe(channels: NotificationChannel[]): Promise<boolean>;
  unsubscribe(channels: NotificationChannel[]): Promise<boolean>;
}

/** Real-time notifications: connects on mount, subscribes channels, calls a handler per event type. */
export function useNotificationSocket(
  options: UseNotificationSocketOptions = {},
): UseNotificationSocketResult {
  const { channels: wanted = ALL_CHANNELS, autoConnect = true } = options;
  const service = useSocketService();
  const status = useSocket({ pingIntervalMs: 0 });
  const [channels, setChannels] = useState<readonly NotificationChannel[]>([]);
  const [requestError, setRequestError] = useState<{ code: string; message: string } | null>(null);
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    if (
      autoConnect &&
      (service.getState() === ConnectionState.DISCONNECTED || service.getState() === ConnectionState.ERROR)
    ) {
      service.connect();
    }
  }, [service, autoConnect]);

  const wantedKey = [...wanted].sort().join(',');
  useEffect(() => {
    if (!status.isConnected || wantedKey === '') return;
    let cancelled = false;
    service.subscribe(wantedKey.split(',') as NotificationChannel[]).then((ack) => {
      if (cancelled) return;
      if (ack.ok) {
        setChannels(ack.channels);
        setRequestError(null);
      } else setRequestError(ack.error);
    });
    return () => {
      cancelled = true;
    };
  }, [service, status.isConnected, wantedKey]);

  useEffect(() => {
    const offs = NOTIFICATION_EVENT_NAMES.map((event) =>
      service.on(event, ((payload: NotificationPayload<typeof event>) => {
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
      const ack = await (action === 'subscribe' ? service.subscribe(list) : service.unsubscribe(list));
      if (ack.ok) setChannels(ack.channels);
      else setRequestError(ack.error);
      return ack.ok;
    },
    [service],
  );

  return {
    state: status.state,
    isConnected: status.isConnected,
    error: requestError ?? status.lastError,
    channels,
    subscribe: useCallback((list) => change('subscribe', list), [change]),
    unsubscribe: useCallback((list) => change('unsubscribe', list), [change]),
  };
}
