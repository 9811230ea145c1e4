import { type ReconnectionPolicy, WEBSOCKET_CONFIG } from './config.js';
import type { SocketServiceOptions, TokenProvider } from './types.js';

const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/** The spec's health check: every 30 s, if not connected, connect. */
const DEFAULT_HEALTH_CHECK_INTERVAL_MS = 30_000;

/** Options with every default applied; read again at each connect() and each attempt. */
export interface ResolvedOptions {
  /** The first of `urls`. */
  url: string;
  /** Where to connect, tried in turn; never empty. */
  urls: readonly string[];
  token: TokenProvider | undefined;
  deviceId: string | undefined;
  query: Record<string, string>;
  reconnection: ReconnectionPolicy;
  timeoutMs: number;
  ackTimeoutMs: number;
  enabled: boolean;
  healthCheckIntervalMs: number;
  watchNetwork: boolean;
  debug: boolean | undefined;
  random: () => number;
  transports: string[];
  socketOptions: NonNullable<SocketServiceOptions['socketOptions']>;
}

export function resolveOptions(options: SocketServiceOptions): ResolvedOptions {
  const urls = options.urls?.length ? [...options.urls] : [options.url ?? WEBSOCKET_CONFIG.URL];
  return {
    url: urls[0] as string,
    urls,
    token: options.token,
    deviceId: options.deviceId,
    query: { ...WEBSOCKET_CONFIG.QUERY, ...options.query },
    reconnection: { ...WEBSOCKET_CONFIG.RECONNECTION, ...options.reconnection },
    timeoutMs: options.timeoutMs ?? WEBSOCKET_CONFIG.CONNECTION.timeout,
    ackTimeoutMs: options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
    enabled: options.enabled ?? WEBSOCKET_CONFIG.ENABLED,
    healthCheckIntervalMs: options.healthCheckIntervalMs ?? DEFAULT_HEALTH_CHECK_INTERVAL_MS,
    watchNetwork: options.watchNetwork ?? true,
    debug: options.debug,
    random: options.random ?? Math.random,
    transports: [...WEBSOCKET_CONFIG.CONNECTION.transports],
    socketOptions: options.socketOptions ?? {},
  };
}
