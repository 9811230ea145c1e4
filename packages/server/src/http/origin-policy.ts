import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

const LOCALHOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Which browser origins may open a websocket or call the HTTP API: the server's own (the request's Host),
 * those of ALLOWED_ORIGINS, and localhost on any port outside production when ALLOWED_ORIGINS is unset.
 * A request without an Origin header comes from no browser page (Node, curl, a native app) and is
 * allowed: the check stops other sites' pages from acting with a user's ambient credentials, and from
 * hijacking a websocket (CSWSH), which only browsers can be made to do.
 */
export class OriginPolicy {
  private readonly allowed: Set<string>;

  constructor(private readonly config: Config['allowedOrigins']) {
    this.allowed = new Set(config.list.map((origin) => origin.toLowerCase()));
  }

  allows(origin: string | string[] | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    if (typeof origin !== 'string') return false;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, file: pages) and anything malformed
    }
    if (url.origin !== origin.toLowerCase()) return false;
    if (host !== undefined && url.host === host.toLowerCase()) return true;
    if (this.allowed.has(url.origin)) return true;
    return this.config.localhost && LOCALHOSTS.has(url.hostname);
  }

  /** The origins pages of this server's web app may connect to besides its own (for the CSP). */
  get extraOrigins(): string[] {
    return [...this.allowed];
  }

  /** Refuses every HTTP request from another origin with 403 ORIGIN_NOT_ALLOWED, before any route. */
  guard(app: FastifyInstance): void {
    app.addHook('onRequest', async (request) => {
      if (!this.allows(request.headers.origin, request.headers.host))
        throw new AppError('ORIGIN_NOT_ALLOWED');
    });
  }
}
