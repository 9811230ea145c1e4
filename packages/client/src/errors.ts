import type { ErrorBody, ErrorCode } from '@mpi/protocol';

/** A failed acknowledgement, for the few methods that resolve with a value instead of an Ack (`ping`). */
export class SocketRequestError extends Error {
  readonly code: ErrorCode;

  constructor(body: ErrorBody) {
    super(body.message);
    this.name = 'SocketRequestError';
    this.code = body.code;
  }
}

/**
 * An error body with its message spelled out: the protocol's `errorBody()` defaults the message from the
 * error catalogue, which would ship every message of the catalogue in browser bundles.
 */
export function errorOf(code: ErrorCode, message: string): ErrorBody {
  return { code, message };
}

/** The Ack a request resolves with when it cannot reach the server. */
export function unavailable(message: string): { ok: false; error: ErrorBody } {
  return { ok: false, error: { code: 'UNAVAILABLE', message } };
}

export function isAck(value: unknown): value is { ok: boolean } {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
