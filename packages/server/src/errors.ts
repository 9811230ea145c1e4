import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, errorBody } from '@mpi/protocol';
import { isTransientStorageError } from './storage/db/unreachable.js';

/**
 * The server's one error type. Its message is shown to the client, so it must never carry internal detail;
 * anything that is not an AppError reaches clients as INTERNAL with the catalogue's message.
 */
export class AppError extends Error {
  readonly code: ErrorCode;

  constructor(
    code: ErrorCode,
    message: string = ERROR_CATALOGUE[code].message,
    /** With CONTENT_REJECTED: the content filter's reason code. */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  toBody(): ErrorBody {
    const body = errorBody(this.code, this.message);
    return this.reason === undefined ? body : { ...body, reason: this.reason };
  }
}

const STORAGE_UNAVAILABLE = 'The storage is unreachable or busy: retry shortly.';

/**
 * The AppError a thrown value stands for: itself, UNAVAILABLE for a transient database failure (so that
 * clients retry by themselves), or undefined for a fault.
 */
export function asAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (isTransientStorageError(error)) return new AppError('UNAVAILABLE', STORAGE_UNAVAILABLE);
  return undefined;
}

/** The body a client may see for any thrown value; unknown errors become INTERNAL. */
export function publicErrorBody(error: unknown): ErrorBody {
  return asAppError(error)?.toBody() ?? errorBody('INTERNAL');
}
