// The spec's `WEBSOCKET_CONFIG` (src/config/websocket.config.ts in the frontend), with the same keys.
//
// Values come from the environment: `VITE_WEBSOCKET_URL` and `VITE_WEBSOCKET_ENABLED` through
// `import.meta.env` in a Vite build, or `process.env` in Node. Reading is guarded so the module loads in
// browsers without Vite, in Node, and in tests.

/** The spec's `reconnectionConfig`, plus `jitter`: each delay is spread by ±jitter (a fraction) of itself. */
export interface ReconnectionPolicy {
  /** Retries after a failed connect or an unexpected drop; after the last one fails the state is ERROR. */
  attempts: number;
  /** Delay before the first retry, in ms. */
  delay: number;
  /** Each retry waits `backoff` times longer than the one before. */
  backoff: number;
  /** No delay is ever longer than this, jitter included, in ms. */
  maxDelay: number;
  /** Fraction in [0, 1]: a delay d becomes a uniform value in [d × (1 − jitter), d × (1 + jitter)]. */
  jitter: number;
}

type EnvRecord = Record<string, string | undefined>;

function readEnv(name: 'VITE_WEBSOCKET_URL' | 'VITE_WEBSOCKET_ENABLED'): string | undefined {
  // Vite replaces `import.meta.env` at build time; elsewhere it is undefined.
  let viteEnv: EnvRecord | undefined;
  try {
    viteEnv = (import.meta as { env?: EnvRecord }).env;
  } catch {
    viteEnv = undefined;
  }
  const fromVite = typeof viteEnv === 'object' && viteEnv !== null ? viteEnv[name] : undefined;
  if (typeof fromVite === 'string' && fromVite !== '') return fromVite;

  const proc = (globalThis as { process?: { env?: EnvRecord } }).process;
  const fromNode = typeof proc === 'object' && proc !== null ? proc.env?.[name] : undefined;
  if (typeof fromNode === 'string' && fromNode !== '') return fromNode;
  return undefined;
}

/** Where the SDK connects when neither `VITE_WEBSOCKET_URL` nor `options.url` says otherwise. */
export const DEFAULT_WEBSOCKET_URL = 'http://localhost:4000';

export const WEBSOCKET_CONFIG = {
  URL: readEnv('VITE_WEBSOCKET_URL') ?? DEFAULT_WEBSOCKET_URL,
  /** False only when `VITE_WEBSOCKET_ENABLED` is `'false'`; `connect()` is then a no-op. */
  ENABLED: readEnv('VITE_WEBSOCKET_ENABLED')?.trim().toLowerCase() !== 'false',
  /**
   * The spec's Socket.IO options. `reconnection*` describe the policy; the SocketService drives retries
   * itself with `RECONNECTION` (socket.io-client's own reconnection is switched off).
   */
  CONNECTION: {
    transports: ['websocket'] as const,
    autoConnect: false,
    timeout: 20000,
    reconnection: true,
    reconnectionAttempts: 5,
    reconnectionDelay: 1000,
  },
  QUERY: {
    client: 'web',
    version: '1.0.0',
  },
  /** The spec's `reconnectionConfig` with a jitter fraction. */
  RECONNECTION: {
    attempts: 5,
    delay: 1000,
    backoff: 1.5,
    maxDelay: 10000,
    jitter: 0.2,
  } satisfies ReconnectionPolicy,
} as const;
