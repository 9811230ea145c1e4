import { errorBody } from '@mpi/protocol';
import type { FastifyError, FastifyInstance } from 'fastify';
import { asAppError } from '../errors.js';

/** Every HTTP error as the catalogue's `{ error: { code, message } }`; internals reach clients as INTERNAL. */
export function setErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = asAppError(error);
    if (known) return reply.code(known.status).send({ error: known.toBody() });
    const status = error.statusCode ?? 500;
    if (status === 413) return reply.code(413).send({ error: errorBody('PAYLOAD_TOO_LARGE') });
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ error: errorBody('VALIDATION_FAILED', error.message) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: errorBody('INTERNAL') });
  });
}
