/**
 * The child process of RemoteSdk (remote-sdk.ts): one SocketService with the SDK's default options, driven
 * by JSON lines on stdin, answering and reporting its connection states on stdout. Closing stdin ends it.
 */
import { createInterface } from 'node:readline';
import { createSocketService } from '@mpi/client';
import type { RemoteCall, RemoteCalls, RemoteEnv, RemoteReport } from './remote-sdk.js';

const env = process.env as unknown as RemoteEnv;
const service = createSocketService({ url: env.MPI_URL, token: env.MPI_TOKEN });
const report = (line: RemoteReport) => process.stdout.write(`${JSON.stringify(line)}\n`);

service.on('connection_state_changed', ({ state, reason }) =>
  report({ state: { state, ...(reason === undefined ? {} : { reason }), at: Date.now() } }),
);

type Handlers = {
  [M in keyof RemoteCalls]: (
    ...args: Parameters<RemoteCalls[M]>
  ) => ReturnType<RemoteCalls[M]> | Promise<ReturnType<RemoteCalls[M]>>;
};

const handlers: Handlers = {
  setupUser: (userId) => {
    service.connect();
    return service.setupUser(userId, { name: userId });
  },
  openDm: (userId) => service.openDm(userId),
  joinChat: (chatId) => service.joinChat(chatId),
  sendMessage: (chatId, text, clientMessageId) => service.sendMessage(chatId, text, { clientMessageId }),
  startTyping: (chatId) => {
    service.startTyping(chatId);
    return null;
  },
  snapshot: (chatId) => service.chats.getChatSnapshot(chatId),
  outbox: () => service.getOutbox(),
  status: () => service.getConnectionStatus(),
};

async function answer(call: RemoteCall): Promise<void> {
  try {
    const handler = handlers[call.method] as (...args: unknown[]) => unknown;
    report({ id: call.id, result: await handler(...call.args) });
  } catch (error) {
    report({ id: call.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}

createInterface({ input: process.stdin })
  .on('line', (line) => void answer(JSON.parse(line) as RemoteCall))
  .on('close', () => {
    service.destroy();
    process.exit(0);
  });
report({ ready: true });
