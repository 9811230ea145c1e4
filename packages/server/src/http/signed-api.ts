import { idSchema, NOTIFICATION_LIMITS, SIGNATURE_HEADERS } from '@mpi/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { DeliveryRecord, StoredResponse } from '../storage/notifications/notification-storage.js';
import { requestFingerprint, verifySignature } from './signature.js';

/**
 * The frame of every route of the signed API (`/api/v1/...`): raw JSON bodies (signatures cover the exact
 * bytes), size limit, signature check before anything else, delivery ids, and body parsing.
 */

export interface SignedApiDeps {
  signingSecrets: readonly string[];
  now: () => number;
}

/** Adds a JSON parser that keeps the raw text, and the signature check, to an encapsulated scope. */
export function prepareSignedScope(scope: FastifyInstance, deps: SignedApiDeps): void {
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

export function rawBody(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

/** The request's delivery id (`X-MPI-Delivery-Id`, required) and fingerprint. */
export function deliveryOf(request: FastifyRequest): DeliveryRecord {
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
export function parseBody<S extends z.ZodType>(request: FastifyRequest, schema: S): z.output<S> {
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
export function pathId(value: unknown, name: string): string {
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
export function sendStored(reply: FastifyReply, response: StoredResponse, replayed: boolean): FastifyReply {
  reply.code(response.status);
  if (replayed) reply.header('idempotent-replayed', 'true');
  return response.body === null || response.body === undefined ? reply.send() : reply.send(response.body);
}
