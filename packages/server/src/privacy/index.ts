import { eraseMeSchema } from '@mpi/protocol/schemas';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { TokenVerifier } from '../auth/tokens.js';
import { ChatListNotifier } from '../chat/chat-list.js';
import { AppError } from '../errors.js';
import { registerSignedApi } from '../notifications/signed-api.js';
import type { ServerContext } from '../server-context.js';
import { eraseUser, type Requester } from './erase-user.js';
import { exportStream } from './export-stream.js';

/** Exports per user, self-service: an export reads everything the user has, so few are allowed. */
const EXPORT_BUDGET = { points: 5, duration: 60 * 60 };

export interface PrivacyDeps {
  /** The handshake's verifier, refusing erased users' tokens too. */
  verifier: TokenVerifier;
  /** Shared rate-limit state of all nodes, when they share a Redis. */
  redis?: { client: Redis; keyPrefix: string } | undefined;
  /** Chat's cache of DM members, on every node: an erasure changes them. */
  forgetChats(chatIds: readonly string[]): void;
  /** The files feature: removes the user's uploads, rows and bytes. */
  deleteFilesOfUser(userId: string): Promise<number>;
}

function exportLimiter(redis: PrivacyDeps['redis']): RateLimiterAbstract {
  const memory = new RateLimiterMemory(EXPORT_BUDGET);
  if (!redis) return memory;
  return new RateLimiterRedis({
    storeClient: redis.client,
    keyPrefix: `${redis.keyPrefix}:ratelimit:export`,
    ...EXPORT_BUDGET,
    insuranceLimiter: memory,
  });
}

/** The user of `Authorization: Bearer <token>`: the same JWT as the socket handshake. */
async function bearerUser(request: FastifyRequest, verifier: TokenVerifier): Promise<string> {
  const header = request.headers.authorization;
  if (header === undefined) throw new AppError('AUTH_MISSING', 'Send Authorization: Bearer <your token>.');
  const match = /^Bearer ([^\s]+)$/.exec(header);
  if (!match) throw new AppError('AUTH_INVALID', 'Send Authorization: Bearer <your token>.');
  return (await verifier.verify(match[1])).userId;
}

/**
 * A user's data: the export and the erasure, for the user themselves (bearer token) and for an operator
 * (the signed API). See docs/security.md, "Your data: export and erasure".
 */
export function registerPrivacy(ctx: ServerContext, deps: PrivacyDeps): void {
  const { http: app, storage } = ctx;
  const limiter = exportLimiter(deps.redis);
  const chatList = new ChatListNotifier(ctx.io);

  const sendExport = async (reply: FastifyReply, userId: string, by: Requester) => {
    const stream = await exportStream(storage.privacy, userId, new Date(ctx.now()));
    ctx.metrics.userExports.inc({ by });
    ctx.log.info({ audit: 'export', by, userId }, 'user data exported');
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="mpi-user-export.json"')
      .header('cache-control', 'no-store')
      .send(stream);
  };

  app.get('/api/me/export', async (request, reply) => {
    const userId = await bearerUser(request, deps.verifier);
    try {
      await limiter.consume(userId);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.ceil(error.msBeforeNext / 1000);
      reply.header('retry-after', String(seconds));
      throw new AppError(
        'RATE_LIMITED',
        `At most ${EXPORT_BUDGET.points} exports an hour: retry in ${seconds} s.`,
      );
    }
    return sendExport(reply, userId, 'self');
  });

  app.delete('/api/me', async (request, reply) => {
    const userId = await bearerUser(request, deps.verifier);
    const body = eraseMeSchema.safeParse(request.body);
    if (!body.success || body.data.confirm !== userId) {
      throw new AppError('VALIDATION_FAILED', 'Send { "confirm": "<your user id>" } to erase your data.');
    }
    const { response } = await eraseUser(
      ctx,
      { chatList, forgetChats: deps.forgetChats, deleteFiles: deps.deleteFilesOfUser },
      userId,
      'self',
    );
    return reply.code(response.status).send(response.body);
  });

  registerSignedApi(app, { signingSecrets: ctx.config.notifications.signingSecrets, now: ctx.now }, (api) => {
    api.query('/api/v1/users/:userId/export', { params: ['userId'] }, ({ userId = '' }, reply) =>
      sendExport(reply, userId, 'operator'),
    );
    api.mutation('DELETE', '/api/v1/users/:userId', { params: ['userId'] }, ({ params, delivery }) =>
      eraseUser(
        ctx,
        { chatList, forgetChats: deps.forgetChats, deleteFiles: deps.deleteFilesOfUser },
        params.userId ?? '',
        'operator',
        delivery,
      ),
    );
  });
}
