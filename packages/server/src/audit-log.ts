import type { ErrorCode } from '@mpi/protocol';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';

type AuditKind = 'authentication' | 'authorization' | 'origin' | 'rate_limit' | 'protocol' | 'content';

/** The refusals worth an audit line, by what they say about the caller. */
const KIND_OF: Partial<Record<ErrorCode, AuditKind>> = {
  AUTH_MISSING: 'authentication',
  AUTH_INVALID: 'authentication',
  AUTH_EXPIRED: 'authentication',
  ACCOUNT_ERASED: 'authentication',
  SIGNATURE_MISSING: 'authentication',
  SIGNATURE_INVALID: 'authentication',
  SIGNATURE_STALE: 'authentication',
  FORBIDDEN: 'authorization',
  NOT_A_MEMBER: 'authorization',
  CHAT_NOT_FOUND: 'authorization',
  ORIGIN_NOT_ALLOWED: 'origin',
  RATE_LIMITED: 'rate_limit',
  TOO_MANY_CONNECTIONS: 'rate_limit',
  VALIDATION_FAILED: 'protocol',
  UNKNOWN_EVENT: 'protocol',
  INVALID_JSON: 'protocol',
  UNSUPPORTED_MEDIA_TYPE: 'protocol',
  PAYLOAD_TOO_LARGE: 'protocol',
  CONTENT_REJECTED: 'content',
  // A client sending plaintext to an end-to-end encrypted chat leaks what its users meant to protect.
  ENCRYPTION_REQUIRED: 'protocol',
};

/** Who was refused and where: never a body, a token or a message text. */
export interface AuditSubject {
  userId?: string | undefined;
  address?: string | undefined;
  /** The client event or HTTP route. */
  event?: string | undefined;
}

/** One line per caller and code at most this often; the lines in between are counted, not written. */
const LINE_INTERVAL_MS = 1_000;
const MAX_TRACKED = 10_000;

/**
 * The security audit trail: refused authentications and authorizations, origin refusals, rate-limit hits,
 * protocol violations and content refusals, each counted in `mpi_security_refusals_total{kind,code}` and
 * logged (warn, `audit: <kind>`) with user, code and address. A flood would write a line per event, so
 * a caller gets at most one line per code per second, carrying the count of those it stands for.
 */
export class AuditLog {
  private readonly recent = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a refusal; false when the code is not one the audit trail keeps (e.g. UNAVAILABLE). */
  refused(code: ErrorCode, subject: AuditSubject): boolean {
    const kind = KIND_OF[code];
    if (kind === undefined) return false;
    this.metrics.securityRefusals.inc({ kind, code });
    const key = `${code}|${subject.userId ?? ''}|${subject.address ?? ''}`;
    const now = this.now();
    const seen = this.recent.get(key);
    if (seen && now < seen.until) {
      seen.suppressed += 1;
      return true;
    }
    if (this.recent.size >= MAX_TRACKED) this.recent.clear();
    this.recent.set(key, { until: now + LINE_INTERVAL_MS, suppressed: 0 });
    const { userId, address, event } = subject;
    this.log.warn(
      {
        audit: kind,
        code,
        userId,
        address,
        event,
        ...(seen?.suppressed ? { alsoRefused: seen.suppressed } : {}),
      },
      'refused',
    );
    return true;
  }
}
