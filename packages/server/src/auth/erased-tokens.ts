import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { isTransientStorageError } from '../storage/db/unreachable.js';
import type { PrivacyStorage } from '../storage/privacy/privacy-storage.js';
import type { TokenVerifier } from './tokens.js';

/**
 * A verifier that also refuses, with ACCOUNT_ERASED, every token of an erased user issued up to the second
 * of the erasure (or without an `iat`, which cannot show it came later). The check reads the database on
 * every handshake and bearer request, so it holds on every node the moment the erasure commits; a token
 * the identity provider issues after the erasure is a new account and is accepted.
 *
 * While the database is unreachable the check cannot be made and the token is accepted (logged): such a
 * connection reaches nothing stored until the database is back, and refusing every handshake would take
 * presence and typing away from everyone during an outage. docs/security.md, "Your data", says so.
 */
export function refusingErased(
  verifier: TokenVerifier,
  privacy: Pick<PrivacyStorage, 'erasedAt'>,
  log: Logger,
): TokenVerifier {
  return {
    async verify(token) {
      const verified = await verifier.verify(token);
      let erasedAt: string | null;
      try {
        erasedAt = await privacy.erasedAt(verified.userId);
      } catch (error) {
        if (!isTransientStorageError(error)) throw error;
        log.warn({ err: error, userId: verified.userId }, 'erasure check unavailable: token accepted');
        return verified;
      }
      if (erasedAt === null) return verified;
      const erasedSecond = Math.floor(Date.parse(erasedAt) / 1000);
      if (verified.issuedAt === undefined || verified.issuedAt <= erasedSecond) {
        throw new AppError('ACCOUNT_ERASED');
      }
      return verified;
    },
  };
}
