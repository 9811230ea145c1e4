import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * The `ws` server Socket.IO runs on (its `wsEngine` option), with the frames written to one connection in
 * one turn of the event loop sent in one system call. `ws` writes each frame with its own `writev`; a chat
 * message makes several frames per socket at once (the message, its ack, the chat list update, delivery
 * notices of a group commit), and those calls were 15 % of the server's CPU on the chat path
 * (docs/performance.md). Corking the TCP socket at the first write of a turn and uncorking it once the
 * turn's callbacks and promises have run sends them together; the added delay is zero.
 */
export class CoalescingWebSocketServer extends WebSocketServer {
  override handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    upgradeHead: Buffer,
    callback: (client: WebSocket, request: IncomingMessage) => void,
  ): void {
    coalesceWritesPerTurn(socket as Socket);
    super.handleUpgrade(request, socket, upgradeHead, callback);
  }
}

/** Sockets corked in this turn; one tick uncorks them all (a broadcast corks thousands at once). */
const corked: Socket[] = [];
const isCorked = new WeakSet<Socket>();

function uncorkAll(): void {
  for (const socket of corked.splice(0)) {
    isCorked.delete(socket);
    socket.uncork();
  }
}

function coalesceWritesPerTurn(socket: Socket): void {
  const write = socket.write;
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!isCorked.has(socket)) {
      isCorked.add(socket);
      socket.cork();
      // A tick queued now runs after the current callback and every promise it settles, so all the
      // frames the turn produces for this socket are in its buffer by then.
      if (corked.push(socket) === 1) process.nextTick(uncorkAll);
    }
    return write.apply(this, args);
  } as Socket['write'];
}
