import { userIdSchema } from '@mpi/protocol/schemas';
import type { FastifyInstance } from 'fastify';
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

  if (deps.config.metricsEnabled) {
    app.get('/metrics', async (_request, reply) => {
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    });
  }

  const { auth } = deps.config;
  if (deps.config.devTokensEnabled && auth.jwtSecret) {
    const secret = auth.jwtSecret;
    app.get('/api/dev/token', async (request) => {
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
