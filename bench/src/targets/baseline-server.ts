import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
// Types only: the contract's runtime (zod) would add to the baseline's measured memory.
import type {
  ClientToServerEvents,
  MessageData,
  NOTIFICATION_EVENT_CHANNELS,
  NotificationChannel,
  NotificationEventName,
  NotificationMeta,
  ServerToClientEvents,
} from '@mpi/protocol';
import { Server } from 'socket.io';

// The baseline: a bare Socket.IO 4.8 server (websocket only) with the same routing as MPI Realtime and
// nothing else: no authentication, no validation, no storage, no metrics, no logs. It speaks just enough
// of the protocol for the benchmark's clients to run unchanged against it:
//
// - `setup_user {userId}` joins `user:<id>`; then queued messages (kept in memory for a user with no
//   socket) and `catch_up_complete`;
// - `open_dm {userId}` names the pair's chat; `send_message` gives it the chat's next seq, relays
//   `receive_message` to the other member's room and acks;
// - `messages_received {chatId, upToSeq}` sends `message_delivered` to the sender of each covered message;
// - `subscribe {channels}` joins `channel:<name>`; `POST /api/v1/notifications {type, payload}` broadcasts
//   the payload (with an id) and the notification's meta as event `type` to the channel's room.
//
// With BASELINE_MODE=relay it is a bare relay (W2 only): `send_message` gets a seq, is relayed and
// acknowledged, and `messages_received` is only acknowledged — no pending lists, no `message_delivered`.
//
// Run as a forked child: it reports its port over IPC and exits when its parent goes away.

const RELAY = process.env.BASELINE_MODE === 'relay';

/** The contract's message shape: the baseline sends exactly what the server sends. */
type Msg = MessageData;

interface Chat {
  id: string;
  members: [string, string];
  createdAt: string;
  seq: number;
  /** Per recipient: messages not yet confirmed, in seq order, with a read index. */
  pending: Map<string, { list: Msg[]; head: number }>;
}

type PrefixOf<E> = E extends `${infer P}:${string}` ? P : never;
/** Each event prefix with the channel the contract gives its events. */
type ChannelOfPrefix = {
  [E in NotificationEventName as PrefixOf<E>]: (typeof NOTIFICATION_EVENT_CHANNELS)[E];
};

/** Event prefix → notification channel, as in the protocol. */
const CHANNEL_OF: Record<string, NotificationChannel> = {
  calendar: 'calendar',
  match: 'matches',
  training: 'training',
  system: 'system',
  webhook: 'system',
  chat: 'system',
} satisfies ChannelOfPrefix;

const chats = new Map<string, Chat>();
const offline = new Map<string, Msg[]>();
let nextId = 0;

/**
 * A notification's frame is the server's (`NotificationService.emit()`): the event, the payload with the
 * notification's id, then the meta `{ id, seq, channel, createdAt }`, with ids of the same length (26
 * characters, as a ULID) and an ISO time. Same bytes on the wire: the subscribers (the generators, W3's
 * bottleneck) decode as much from either target, so the ratio measures the server's work, not frame size.
 */
let notificationSeq = 0;
const notificationId = () => `n${String(++nextId).padStart(25, '0')}`;

function notify(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        type: NotificationEventName;
        payload: Record<string, unknown>;
      };
      const id = notificationId();
      const channel = CHANNEL_OF[body.type.split(':')[0] ?? ''] ?? 'system';
      const meta: NotificationMeta = {
        id,
        seq: ++notificationSeq,
        channel,
        createdAt: new Date().toISOString(),
      };
      // The event is the request's, whichever it is: its payload is relayed, not built to the event's type.
      const room = io.to(`channel:${channel}`) as unknown as {
        emit(event: NotificationEventName, payload: Record<string, unknown>, meta: NotificationMeta): void;
      };
      room.emit(body.type, { ...body.payload, id }, meta);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    } catch {
      res.writeHead(400).end();
    }
  });
}

const http = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  } else if (req.method === 'POST' && req.url === '/api/v1/notifications') {
    notify(req, res);
  } else {
    res.writeHead(404).end();
  }
});

const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
  transports: ['websocket'],
  serveClient: false,
  maxHttpBufferSize: 256 * 1024,
});

function online(userId: string): boolean {
  return (io.sockets.adapter.rooms.get(`user:${userId}`)?.size ?? 0) > 0;
}

io.on('connection', (socket) => {
  let me = '';

  socket.on('setup_user', (payload, ack) => {
    me = payload.userId;
    socket.join(`user:${me}`);
    ack?.({ ok: true, user: { id: me }, settings: { hidePresence: false } });
    setImmediate(() => {
      const queued = offline.get(me) ?? [];
      offline.delete(me);
      for (let i = 0; i < queued.length; i += 100) socket.emit('queued_messages', queued.slice(i, i + 100));
      socket.emit('catch_up_complete', { messages: queued.length, cursors: [] });
    });
  });

  socket.on('open_dm', (payload, ack) => {
    const members = [me, payload.userId].sort() as [string, string];
    const id = `dm:${members[0]}:${members[1]}`;
    let chat = chats.get(id);
    if (!chat) {
      chat = { id, members, createdAt: new Date().toISOString(), seq: 0, pending: new Map() };
      chats.set(id, chat);
    }
    ack?.({
      ok: true,
      chat: { id, type: 'dm', name: null, members, createdAt: chat.createdAt, lastSeq: chat.seq },
    });
  });

  socket.on('send_message', (payload, ack) => {
    const chat = chats.get(payload.chatId);
    if (!chat) {
      ack?.({ ok: false, error: { code: 'CHAT_NOT_FOUND', message: 'No chat has this id.' } });
      return;
    }
    const message: Msg = {
      id: `m${++nextId}`,
      clientMessageId: payload.clientMessageId,
      chatId: chat.id,
      senderId: me,
      text: payload.text ?? '',
      createdAt: new Date().toISOString(),
      seq: ++chat.seq,
    };
    const recipient = chat.members[0] === me ? chat.members[1] : chat.members[0];
    if (RELAY) {
      socket.to(`user:${recipient}`).emit('receive_message', message);
      ack?.({ ok: true, message, duplicate: false });
      return;
    }
    let pending = chat.pending.get(recipient);
    if (!pending) {
      pending = { list: [], head: 0 };
      chat.pending.set(recipient, pending);
    }
    pending.list.push(message);
    if (online(recipient)) socket.to(`user:${recipient}`).emit('receive_message', message);
    else {
      const queue = offline.get(recipient) ?? [];
      queue.push(message);
      offline.set(recipient, queue);
    }
    ack?.({ ok: true, message, duplicate: false });
  });

  socket.on('messages_received', (payload, ack) => {
    if (RELAY) {
      ack?.({ ok: true });
      return;
    }
    const pending = chats.get(payload.chatId)?.pending.get(me);
    if (pending) {
      while (pending.head < pending.list.length) {
        const message = pending.list[pending.head] as Msg;
        if (message.seq > payload.upToSeq) break;
        pending.head++;
        io.to(`user:${message.senderId}`).emit('message_delivered', {
          messageId: message.id,
          chatId: message.chatId,
          seq: message.seq,
          deliveredCount: 1,
          recipientCount: 1,
        });
      }
      if (pending.head > 1024 && pending.head * 2 > pending.list.length) {
        pending.list = pending.list.slice(pending.head);
        pending.head = 0;
      }
    }
    ack?.({ ok: true });
  });

  socket.on('subscribe', (payload, ack) => {
    socket.join(payload.channels.map((channel) => `channel:${channel}`));
    ack?.({ ok: true, channels: payload.channels });
  });
});

http.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = http.address();
  process.send?.({ kind: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});

const stop = () => {
  io.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
