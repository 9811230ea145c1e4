import { AppError } from '../errors.js';
import type { PrivacyStorage } from '../storage/privacy/privacy-storage.js';
import type { TokenVerifier } from './tokens.js';

/**
 * A verifier that also refuses, with ACCOUNT_ERASED, every token of an erased user issued up to the second
 * of the erasure (or without an `iat`, which cannot show it came later). The check reads the database on
 * every handshake and bearer request, so it holds on every node the moment the erasure commits; a token
 * the identity provider issues after the erasure is a new account and is accepted.
 */
export function refusingErased(
  verifier: TokenVerifier,
  privacy: Pick<PrivacyStorage, 'erasedAt'>,
): TokenVerifier {
  return {
    async verify(token) {
      const verified = await verifier.verify(token);
      const erasedAt = await privacy.erasedAt(verified.userId);
      if (erasedAt === null) return verified;
      const erasedSecond = Math.floor(Date.parse(erasedAt) / 1000);
      if (verified.issuedAt === undefined || verified.issuedAt <= erasedSecond) {
        throw new AppError('ACCOUNT_ERASED');
      }
      return verified;
    },
  };
}
