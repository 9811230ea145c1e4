import { NOTIFICATION_LIMITS, SIGNATURE_HEADERS } from '@mpi/protocol';
import { idSchema } from '@mpi/protocol/schemas';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { requestFingerprint, verifySignature } from '../http/signature.js';
import type { DeliveryRecord, StoredResponse } from '../storage/notifications/notification-storage.js';

/*
 * The frame of every route of the signed API (`/api/v1/...`): raw JSON bodies (signatures cover the exact
 * bytes), size limit, signature check before anything else, path ids, delivery ids, and body parsing, so
 * that a route is only what it does.
 */

export interface SignedApiDeps {
  signingSecrets: readonly string[];
  now: () => number;
}

/** Adds a JSON parser that keeps the raw text, and the signature check, to an encapsulated scope. */
function prepareSignedScope(scope: FastifyInstance, deps: SignedApiDeps): void {
  // JSON only: any other body (text/plain, forms) is 415 UNSUPPORTED_MEDIA_TYPE before it is read.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: NOTIFICATION_LIMITS.ingestBodyMaxBytes },
    (_request, body, done) => done(null, body),
  );
  scope.addHook('preHandler', async (request) => {
    if (deps.signingSecrets.length === 0) {
      throw new AppError('UNAVAILABLE', 'The ingestion API is disabled: set NOTIFY_SIGNING_SECRETS.');
    }
    verifySignature(request.headers, rawBody(request), deps.signingSecrets, deps.now());
  });
}

function rawBody(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

/** The request's delivery id (`X-MPI-Delivery-Id`, required) and fingerprint. */
function deliveryOf(request: FastifyRequest): DeliveryRecord {
  const parsed = idSchema.safeParse(request.headers[SIGNATURE_HEADERS.deliveryId]);
  if (!parsed.success) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${SIGNATURE_HEADERS.deliveryId} is required: 1-128 characters of letters, digits and . _ : @ -.`,
    );
  }
  const path = request.url.split('?')[0] ?? request.url;
  return { deliveryId: parsed.data, fingerprint: requestFingerprint(request.method, path, rawBody(request)) };
}

/** Parses the raw body as JSON (INVALID_JSON) and then with the schema (VALIDATION_FAILED). */
function parseBody<S extends z.ZodType>(request: FastifyRequest, schema: S): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody(request));
  } catch {
    throw new AppError('INVALID_JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 10)
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw new AppError('VALIDATION_FAILED', `Invalid body: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Parses a path parameter with the id rules. */
function pathId(value: unknown, name: string): string {
  const parsed = idSchema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${name} must be 1-128 characters of letters, digits and . _ : @ -.`,
    );
  }
  return parsed.data;
}

/** Sends a stored answer; a replay says so in `Idempotent-Replayed: true`. */
function sendStored(reply: FastifyReply, response: StoredResponse, replayed: boolean): FastifyReply {
  reply.code(response.status);
  if (replayed) reply.header('idempotent-replayed', 'true');
  return response.body === null || response.body === undefined ? reply.send() : reply.send(response.body);
}

/** What a mutation answers: the stored response, and whether it is a replay of an earlier delivery. */
export interface StoredAnswer {
  response: StoredResponse;
  replayed: boolean;
}

interface RouteSpec<S extends z.ZodType> {
  /** Path parameters, each checked with the id rules, in this order. */
  params?: readonly string[];
  body?: S;
}

interface SignedRequest<S extends z.ZodType> {
  params: Record<string, string>;
  body: z.output<S>;
  delivery: DeliveryRecord;
}

function pathIds(request: FastifyRequest, names: readonly string[] = []): Record<string, string> {
  const values = request.params as Record<string, unknown>;
  return Object.fromEntries(names.map((name) => [name, pathId(values[name], name)]));
}

/** The routes of one signed scope: every one verified first; mutations idempotent on their delivery id. */
export class SignedApi {
  constructor(private readonly scope: FastifyInstance) {}

  query(
    url: string,
    spec: { params?: readonly string[] },
    handle: (params: Record<string, string>, reply: FastifyReply) => Promise<unknown>,
  ) {
    this.scope.get(url, async (request, reply) => handle(pathIds(request, spec.params), reply));
  }

  mutation<S extends z.ZodType = z.ZodUndefined>(
    method: Exclude<HTTPMethods, 'GET' | 'HEAD' | 'OPTIONS'>,
    url: string,
    spec: RouteSpec<S>,
    handle: (request: SignedRequest<S>) => Promise<StoredAnswer>,
  ): void {
    this.scope.route({
      method,
      url,
      handler: async (request, reply) => {
        const params = pathIds(request, spec.params);
        const delivery = deliveryOf(request);
        const body = (spec.body ? parseBody(request, spec.body) : undefined) as z.output<S>;
        const answer = await handle({ params, body, delivery });
        return sendStored(reply, answer.response, answer.replayed);
      },
    });
  }
}

/** Registers an encapsulated scope of signed routes on the app. */
export function registerSignedApi(
  app: FastifyInstance,
  deps: SignedApiDeps,
  routes: (api: SignedApi) => void,
) {
  void app.register(async (scope) => {
    prepareSignedScope(scope, deps);
    routes(new SignedApi(scope));
  });
}
