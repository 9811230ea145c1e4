import { errorBody } from '@mpi/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';

/** Every HTTP error as the catalogue's `{ error: { code, message } }`; internals reach clients as INTERNAL. */
export function setErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) return reply.code(error.status).send({ error: error.toBody() });
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ error: errorBody('PAYLOAD_TOO_LARGE') });
    if (status === 415) return reply.code(415).send({ error: errorBody('UNSUPPORTED_MEDIA_TYPE') });
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: errorBody('VALIDATION_FAILED', error.message) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: errorBody('INTERNAL') });
  });
}
