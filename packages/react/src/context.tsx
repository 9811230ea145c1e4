import { type SocketService, socketService } from '@mpi/client';
import { createContext, type ReactNode, useContext } from 'react';

const SocketServiceContext = createContext<SocketService | null>(null);

/**
 * Gives the hooks below a SocketService. Without a provider they use the application's shared instance
 * (`socketService`), as the guide's single-socket rule asks.
 */
export function SocketProvider({ service, children }: { service: SocketService; children: ReactNode }) {
  return <SocketServiceContext.Provider value={service}>{children}</SocketServiceContext.Provider>;
}

export function useSocketService(): SocketService {
  return useContext(SocketServiceContext) ?? socketService;
}
