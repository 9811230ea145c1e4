import type { SocketServiceEventName, SocketServiceEvents } from '@mpi/client';
import { useEffect, useRef } from 'react';
import { useSocketService } from './context.js';

/**
 * Calls `handler` for each `event` while the component is mounted. The latest handler is always used, so
 * an inline function does not resubscribe on every render; unmount removes the listener.
 */
export function useSocketEvent<E extends SocketServiceEventName>(
  event: E,
  handler: SocketServiceEvents[E],
): void {
  const service = useSocketService();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const forward = ((...args: unknown[]) =>
      (latest.current as (...a: unknown[]) => void)(...args)) as SocketServiceEvents[E];
    return service.on(event, forward);
  }, [service, event]);
}
