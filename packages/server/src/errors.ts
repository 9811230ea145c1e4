import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, errorBody } from '@mpi/protocol';

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

/** The body a client may see for any thrown value; unknown errors become INTERNAL. */
export function publicErrorBody(error: unknown): ErrorBody {
  if (error instanceof AppError) return error.toBody();
  return errorBody('INTERNAL');
}

export function isInternal(error: unknown): boolean {
  return !(error instanceof AppError);
}
