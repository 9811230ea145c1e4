import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNATURE_HEADERS } from '@mpi/protocol';
import { AppError } from '../errors.js';

// Request signing of the ingestion API: `X-MPI-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`
// with a shared secret, `X-MPI-Timestamp` in Unix seconds. Several `v1=` values (comma-separated) may be
// sent, and the server accepts any of its configured secrets, so a secret can be rotated without downtime.

/** A signature's timestamp may be this far from the server clock, either way. */
const SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

function computeSignature(secret: string, timestamp: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** The headers that sign `rawBody` at `nowMs` (what the platform's backend and `npm run notify` send). */
export function signatureHeaders(
  secret: string,
  rawBody: string,
  nowMs = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.signature]: `v1=${computeSignature(secret, timestamp, rawBody)}`,
  };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw new AppError('SIGNATURE_INVALID', `Send ${name} once.`);
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Throws SIGNATURE_MISSING, SIGNATURE_INVALID (malformed, or no secret verifies it) or SIGNATURE_STALE
 * (verifies, but the timestamp is more than 5 minutes away). Comparison is constant-time.
 */
export function verifySignature(
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  secrets: readonly string[],
  nowMs: number,
): void {
  const timestamp = header(headers, SIGNATURE_HEADERS.timestamp);
  const signature = header(headers, SIGNATURE_HEADERS.signature);
  if (timestamp === undefined || signature === undefined) throw new AppError('SIGNATURE_MISSING');
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new AppError('SIGNATURE_INVALID', `${SIGNATURE_HEADERS.timestamp} must be Unix time in seconds.`);
  }
  const given = signature
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3))
    .filter((hex) => HEX_SHA256.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
  if (given.length === 0) {
    throw new AppError('SIGNATURE_INVALID', `${SIGNATURE_HEADERS.signature} must be v1=<64 hex digits>.`);
  }
  let valid = false;
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'hex');
    // Every comparison runs (no early exit), each in constant time.
    for (const candidate of given) if (timingSafeEqual(candidate, expected)) valid = true;
  }
  if (!valid) throw new AppError('SIGNATURE_INVALID');
  if (Math.abs(nowMs - Number(timestamp) * 1000) > SIGNATURE_TOLERANCE_MS)
    throw new AppError('SIGNATURE_STALE');
}

/** Identifies a request for delivery-id reuse checks: the same id must come with the same request. */
export function requestFingerprint(method: string, path: string, rawBody: string): string {
  return createHash('sha256').update(`${method.toUpperCase()} ${path}\n${rawBody}`, 'utf8').digest('hex');
}
