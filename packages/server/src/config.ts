import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IceServer } from '@mpi/protocol';
import { z } from 'zod';
import { parseLeadTimes } from './durations.js';

// Every setting of the server, read from environment variables once at start. Nothing else in the server
// reads `process.env`: it receives this typed object. A wrong value stops the start with a message that
// names the variable.

/** apps/web/dist, from both packages/server/src and packages/server/dist. */
const DEFAULT_WEB_DIST_DIR = fileURLToPath(new URL('../../../apps/web/dist', import.meta.url));

const DEV_JWT_SECRET = 'mpi-realtime-development-secret-do-not-use-in-production';

/** Comma-separated origins (`scheme://host[:port]`) allowed besides the server's own. */
const origins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ''),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, 'each origin is scheme://host[:port], no path'),
    ),
  );

const words = z
  .string()
  .transform((value) => value.split(',').map((word) => word.trim().normalize('NFC').toLowerCase()))
  .pipe(z.array(z.string().min(1, 'an empty word')));

const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const positiveInt = z.coerce.number().int().positive();

/** Comma-separated HMAC secrets of the ingestion API: the current one and, while rotating, the next. */
const signingSecrets = z
  .string()
  .transform((value) => value.split(',').map((secret) => secret.trim()))
  .pipe(
    z
      .array(z.string().min(32, 'each secret must be at least 32 characters'))
      .min(1)
      .max(2, 'at most 2 secrets (the current and the next one, while rotating)'),
  );

/** The push services of Chrome/Edge (FCM), Firefox, Windows and Safari: where browsers' endpoints point. */
const DEFAULT_PUSH_HOSTS = [
  'fcm.googleapis.com',
  'push.services.mozilla.com',
  'notify.windows.com',
  'push.apple.com',
];

/** Comma-separated host names; a subscription's endpoint must be one of them or below one. */
const hosts = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((host) => host.trim().toLowerCase())
      .filter((host) => host !== ''),
  )
  .pipe(z.array(z.string().regex(/^[a-z0-9.-]+$/, 'each entry is a host name, no scheme or port')).min(1));

const vapidKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]{40,100}$/, 'must be a base64url VAPID key (web-push generate-vapid-keys)');

/** Comma-separated media types, each exact (`image/png`) or a whole family (`image/*`). */
const mediaTypes = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((type) => type.trim().toLowerCase())
      .filter((type) => type !== ''),
  )
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9.+-]*\/(\*|[a-z0-9][a-z0-9.+-]*)$/, 'each type is type/subtype or type/*'),
      )
      .min(1),
  );

const DEFAULT_FILE_TYPES =
  'image/png,image/jpeg,image/gif,image/webp,application/pdf,audio/webm,audio/ogg,audio/mpeg,audio/mp4,' +
  'video/mp4,video/webm,text/plain,text/csv,application/zip,' +
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document,' +
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A JSON array of RTCIceServer objects: `[{"urls":"stun:stun.example.org:3478"}, {"urls":[…],"username":…,"credential":…}]`. */
const iceServers = z
  .string()
  .transform((value, ctx) => {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of ICE servers' });
      return z.NEVER;
    }
  })
  .pipe(
    z.array(
      z.strictObject({
        urls: z.union([
          z.string().regex(/^(stun|stuns|turn|turns):/),
          z.array(z.string().regex(/^(stun|stuns|turn|turns):/)).min(1),
        ]),
        username: z.string().optional(),
        credential: z.string().optional(),
      }),
    ),
  );

const leadTimes = z.string().transform((value, ctx) => {
  try {
    return parseLeadTimes(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    DATABASE_URL: z.string().min(1).default('./data/mpi-realtime.sqlite'),
    PG_POOL_SIZE: positiveInt.max(200).default(10),
    SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
    JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    JWT_JWKS_URL: z.url().optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    DEV_TOKEN_TTL_SECONDS: positiveInt.default(24 * 60 * 60),
    DEV_TOKENS: boolean.optional(),
    ALLOWED_ORIGINS: origins.optional(),
    TRUST_PROXY: boolean.default(false),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    MAX_CONNECTIONS_PER_USER: positiveInt.default(20),
    MAX_CONNECTIONS_PER_ADDRESS: positiveInt.default(200),
    CONTENT_BLOCKLIST: words.optional(),
    CONTENT_FILTER_ACTION: z.enum(['reject', 'mask']).default('reject'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // 600 in any 10 s is 300 per window: the burst the fixed 300-per-window limit allowed before.
    RATE_LIMIT_EVENTS: positiveInt.min(2).default(600),
    RATE_LIMIT_WINDOW_SECONDS: positiveInt.default(10),
    MAX_EVENTS_IN_FLIGHT_PER_CONNECTION: positiveInt.min(2).default(64),
    MAX_EVENTS_IN_FLIGHT: positiveInt.min(2).default(4096),
    MESSAGE_RETENTION_DAYS: z.coerce.number().int().min(0).default(365),
    NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(0).default(90),
    // 48 h, as Slack's default and WhatsApp's limit are of that order; 0 turns editing off.
    MESSAGE_EDIT_WINDOW_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(48 * 3600),
    SHUTDOWN_TIMEOUT_MS: positiveInt.max(60_000).default(8_000),
    // Socket.IO's own defaults: a silent peer is dropped within 45 s.
    SOCKET_PING_INTERVAL_MS: positiveInt.min(100).max(300_000).default(25_000),
    SOCKET_PING_TIMEOUT_MS: positiveInt.min(100).max(300_000).default(20_000),
    METRICS_ENABLED: boolean.default(true),
    NOTIFY_SIGNING_SECRETS: signingSecrets.optional(),
    REMINDER_LEAD_TIMES: leadTimes.default(parseLeadTimes('24h,1h')),
    REMINDER_POLL_MS: positiveInt.min(10).max(60_000).default(5_000),
    WEB_DIST_DIR: z.string().min(1).default(DEFAULT_WEB_DIST_DIR),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits and : _ - only')
      .default('mpi'),
    NODE_LEASE_MS: positiveInt.min(1000).max(120_000).default(10_000),
    ADMIN_UI_USERNAME: z.string().min(1).max(64).optional(),
    ADMIN_UI_PASSWORD_HASH: z
      .string()
      .regex(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/, 'must be a bcrypt hash ($2a$… / $2b$…)')
      .optional(),
    ADMIN_UI_READONLY: boolean.default(true),
    WEB_PUSH: boolean.optional(),
    VAPID_PUBLIC_KEY: vapidKey.optional(),
    VAPID_PRIVATE_KEY: vapidKey.optional(),
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/, 'must be a mailto: address or an https: URL')
      .optional(),
    WEB_PUSH_ENDPOINT_HOSTS: hosts.optional(),
    FILES_DIR: z.string().min(1).default('./data/files'),
    // Sizes are stored as 32-bit integers (both dialects).
    FILE_MAX_BYTES: positiveInt.max(2 ** 31 - 1).default(25 * 1024 * 1024),
    FILE_ALLOWED_TYPES: mediaTypes.default(mediaTypes.parse(DEFAULT_FILE_TYPES)),
    VOICE_MAX_SECONDS: positiveInt.max(3600).default(300),
    ICE_SERVERS: iceServers.default([]),
    CALL_RING_SECONDS: positiveInt.max(300).default(30),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.ADMIN_UI_USERNAME) !== Boolean(env.ADMIN_UI_PASSWORD_HASH)) {
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_UI_PASSWORD_HASH'],
        message: 'the Admin UI needs both ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD_HASH (or neither: off)',
      });
    }
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET && !env.JWT_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'is required in production (or set JWT_JWKS_URL for RS256 tokens)',
      });
    }
    // Development settings in production would hand out identities or accept forged tokens.
    if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEV_JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is the development secret' });
    }
    if (Boolean(env.VAPID_PUBLIC_KEY) !== Boolean(env.VAPID_PRIVATE_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['VAPID_PRIVATE_KEY'],
        message: 'Web Push needs both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (or neither)',
      });
    }
    // A generated key pair would change at every start and break every subscription: production brings its own.
    if (env.NODE_ENV === 'production' && (env.WEB_PUSH ?? env.VAPID_PUBLIC_KEY !== undefined)) {
      if (!env.VAPID_PUBLIC_KEY) {
        ctx.addIssue({
          code: 'custom',
          path: ['VAPID_PUBLIC_KEY'],
          message:
            'is required in production while WEB_PUSH is on (with VAPID_PRIVATE_KEY and VAPID_SUBJECT)',
        });
      }
      if (!env.VAPID_SUBJECT) {
        ctx.addIssue({
          code: 'custom',
          path: ['VAPID_SUBJECT'],
          message: 'is required in production while WEB_PUSH is on',
        });
      }
    }
    if (env.NODE_ENV === 'production' && env.DEV_TOKENS === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEV_TOKENS'],
        message: 'development tokens are never served in production',
      });
    }
  });

export type Env = Record<string, string | undefined>;

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  databaseUrl: string;
  pgPoolSize: number;
  /** SQLite's `synchronous` pragma (WAL): NORMAL survives a crash of the process, FULL a power loss too. */
  sqliteSynchronous: 'NORMAL' | 'FULL';
  auth: {
    /** HS256 secret; also signs development tokens. */
    jwtSecret: string | undefined;
    /** RS256 keys for production identity providers. */
    jwksUrl: string | undefined;
    issuer: string | undefined;
    audience: string | undefined;
    devTokenTtlSeconds: number;
  };
  /** Serve `GET /api/dev/token`, to loopback callers only: never in production. */
  devTokensEnabled: boolean;
  /** Origins allowed besides the server's own (the Host of the request); localhost ones outside production. */
  allowedOrigins: { list: string[]; localhost: boolean };
  /** Take client addresses from X-Forwarded-For (behind a reverse proxy that sets it). */
  trustProxy: boolean;
  /** Caps on simultaneous connections, per node. */
  connectionCaps: { perUser: number; perAddress: number };
  /** The built-in content filter: words refused (or masked) in messages and chat names. */
  contentFilter: { blocklist: string[]; action: 'reject' | 'mask' };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  rateLimit: { events: number; windowSeconds: number };
  /** Events in flight before the server stops reading a connection (see realtime/backpressure.ts). */
  backpressure: { perConnection: number; total: number };
  shutdownTimeoutMs: number;
  /**
   * Socket.IO's heartbeat: a ping every `intervalMs`, a connection whose pong does not come within
   * `timeoutMs` is closed (`ping timeout`). Clients learn both in the handshake and drop a server that
   * stops pinging for `intervalMs + timeoutMs`.
   */
  ping: { intervalMs: number; timeoutMs: number };
  /** Messages older than this are deleted; 0 keeps them forever. */
  messageRetentionDays: number;
  /** The sender can edit a message this long after sending it; 0 means never. */
  messageEditWindowMs: number;
  metricsEnabled: boolean;
  /** Bearer token `/metrics` requires; in production without one, `/metrics` is not served. */
  metricsToken: string | undefined;
  notifications: {
    /** HMAC-SHA256 secrets accepted on the ingestion API; empty disables it (503). */
    signingSecrets: string[];
    /** Reminders fire this long before an item starts, longest first; empty disables reminders. */
    reminderLeadTimesMs: number[];
    /** How often each node looks for due reminders. */
    reminderPollMs: number;
    /** Notifications (read or unread) older than this are deleted; 0 keeps them forever. */
    retentionDays: number;
  };
  /** The built web app served at `/`. */
  webDistDir: string;
  /** Attachments: where uploads are kept on disk, the largest accepted, the types allowed, voice length. */
  files: { dir: string; maxBytes: number; allowedTypes: string[]; voiceMaxMs: number };
  /** 1:1 calls: the STUN/TURN servers handed to both peers, and how long a call rings unanswered. */
  calls: { iceServers: IceServer[]; ringMs: number };
  /** Shared state for several nodes; a single node needs none. */
  /** The Socket.IO Admin UI: off (undefined) unless a user and a bcrypt hash of the password are set. */
  adminUi: { username: string; passwordHash: string; readonly: boolean } | undefined;
  /** OS notifications through Web Push (see push/). */
  push: {
    enabled: boolean;
    /** The server's VAPID key pair; undefined outside production means "generate one at start". */
    vapid: { publicKey: string; privateKey: string } | undefined;
    /** The contact push services may use (`mailto:` or `https:`). */
    subject: string;
    /** Endpoints must be on these hosts (or below them). */
    endpointHosts: string[];
  };
  redis: {
    url: string | undefined;
    keyPrefix: string;
    /** A node that has not renewed its lease in Redis for this long is dead to the others. */
    leaseMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Env): Config {
  // An empty variable means "not set", as in most shells' `VAR= command`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const jwtSecret = e.JWT_SECRET ?? (e.NODE_ENV === 'production' ? undefined : DEV_JWT_SECRET);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    pgPoolSize: e.PG_POOL_SIZE,
    sqliteSynchronous: e.SQLITE_SYNCHRONOUS,
    auth: {
      jwtSecret,
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      devTokenTtlSeconds: e.DEV_TOKEN_TTL_SECONDS,
    },
    // With a JWKS, handshakes accept only the identity provider's RS256 tokens: HS256 dev tokens would be refused.
    devTokensEnabled:
      e.NODE_ENV !== 'production' && (e.DEV_TOKENS ?? true) && jwtSecret !== undefined && !e.JWT_JWKS_URL,
    allowedOrigins: {
      list: e.ALLOWED_ORIGINS ?? [],
      localhost: e.NODE_ENV !== 'production' && !e.ALLOWED_ORIGINS,
    },
    trustProxy: e.TRUST_PROXY,
    connectionCaps: { perUser: e.MAX_CONNECTIONS_PER_USER, perAddress: e.MAX_CONNECTIONS_PER_ADDRESS },
    contentFilter: { blocklist: e.CONTENT_BLOCKLIST ?? [], action: e.CONTENT_FILTER_ACTION },
    logLevel: e.LOG_LEVEL,
    rateLimit: { events: e.RATE_LIMIT_EVENTS, windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS },
    backpressure: { perConnection: e.MAX_EVENTS_IN_FLIGHT_PER_CONNECTION, total: e.MAX_EVENTS_IN_FLIGHT },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    ping: { intervalMs: e.SOCKET_PING_INTERVAL_MS, timeoutMs: e.SOCKET_PING_TIMEOUT_MS },
    messageRetentionDays: e.MESSAGE_RETENTION_DAYS,
    messageEditWindowMs: e.MESSAGE_EDIT_WINDOW_SECONDS * 1000,
    metricsEnabled: e.METRICS_ENABLED,
    metricsToken: e.METRICS_TOKEN,
    notifications: {
      signingSecrets: e.NOTIFY_SIGNING_SECRETS ?? [],
      reminderLeadTimesMs: e.REMINDER_LEAD_TIMES,
      reminderPollMs: e.REMINDER_POLL_MS,
      retentionDays: e.NOTIFICATION_RETENTION_DAYS,
    },
    webDistDir: e.WEB_DIST_DIR,
    files: {
      dir: e.FILES_DIR,
      maxBytes: e.FILE_MAX_BYTES,
      allowedTypes: e.FILE_ALLOWED_TYPES,
      voiceMaxMs: e.VOICE_MAX_SECONDS * 1000,
    },
    calls: { iceServers: e.ICE_SERVERS, ringMs: e.CALL_RING_SECONDS * 1000 },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, leaseMs: e.NODE_LEASE_MS },
    push: {
      // Off in production unless configured; on elsewhere (with a generated key pair if none is set).
      enabled: e.WEB_PUSH ?? (e.NODE_ENV !== 'production' || e.VAPID_PUBLIC_KEY !== undefined),
      vapid:
        e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY
          ? { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY }
          : undefined,
      subject: e.VAPID_SUBJECT ?? 'mailto:webpush@localhost.invalid',
      endpointHosts: e.WEB_PUSH_ENDPOINT_HOSTS ?? DEFAULT_PUSH_HOSTS,
    },
    adminUi:
      e.ADMIN_UI_USERNAME && e.ADMIN_UI_PASSWORD_HASH
        ? {
            username: e.ADMIN_UI_USERNAME,
            passwordHash: e.ADMIN_UI_PASSWORD_HASH,
            readonly: e.ADMIN_UI_READONLY,
          }
        : undefined,
  };
}

/** A configuration for tests and embedding: defaults, overridden by the given variables. */
export function testConfig(overrides: Env = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    // Never the working directory's ./data: tests that send files give their own temporary folder.
    FILES_DIR: join(tmpdir(), 'mpi-realtime-test-files'),
    ...overrides,
  });
}
