import { errorBody } from '@mpi/protocol';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import { type Logger, pino } from 'pino';
import { createTokenVerifier } from './auth/tokens.js';
import { ChatKindCache } from './chat/chat-kinds.js';
import { ChatListNotifier } from './chat/chat-list.js';
import { RecentMessages } from './chat/recent-messages.js';
import { startRetentionSweeper } from './chat/retention.js';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import { registerRoutes } from './http/routes.js';
import { registerWebApp } from './http/web-app.js';
import { createMetrics } from './metrics.js';
import { attachNotifications, type Notifications } from './notifications/index.js';
import { connectScaleOut } from './realtime/scale-out.js';
import { attachRealtime, createSocketServer } from './realtime/socket-server.js';
import { InFlight, type RealtimeContext, type RealtimeServer } from './realtime/types.js';
import { openStorage } from './storage/open-storage.js';
import type { Storage } from './storage/storage.js';

export interface MpiServer {
  readonly config: Config;
  readonly app: FastifyInstance;
  readonly io: RealtimeServer;
  readonly storage: Storage;
  readonly log: Logger;
  /** The notification service and its reminder loop. */
  readonly notifications: Notifications;
  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:4000`. */
  listen(): Promise<string>;
  /** The base URL once listening. */
  readonly url: string;
  /** Graceful shutdown: refuse new work, finish what runs, close sockets and storage. Idempotent. */
  close(): Promise<void>;
}

export interface CreateServerOptions {
  logger?: Logger;
  /** Use this storage instead of opening `config.databaseUrl`; the server closes it on close(). */
  storage?: Storage;
  /** The clock (epoch ms) of notifications, reminders and request signatures; default `Date.now`. */
  now?: () => number;
}

/** Probes and scrapes come every few seconds; logging each would drown the log. */
const isProbe = (request: { url?: string }) => /^\/(healthz|readyz|metrics)\b/.test(request.url ?? '');

/** Time that shutdown gives running handlers before it closes the sockets under them. */
const DRAIN_MS = 2_000;

function within(ms: number, work: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

function httpErrorHandler(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) return reply.code(error.status).send({ error: error.toBody() });
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ error: errorBody('PAYLOAD_TOO_LARGE') });
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: errorBody('VALIDATION_FAILED', error.message) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: errorBody('INTERNAL') });
  });
}

/** Builds a complete server from a config: HTTP API, Socket.IO and storage. Nothing here reads the environment. */
export async function createServer(config: Config, options: CreateServerOptions = {}): Promise<MpiServer> {
  const log = options.logger ?? pino({ level: config.logLevel, base: { service: 'mpi-realtime' } });
  const storage =
    options.storage ??
    (await openStorage(config.databaseUrl, {
      poolSize: config.pgPoolSize,
      sqliteSynchronous: config.sqliteSynchronous,
      logger: log,
    }));
  const metrics = createMetrics();
  const scaleOut = await connectScaleOut(config, log);
  let shuttingDown = false;
  const isShuttingDown = () => shuttingDown;

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: isProbe }),
    bodyLimit: 64 * 1024,
  });
  httpErrorHandler(app);
  await registerWebApp(app, config.webDistDir);
  registerRoutes(app, {
    config,
    storage,
    metrics,
    isShuttingDown,
    dependencies: [{ name: 'redis', ping: scaleOut.ping }],
  });

  const io = createSocketServer(app.server);
  if (scaleOut.adapter) io.adapter(scaleOut.adapter);
  const ctx: RealtimeContext = {
    config,
    io,
    storage,
    log,
    metrics,
    rateLimiters: scaleOut.rateLimiters,
    inFlight: new InFlight(),
    chatKinds: new ChatKindCache(storage),
    chatList: new ChatListNotifier(io),
    recentMessages: new RecentMessages(),
    isShuttingDown,
  };
  const detachRealtime = attachRealtime(ctx, createTokenVerifier(config.auth));
  const stopRetention = startRetentionSweeper(storage, config.messageRetentionDays, log);
  const notifications = attachNotifications({ app, io, storage, config, log, now: options.now ?? Date.now });

  let url = '';
  let closing: Promise<void> | undefined;

  async function shutdown(): Promise<void> {
    shuttingDown = true;
    log.info({ inFlight: ctx.inFlight.size, connections: io.engine.clientsCount }, 'shutting down');
    await within(DRAIN_MS, ctx.inFlight.idle());
    io.emit('server_shutdown', { reason: 'server shutting down' });
    // io.close() ends each transport without a disconnect packet, so clients see "transport close" and
    // reconnect by themselves (to this server once it is back, or to another node).
    await io.close();
    await within(DRAIN_MS, ctx.inFlight.idle());
    detachRealtime();
    stopRetention();
    await app.close();
    await scaleOut.close();
    await notifications.close();
    await storage.close();
    log.info('shut down');
  }

  return {
    config,
    app,
    io,
    storage,
    log,
    notifications,
    get url() {
      return url;
    },
    async listen() {
      await app.listen({ host: config.host, port: config.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      url = `http://${host}:${port}`;
      return url;
    },
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
