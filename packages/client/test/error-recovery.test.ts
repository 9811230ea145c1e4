import { ERROR_CODES, type ErrorRecovery, recoveryOf } from '@mpi/protocol';
import { describe, expect, it } from 'vitest';

const codesOf = (...classes: ErrorRecovery[]) =>
  ERROR_CODES.filter((code) => classes.includes(recoveryOf(code) as ErrorRecovery)).sort();

// The SDK's final codes per caller, as they were before the table replaced their four sets.
describe('the error recovery table', () => {
  it('ends handshake retries only on a refused token', () => {
    expect(codesOf('token-refused')).toEqual(['ACCOUNT_ERASED', 'AUTH_INVALID', 'AUTH_MISSING']);
  });

  it('drops receipts only for a chat gone for this user', () => {
    expect(codesOf('no-chat')).toEqual(['CHAT_NOT_FOUND', 'NOT_A_MEMBER']);
  });

  it('stops re-joining on a chat gone or a refused join', () => {
    const final = codesOf('no-chat', 'refused');
    expect(final).toEqual(
      expect.arrayContaining(['CHAT_NOT_FOUND', 'FORBIDDEN', 'NOT_A_MEMBER', 'VALIDATION_FAILED']),
    );
    for (const retried of ['UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL', 'AUTH_EXPIRED', 'AUTH_INVALID']) {
      expect(final).not.toContain(retried);
    }
  });

  it('resends a message only after a transient failure', () => {
    expect(codesOf('transient')).toEqual(['RATE_LIMITED', 'TOO_MANY_CONNECTIONS', 'UNAVAILABLE']);
  });

  it('knows no code outside the catalogue', () => {
    expect(recoveryOf('SOMETHING_NEW')).toBeUndefined();
    expect(recoveryOf('toString')).toBeUndefined();
    expect(recoveryOf('__proto__')).toBeUndefined();
  });
});
