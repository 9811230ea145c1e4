import type { TokenVerifier } from '../auth/tokens.js';
import { AppError } from '../errors.js';

/** The user of an HTTP request: `Authorization: Bearer <the handshake's JWT>`. */
export async function userOf(verifier: TokenVerifier, header: string | null | undefined): Promise<string> {
  if (!header) throw new AppError('AUTH_MISSING', 'Send Authorization: Bearer <token>.');
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match) throw new AppError('AUTH_INVALID', 'The Authorization header is not "Bearer <token>".');
  return (await verifier.verify(match[1])).userId;
}
