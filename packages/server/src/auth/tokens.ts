import { userIdSchema } from '@mpi/protocol';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

export interface VerifiedToken {
  userId: string;
  /** Seconds since the epoch, when the token has an `exp`. */
  expiresAt: number | undefined;
}

export interface TokenVerifier {
  verify(token: unknown): Promise<VerifiedToken>;
}

/**
 * Verifies handshake tokens: RS256 against a JWKS when JWT_JWKS_URL is set, otherwise HS256 with
 * JWT_SECRET. The user id is the token's `sub`. Each failure has its own code so that a client can tell an
 * expired session (refresh and retry) from a broken one.
 */
export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  const options = {
    ...(auth.issuer ? { issuer: auth.issuer } : {}),
    ...(auth.audience ? { audience: auth.audience } : {}),
  };
  let verifyJwt: (token: string) => Promise<JWTPayload>;
  if (auth.jwksUrl) {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(auth.jwksUrl));
    verifyJwt = async (token) =>
      (await jwtVerify(token, jwks, { ...options, algorithms: ['RS256'] })).payload;
  } else if (auth.jwtSecret) {
    const key = new TextEncoder().encode(auth.jwtSecret);
    verifyJwt = async (token) => (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload;
  } else {
    throw new Error('No JWT_SECRET and no JWT_JWKS_URL: tokens cannot be verified');
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0) throw new AppError('AUTH_MISSING');
      let payload: JWTPayload;
      try {
        payload = await verifyJwt(token);
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new AppError('AUTH_EXPIRED');
        throw new AppError('AUTH_INVALID');
      }
      const userId = userIdSchema.safeParse(payload.sub);
      if (!userId.success) throw new AppError('AUTH_INVALID', 'The token has no valid `sub` (user id).');
      return { userId: userId.data, expiresAt: payload.exp };
    },
  };
}

/** Signs an HS256 token for development and tests; never exposed in production. */
export async function signToken(
  secret: string,
  userId: string,
  options: { ttlSeconds: number; issuer?: string | undefined; audience?: string | undefined },
): Promise<{ token: string; expiresAt: number }> {
  const now = Math.floor(Date.now() / 1000);
  const expiresAt = now + options.ttlSeconds;
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(userId).setIssuedAt(now);
  jwt = jwt.setExpirationTime(expiresAt);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return { token: await jwt.sign(new TextEncoder().encode(secret)), expiresAt };
}
