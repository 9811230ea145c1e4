import { describe, expect, it } from 'vitest';
import { AppError, publicErrorBody } from '../src/errors.js';
import { RetryBackoff } from '../src/retry-backoff.js';
import { isTransientStorageError } from '../src/storage/db/unreachable.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('transient storage errors', () => {
  it('knows the drivers’ shapes of an unreachable or busy database', () => {
    for (const error of [
      withCode('ECONNREFUSED'),
      withCode('57P01', 'terminating connection due to administrator command'),
      withCode('57P03', 'the database system is starting up'),
      withCode('08006'),
      withCode('53300', 'too many connections'),
      withCode('40P01', 'deadlock detected'),
      withCode('SQLITE_BUSY'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('timeout exceeded when trying to connect'),
      new Error('wrapped', { cause: withCode('ECONNRESET') }),
      Object.assign(new AggregateError([withCode('ECONNREFUSED')]), { message: '' }),
    ]) {
      expect(isTransientStorageError(error), String(error)).toBe(true);
    }
  });

  it('leaves faults faults', () => {
    for (const error of [new Error('boom'), withCode('23505'), withCode('42P01'), null, 'text']) {
      expect(isTransientStorageError(error)).toBe(false);
    }
  });

  it('reaches clients as the retryable UNAVAILABLE, never INTERNAL', () => {
    expect(publicErrorBody(withCode('ECONNREFUSED')).code).toBe('UNAVAILABLE');
    expect(publicErrorBody(new Error('boom')).code).toBe('INTERNAL');
    expect(publicErrorBody(new AppError('NOT_A_MEMBER')).code).toBe('NOT_A_MEMBER');
  });
});

describe('RetryBackoff', () => {
  it('doubles the delay up to its maximum and resets on success', () => {
    let now = 0;
    const backoff = new RetryBackoff(100, 350, () => now);
    expect(backoff.due).toBe(true);
    expect([backoff.failed(), backoff.failed(), backoff.failed(), backoff.failed()]).toEqual([
      100, 200, 350, 350,
    ]);
    expect(backoff.due).toBe(false);
    now = 349;
    expect(backoff.due).toBe(false);
    now = 350;
    expect(backoff.due).toBe(true);
    expect(backoff.succeeded()).toBe(4);
    expect(backoff.failed()).toBe(100);
  });
});
