import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { OriginPolicy } from './origin-policy.js';

/** The websocket URLs of http(s) origins: CSP's 'self' does not cover ws: in every browser. */
const websocketOf = (origin: string) => origin.replace(/^http/, 'ws');

/**
 * Security headers on every answer (@fastify/helmet): a CSP that lets the web app load only its own
 * scripts, styles and images and connect only to its own server (and ALLOWED_ORIGINS), no framing,
 * nosniff, no referrer. Written out rather than helmet's defaults, whose `upgrade-insecure-requests`
 * would break the plain-http quick start.
 */
export async function registerSecurityHeaders(app: FastifyInstance, origins: OriginPolicy): Promise<void> {
  const extra = origins.extraOrigins;
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Avatars are https URLs on any host (protocol.md, "People"); they load without a referrer. blob:
        // previews and downloads of attachments, fetched with the user's token (files/download-route.ts).
        imgSrc: ["'self'", 'data:', 'https:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", ...extra, ...extra.map(websocketOf)],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}
