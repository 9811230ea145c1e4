import {
  type ChatSnapshot,
  ConnectionState,
  createSocketService,
  type SocketService,
  type SocketServiceOptions,
} from '@mpi/client';
import { type Cleanup, waitFor } from '@mpi/test-kit';
import { startTestServer } from '../../packages/server/test/support/server.js';

export { startTestServer };

/** Quick reconnects for tests. */
export const FAST_RECONNECT = { delay: 50, backoff: 1, maxDelay: 50, jitter: 0, attempts: 400 };

export interface ClientOptions extends SocketServiceOptions {
  deviceId?: string;
}

/** An SDK service for `userId` on the given server, destroyed by `cleanup`. Not connected yet. */
export function sdk(
  cleanup: Cleanup,
  url: string,
  token: (userId: string) => Promise<string>,
  userId: string,
  options: ClientOptions = {},
): SocketService {
  const service = createSocketService({
    url,
    token: () => token(userId),
    deviceId: options.deviceId ?? `${userId}-device`,
    reconnection: FAST_RECONNECT,
    timeoutMs: 3000,
    ...options,
  });
  return cleanup.add(service, (s) => s.destroy());
}

/** connect() + setupUser(), resolved once the service is ready and the setup was acknowledged. */
export async function online(service: SocketService, userId: string): Promise<void> {
  service.connect();
  const ack = await service.setupUser(userId, { name: userId });
  if (!ack.ok) throw new Error(`setup_user failed: ${ack.error.code} ${ack.error.message}`);
  await waitFor(() => service.getState() === ConnectionState.CONNECTED, 5000, `${userId} connected`);
}

/** Resolves once the next `catch_up_complete` arrives. */
export function nextCatchUp(service: SocketService, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('no catch_up_complete'));
    }, timeoutMs);
    const off = service.on('catch_up_complete', ({ messages }) => {
      clearTimeout(timer);
      off();
      resolve(messages);
    });
  });
}

/** The seqs of the sent messages of a chat snapshot. */
export function seqsOf(snapshot: ChatSnapshot): Array<number | null> {
  return snapshot.messages.map((message) => message.seq);
}

/** 1..n */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}
