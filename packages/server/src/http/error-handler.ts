import { type ErrorBody, errorBody } from '@mpi/protocol';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit-log.js';
import { asAppError } from '../errors.js';

/**
 * Every HTTP error as the catalogue's `{ error: { code, message } }`; internals reach clients as INTERNAL.
 * Refusals go to the audit trail with the caller's address and the route, never the body.
 */
export function setErrorHandler(app: FastifyInstance, audit: AuditLog): void {
  const refuse = (request: FastifyRequest, status: number, body: ErrorBody) => {
    audit.refused(body.code, {
      address: request.ip,
      event: `${request.method} ${request.routeOptions.url ?? '(no route)'}`,
    });
    return { status, body: { error: body } };
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let answer: { status: number; body: { error: ErrorBody } };
    const known = asAppError(error);
    const status = known ? known.status : (error.statusCode ?? 500);
    if (known) answer = refuse(request, status, known.toBody());
    else if (status === 413) answer = refuse(request, 413, errorBody('PAYLOAD_TOO_LARGE'));
    else if (status === 415) answer = refuse(request, 415, errorBody('UNSUPPORTED_MEDIA_TYPE'));
    else if (status >= 400 && status < 500) {
      answer = refuse(request, status, errorBody('VALIDATION_FAILED', error.message));
    } else {
      request.log.error({ err: error }, 'request failed');
      answer = { status: 500, body: { error: errorBody('INTERNAL') } };
    }
    return reply.code(answer.status).send(answer.body);
  });
}
