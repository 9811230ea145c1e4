import { timingSafeEqual } from 'node:crypto';
import { userIdSchema } from '@mpi/protocol/schemas';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { signToken } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { ScaleOutState } from '../realtime/scale-out.js';
import type { Storage } from '../storage/storage.js';

export interface RouteDeps {
  config: Config;
  storage: Storage;
  metrics: Metrics;
  isShuttingDown(): boolean;
  /** The link to the other nodes; it is reported, but a node without it still serves its own sockets. */
  scaleOut?: { state(): ScaleOutState };
}

/** A probe that hangs is as bad as one that fails: a balancer has its own, similar timeout. */
const PING_TIMEOUT_MS = 2000;

function pingWithin(ms: number, ping: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([ping(), limit]).finally(() => clearTimeout(timer));
}

const devTokenQuery = z.strictObject({ userId: userIdSchema });

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/**
 * A caller on this machine: the only one development tokens are minted for, whatever interface the
 * server listens on. Without TRUST_PROXY a relayed request is never one (a proxy here would make every
 * caller look local); with it, the address the proxy forwarded (`request.ip`, one hop) decides.
 */
function isLocalCaller(request: FastifyRequest, trustProxy: boolean): boolean {
  if (trustProxy) return LOOPBACK.test(request.ip);
  const peer = request.socket.remoteAddress ?? '';
  return LOOPBACK.test(peer) && FORWARDING_HEADERS.every((name) => request.headers[name] === undefined);
}

/** Refuses a request without `Authorization: Bearer <expected>`. */
function checkBearer(request: FastifyRequest, expected: string): void {
  const header = request.headers.authorization;
  if (!header) throw new AppError('AUTH_MISSING', 'Send Authorization: Bearer <METRICS_TOKEN>.');
  const given = Buffer.from(header);
  const wanted = Buffer.from(`Bearer ${expected}`);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new AppError('AUTH_INVALID');
}

/** Health, readiness, metrics and the development token route. */
export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  // Ready means "send me clients": this node can store and deliver. Without Redis it still can, to its
  // own sockets (degraded, reported in the body); without storage it cannot (503). docs/operations.md.
  app.get('/readyz', async (_request, reply) => {
    if (deps.isShuttingDown()) return reply.code(503).send({ status: 'shutting_down' });
    const redis = deps.scaleOut?.state();
    const links = redis === undefined || redis === 'single' ? {} : { redis };
    try {
      await pingWithin(PING_TIMEOUT_MS, () => deps.storage.ping());
    } catch (error) {
      app.log.warn({ err: error }, 'readiness check failed: storage');
      return reply
        .code(503)
        .send({ status: 'unavailable', storage: deps.storage.dialect, failed: ['storage'], ...links });
    }
    return { status: 'ready', storage: deps.storage.dialect, ...links };
  });

  const { metricsToken } = deps.config;
  if (deps.config.metricsEnabled && deps.config.env === 'production' && !metricsToken) {
    app.log.warn('/metrics is not served: set METRICS_TOKEN to scrape it in production');
  } else if (deps.config.metricsEnabled) {
    app.get('/metrics', async (request, reply) => {
      if (metricsToken) checkBearer(request, metricsToken);
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  }

  const { auth } = deps.config;
  if (deps.config.devTokensEnabled && auth.jwtSecret) {
    const secret = auth.jwtSecret;
    app.log.warn(
      'DEVELOPMENT TOKENS ARE ON: GET /api/dev/token signs a token for any user id to callers on this machine ' +
        '(set NODE_ENV=production or DEV_TOKENS=false to turn them off)',
    );
    app.get('/api/dev/token', async (request) => {
      if (!isLocalCaller(request, deps.config.trustProxy)) {
        throw new AppError('FORBIDDEN', 'Development tokens are served only to callers on the same machine.');
      }
      const query = devTokenQuery.safeParse(request.query);
      if (!query.success) {
        throw new AppError('VALIDATION_FAILED', 'userId is required: letters, digits and . _ : @ - only');
      }
      const { token, expiresAt } = await signToken(secret, query.data.userId, {
        ttlSeconds: auth.devTokenTtlSeconds,
        issuer: auth.issuer,
        audience: auth.audience,
      });
      return { token, userId: query.data.userId, expiresAt: new Date(expiresAt * 1000).toISOString() };
    });
  }
}
