import type { Agent } from 'node:https';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type Logger, pino } from 'pino';
import type { Server } from 'socket.io';
import { AuditLog } from './audit-log.js';
import { refusingErased } from './auth/erased-tokens.js';
import { createTokenVerifier } from './auth/tokens.js';
import { registerCalls } from './calls/index.js';
import { registerChat } from './chat/index.js';
import type { Config } from './config.js';
import { blocklistFilter, type ContentFilter } from './content-filter.js';
import { type FilesFeature, registerFiles } from './files/index.js';
import { registerCompression } from './http/compression.js';
import { setErrorHandler } from './http/error-handler.js';
import { OriginPolicy } from './http/origin-policy.js';
import { registerRoutes } from './http/routes.js';
import { registerSecurityHeaders } from './http/security-headers.js';
import { registerWebApp } from './http/web-app.js';
import { createMetrics } from './metrics.js';
import { type NotificationsFeature, registerNotifications } from './notifications/index.js';
import { registerPeople } from './people/index.js';
import { registerPrivacy } from './privacy/index.js';
import { registerPush } from './push/index.js';
import { PushNotifier } from './push/push-notifier.js';
import { PushSender } from './push/push-sender.js';
import { vapidDetails } from './push/vapid.js';
import { attachAdminUi } from './realtime/admin-ui.js';
import { ConnectionCaps } from './realtime/connection-caps.js';
import { HandlerRegistry } from './realtime/handler-registry.js';
import { InFlight } from './realtime/in-flight.js';
import { startNodeLease } from './realtime/node-lease.js';
import { createRateLimiters } from './realtime/rate-limits.js';
import { createScaleOut } from './realtime/scale-out.js';
import { attachRealtime, createSocketServer } from './realtime/socket-server.js';
import type { RealtimeServer } from './realtime/types.js';
import type { Feature, ServerContext } from './server-context.js';
import { openStorage } from './storage/open-storage.js';
import type { Storage } from './storage/storage.js';
import { registerUsers } from './users/index.js';

export interface MpiServer {
  readonly config: Config;
  readonly app: FastifyInstance;
  readonly io: RealtimeServer;
  readonly storage: Storage;
  readonly log: Logger;
  /** The notification service and its reminder loop. */
  readonly notifications: NotificationsFeature;
  /** Uploads, downloads and the erasure of a user's files. */
  readonly files: FilesFeature;
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
  /** The content hook of messages and chat names (see content-filter.ts); default: CONTENT_BLOCKLIST. */
  contentFilter?: ContentFilter;
  /** The HTTPS agent of Web Push requests (tests trust a local push service's certificate with it). */
  pushAgent?: Agent;
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

/** Builds a complete server from a config: HTTP API, Socket.IO and storage. Nothing here reads the environment. */
export async function createServer(config: Config, options: CreateServerOptions = {}): Promise<MpiServer> {
  const log = options.logger ?? pino({ level: config.logLevel, base: { service: 'mpi-realtime' } });
  // How long the process took to get here (mostly loading modules): part of a restarted node's time to ready.
  log.info({ uptimeMs: Math.round(performance.now()) }, 'starting');
  const storage =
    options.storage ??
    (await openStorage(config.databaseUrl, {
      poolSize: config.pgPoolSize,
      sqliteSynchronous: config.sqliteSynchronous,
      logger: log,
    }));
  const metrics = createMetrics();
  const audit = new AuditLog(log, metrics);
  const scaleOut = createScaleOut(config.redis, log, metrics);
  const lease = startNodeLease(
    scaleOut.redis,
    config.redis.leaseMs,
    () => scaleOut.state() === 'linked',
    log,
  );
  let shuttingDown = false;
  const isShuttingDown = () => shuttingDown;

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: isProbe }),
    bodyLimit: 64 * 1024,
    // One hop: request.ip is the address the proxy in front of us saw, not one a client wrote.
    trustProxy: config.trustProxy ? (_address: string, hop: number) => hop === 0 : false,
  });
  setErrorHandler(app, audit);
  const origins = new OriginPolicy(config.allowedOrigins);
  origins.guard(app);
  await registerSecurityHeaders(app, origins);
  await registerCompression(app);
  await registerWebApp(app, config.webDistDir, { sourceMaps: config.env !== 'production' });
  registerRoutes(app, {
    config,
    storage,
    metrics,
    isShuttingDown,
    scaleOut,
  });

  const io = createSocketServer(app.server, config.ping);
  if (scaleOut.adapter) io.adapter(scaleOut.adapter);
  if (config.adminUi) {
    await attachAdminUi(io as unknown as Server, app, config.adminUi, {
      redis: scaleOut.redis,
      nodeId: lease.nodeId,
      log,
    });
  }
  const inFlight = new InFlight();
  const rateLimiters = createRateLimiters(config.rateLimit, scaleOut.redis);
  const handlers = new HandlerRegistry({
    metrics,
    log,
    inFlight,
    rateLimiters,
    backpressure: config.backpressure,
    audit,
  });
  const vapid = config.push.enabled ? vapidDetails(config.push, log) : null;
  const push = new PushNotifier({
    io,
    storage,
    log,
    sender: vapid ? new PushSender({ storage: storage.push, log, vapid, agent: options.pushAgent }) : null,
  });
  const ctx: ServerContext = {
    config,
    io,
    http: app,
    storage,
    log,
    metrics,
    handlers,
    inFlight,
    now: options.now ?? Date.now,
    lease,
    contentFilter:
      options.contentFilter ?? blocklistFilter(config.contentFilter.blocklist, config.contentFilter.action),
    push,
  };

  // Tokens of erased users are refused on the socket and on the HTTP routes alike.
  const verifier = refusingErased(createTokenVerifier(config.auth), storage.privacy, log);
  // Every feature of the server, in one place.
  const notifications = registerNotifications(ctx);
  const chat = registerChat(ctx, notifications.service);
  const people = registerPeople(ctx);
  // A new upload draws on the user's actions budget, as a send does.
  const files = await registerFiles(ctx, verifier, rateLimiters.actions, audit);
  const calls = registerCalls(ctx);
  const users = registerUsers(
    ctx,
    [chat.catchUp, notifications.catchUp].filter((c) => c !== undefined),
    scaleOut,
  );
  const features: Feature[] = [
    chat,
    notifications,
    people,
    users,
    registerPush(ctx, vapid?.publicKey ?? null),
    files,
    calls,
  ];
  for (const feature of features) handlers.addHooks(feature);
  registerPrivacy(ctx, {
    verifier,
    redis: scaleOut.redis,
    forgetChats: chat.forgetChats,
    deleteFilesOfUser: files.deleteFilesOfUser,
  });
  attachRealtime(io, handlers, {
    verifier,
    log,
    metrics,
    isShuttingDown,
    caps: new ConnectionCaps(config.connectionCaps),
    origins,
    audit,
    trustProxy: config.trustProxy,
  });
  handlers.assertComplete();

  let url = '';
  let closing: Promise<void> | undefined;

  async function shutdown(): Promise<void> {
    shuttingDown = true;
    log.info({ inFlight: inFlight.size, connections: io.engine.clientsCount }, 'shutting down');
    await within(DRAIN_MS, inFlight.idle());
    io.emit('server_shutdown', { reason: 'server shutting down' });
    // io.close() ends each transport without a disconnect packet, so clients see "transport close" and
    // reconnect by themselves (to this server once it is back, or to another node).
    await io.close();
    await within(DRAIN_MS, inFlight.idle());
    for (const feature of features) await feature.close?.();
    await app.close();
    await lease.close();
    await scaleOut.close();
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
    files,
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
