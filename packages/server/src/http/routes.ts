import { userIdSchema } from '@mpi/protocol/schemas';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { signToken } from '../auth/tokens.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Storage } from '../storage/storage.js';

export interface RouteDeps {
  config: Config;
  storage: Storage;
  metrics: Metrics;
  isShuttingDown(): boolean;
  /** Other services readiness depends on (Redis when scaling out). */
  dependencies?: Array<{ name: string; ping(): Promise<void> }>;
}

const devTokenQuery = z.strictObject({ userId: userIdSchema });

/** Health, readiness, metrics and the development token route. */
export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (deps.isShuttingDown()) return reply.code(503).send({ status: 'shutting_down' });
    const checks = [{ name: 'storage', ping: () => deps.storage.ping() }, ...(deps.dependencies ?? [])];
    const failed: string[] = [];
    await Promise.all(
      checks.map((check) =>
        check.ping().catch((error: unknown) => {
          failed.push(check.name);
          app.log.warn({ err: error, dependency: check.name }, 'readiness check failed');
        }),
      ),
    );
    if (failed.length > 0) {
      return reply.code(503).send({ status: 'unavailable', storage: deps.storage.dialect, failed });
    }
    return { status: 'ready', storage: deps.storage.dialect };
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
