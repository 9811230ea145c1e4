import type { ConnectionStatus, SocketService } from '@mpi/client';
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { useSocketService } from './context.js';

export interface UseSocketOptions {
  /** Measure latency with a `ping` this often while connected; 0 turns it off. Default 15 s. */
  pingIntervalMs?: number;
}

export interface UseSocketResult extends ConnectionStatus {
  connect(): void;
  disconnect(): void;
  service: SocketService;
}

/** Connection state, latency and last error of the socket, with connect/disconnect. */
export function useSocket({ pingIntervalMs = 15_000 }: UseSocketOptions = {}): UseSocketResult {
  const service = useSocketService();
  const status = useSyncExternalStore(service.subscribeState, service.getSnapshot, service.getSnapshot);

  useEffect(() => {
    if (!status.isConnected || pingIntervalMs <= 0) return;
    const measure = () => {
      service.ping().catch(() => undefined);
    };
    measure();
    const timer = setInterval(measure, pingIntervalMs);
    return () => clearInterval(timer);
  }, [service, status.isConnected, pingIntervalMs]);

  const connect = useCallback(() => service.connect(), [service]);
  const disconnect = useCallback(() => service.disconnect(), [service]);
  return { ...status, connect, disconnect, service };
}
