import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { userIdSchema } from '@mpi/protocol/schemas';
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

export interface VerifiedToken {
  userId: string;
  /** Seconds since the epoch, when the token has an `exp`. */
  expiresAt: number | undefined;
  /** Seconds since the epoch, when the token has an `iat`: what the erasure check compares. */
  issuedAt?: number | undefined;
}

export interface TokenVerifier {
  verify(token: unknown): Promise<VerifiedToken>;
}

/** Bytes the verified-token cache may hold (its estimate of keys, user ids and entries). */
const TOKEN_CACHE_BYTES = 4 * 1024 * 1024;
/**
 * Longest a verified token is remembered, even when it expires later (or never): a key withdrawn from the
 * JWKS stops being accepted within this time.
 */
const TOKEN_CACHE_MAX_AGE_MS = 5 * 60_000;
/** What one entry costs besides its user id: the 43-character key, the entry objects and the Map slot. */
const ENTRY_OVERHEAD_BYTES = 200;

/**
 * Longest token accepted, in characters: an identity provider's RS256 token with a few dozen claims is
 * under 2 KB. Anything longer is refused before it is decoded or hashed.
 */
const MAX_TOKEN_LENGTH = 8 * 1024;
/** A compact JWS: three unpadded base64url segments, nothing else (no whitespace, no `=`). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** True for a string that has the shape and size of a compact JWS; jose would skip whitespace and padding. */
function isCompactJws(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && COMPACT_JWS.test(token);
}

const keyOf = (token: string) => createHash('sha256').update(token).digest('base64url');

/**
 * Tokens that passed verification, by the SHA-256 of their string, each until its `exp` (jose accepts a
 * token while the current second is below `exp`) and at most {@link TOKEN_CACHE_MAX_AGE_MS}. A reconnect
 * storm presents the same tokens again: a hit skips the signature check (WebCrypto HMAC or RSA) and the
 * claim checks, whose outcome cannot change for the same string before it expires. Failures are never
 * remembered, so a bad or expired token always gets its own error code. Keyed by a hash so that an entry
 * costs the same whatever the token's length, and bounded by bytes: least recently used first out.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { verified: VerifiedToken; until: number; bytes: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = TOKEN_CACHE_BYTES,
    private readonly maxAgeMs = TOKEN_CACHE_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cache's estimate of what it holds. */
  get sizeBytes(): number {
    return this.bytes;
  }

  get(token: string): VerifiedToken | undefined {
    const key = keyOf(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.remove(key);
    if (this.now() >= entry.until) return undefined;
    this.insert(key, entry); // most recently used last
    return entry.verified;
  }

  set(token: string, verified: VerifiedToken): void {
    const now = this.now();
    const until = Math.min(
      now + this.maxAgeMs,
      verified.expiresAt === undefined ? Number.POSITIVE_INFINITY : verified.expiresAt * 1000,
    );
    const bytes = ENTRY_OVERHEAD_BYTES + 2 * verified.userId.length;
    if (until <= now || bytes > this.maxBytes) return;
    const key = keyOf(token);
    this.remove(key);
    this.insert(key, { verified, until, bytes });
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private insert(key: string, entry: { verified: VerifiedToken; until: number; bytes: number }): void {
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

/** One base64url segment as jose decodes it: no padding, no whitespace, not a length atob refuses. */
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const isSegment = (text: string) => SEGMENT.test(text) && text.length % 4 !== 1;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** jose's `isObject`: a plain object, as a JSON object parses to. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.prototype.toString.call(value) !== '[object Object]') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function decodeJson(segment: string): unknown {
  return JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
}

/**
 * An HS256 token checked with a synchronous HMAC (a few µs, against ~100 µs of CPU for WebCrypto's verify
 * through jose, most of it job dispatch): only for the plain shape — header `{ alg: "HS256" }` without
 * `crit`, a valid signature, a claims object whose `exp`/`nbf`/`iat` are numbers if present, `exp` in
 * the future, `nbf` not, `iss`/`aud` as configured. Every check is one jose's `jwtVerify` makes, so what
 * passes here passes there; anything else returns undefined and goes to jose, which accepts it or names
 * the error (AUTH_EXPIRED only ever comes from jose).
 */
export function verifyPlainHs256(
  token: string,
  secret: Buffer,
  options: { issuer?: string; audience?: string },
): JWTPayload | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  if (!isSegment(header) || !isSegment(payload) || !isSegment(signature)) return undefined;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let protectedHeader: unknown;
  let claims: unknown;
  try {
    protectedHeader = decodeJson(header);
    claims = decodeJson(payload);
  } catch {
    return undefined;
  }
  if (
    !isPlainObject(protectedHeader) ||
    protectedHeader.alg !== 'HS256' ||
    protectedHeader.crit !== undefined
  )
    return undefined;
  if (!isPlainObject(claims)) return undefined;
  const { issuer, audience } = options;
  if (issuer !== undefined && (!Object.hasOwn(claims, 'iss') || claims.iss !== issuer)) return undefined;
  if (audience !== undefined) {
    const aud = claims.aud;
    if (!Object.hasOwn(claims, 'aud')) return undefined;
    if (!(typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience)))
      return undefined;
  }
  const now = Math.floor(Date.now() / 1000);
  const { iat, nbf, exp } = claims;
  if (iat !== undefined && typeof iat !== 'number') return undefined;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) return undefined;
  if (exp !== undefined && (typeof exp !== 'number' || exp <= now)) return undefined;
  return claims as JWTPayload;
}

/**
 * Verifies handshake tokens: RS256 against a JWKS when JWT_JWKS_URL is set, otherwise HS256 with
 * JWT_SECRET. The user id is the token's `sub`. Each failure has its own code so that a client can tell an
 * expired session (refresh and retry) from a broken one. Successes are remembered in `cache` until the
 * token expires (see {@link VerifiedTokenCache}).
 */
export function createTokenVerifier(
  auth: Config['auth'],
  cache: VerifiedTokenCache = new VerifiedTokenCache(),
): TokenVerifier {
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
    // Imported once: given the raw secret, jose imports a WebCrypto key for every verification (half its
    // cost).
    const key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(auth.jwtSecret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const secret = Buffer.from(auth.jwtSecret, 'utf8');
    verifyJwt = async (token) =>
      verifyPlainHs256(token, secret, options) ??
      (await jwtVerify(token, await key, { ...options, algorithms: ['HS256'] })).payload;
  } else {
    throw new Error('No JWT_SECRET and no JWT_JWKS_URL: tokens cannot be verified');
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0) throw new AppError('AUTH_MISSING');
      if (!isCompactJws(token)) {
        throw new AppError('AUTH_INVALID', 'The token is not a compact JWS of at most 8 KiB.');
      }
      const cached = cache.get(token);
      if (cached) return { ...cached };
      let payload: JWTPayload;
      try {
        payload = await verifyJwt(token);
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new AppError('AUTH_EXPIRED');
        throw new AppError('AUTH_INVALID');
      }
      const userId = userIdSchema.safeParse(payload.sub);
      if (!userId.success) throw new AppError('AUTH_INVALID', 'The token has no valid `sub` (user id).');
      const verified = { userId: userId.data, expiresAt: payload.exp, issuedAt: payload.iat };
      cache.set(token, verified);
      return { ...verified };
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
