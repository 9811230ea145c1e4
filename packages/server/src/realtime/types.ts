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

/**
 * Between nodes (through the adapter): `resync` asks every node to run its sockets' catch-ups again;
 * `forget_chats` to drop cached chat kinds whose DM members an erasure changed.
 */
interface InterServerEvents {
  resync: () => void;
  forget_chats: (chatIds: string[]) => void;
}

export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
