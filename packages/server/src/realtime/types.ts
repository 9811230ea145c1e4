import type { ClientToServerEvents, ServerToClientEvents } from '@mpi/protocol';
import type { Server, Socket } from 'socket.io';

/** What the server knows of a connection after its handshake was accepted. */
interface SocketData {
  userId: string;
  deviceId: string;
  client: string;
  version: string;
  connectedAt: number;
  /** The client's address: the peer's, or the proxy's X-Forwarded-For entry with TRUST_PROXY. */
  address: string;
  /** True once the client sent `setup_user`. */
  setUp: boolean;
}

type NoInterServerEvents = Record<string, never>;

export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  NoInterServerEvents,
  SocketData
>;
export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  NoInterServerEvents,
  SocketData
>;
