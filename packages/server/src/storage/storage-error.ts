import type { ErrorCode } from '@mpi/protocol';
import { AppError } from '../errors.js';

/**
 * An expected storage failure (missing chat, not a member, invalid argument). It is an AppError, so
 * handlers that let it escape send the client its code and message; its message never carries internals.
 */
export class StorageError extends AppError {
  constructor(code: ErrorCode, message?: string) {
    super(code, message);
    this.name = 'StorageError';
  }
}
