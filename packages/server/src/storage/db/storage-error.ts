import type { ErrorCode } from '@mpi/protocol';
import { AppError } from '../../errors.js';

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

/** Unique-constraint violation from node-postgres (SQLSTATE 23505) or better-sqlite3. */
export function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function assertLimit(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new StorageError('VALIDATION_FAILED', `${name} must be a positive integer.`);
  }
}

export function assertSeq(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StorageError('VALIDATION_FAILED', `${name} must be a non-negative integer.`);
  }
}
