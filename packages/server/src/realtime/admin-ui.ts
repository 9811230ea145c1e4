import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { InMemoryStore, instrument } from '@socket.io/admin-ui';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';

type SessionStore = NonNullable<NonNullable<Parameters<typeof instrument>[1]>['store']>;

/** Where the Admin UI's page is served. Its socket connects to the `/admin` namespace of the same node. */
const ADMIN_UI_PATH = '/admin-ui/';
const SESSION_SECONDS = 8 * 60 * 60;

/**
 * The Admin UI's sessions in Redis, shared by every node, so a login holds whichever node the balancer
 * picks. (The package's RedisStore leaves its promises unhandled, and its login middleware is async: a
 * Redis error there would end the process.) While Redis is away a session is unknown and the UI asks for
 * the password again.
 */
function redisSessions(client: Redis, keyPrefix: string): SessionStore {
  const key = (sessionId: string) => `${keyPrefix}:admin-ui:session:${sessionId}`;
  return {
    doesSessionExist: (sessionId) =>
      client.exists(key(sessionId)).then(
        (n) => n === 1,
        () => false,
      ),
    saveSession: (sessionId) => {
      client.set(key(sessionId), '1', 'EX', SESSION_SECONDS).catch(() => undefined);
    },
  };
}

/**
 * The Socket.IO Admin UI (`@socket.io/admin-ui`) behind basic authentication (a bcrypt hash in the
 * settings), read-only unless configured otherwise, in production mode (aggregated events, not every
 * packet). Its page is served from the package at ADMIN_UI_PATH; with the Redis adapter, each node reports
 * under its own server id and the UI sees every node's sockets.
 */
export async function attachAdminUi(
  io: Server,
  app: FastifyInstance,
  settings: { username: string; passwordHash: string; readonly: boolean },
  deps: { redis: { client: Redis; keyPrefix: string } | undefined; nodeId: string; log: Logger },
): Promise<void> {
  instrument(io, {
    auth: { type: 'basic', username: settings.username, password: settings.passwordHash },
    readonly: settings.readonly,
    mode: 'production',
    serverId: `${hostname()}#${deps.nodeId.slice(0, 8)}`,
    store: deps.redis ? redisSessions(deps.redis.client, deps.redis.keyPrefix) : new InMemoryStore(),
  });
  const resolve = createRequire(import.meta.url).resolve;
  const ui = join(dirname(resolve('@socket.io/admin-ui/package.json')), 'ui', 'dist');
  await app.register(fastifyStatic, { root: ui, prefix: ADMIN_UI_PATH, decorateReply: false });
  deps.log.info({ path: ADMIN_UI_PATH, readonly: settings.readonly }, 'Socket.IO Admin UI enabled');
}
