import { timingSafeEqual } from 'node:crypto';
import { userIdSchema } from '@mpi/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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
