import { ConnectionState } from './connection-state.js';
import type { ConnectionStatus } from './types.js';

export const INITIAL_STATUS: ConnectionStatus = Object.freeze({
  isConnected: false,
  state: ConnectionState.DISCONNECTED,
  socketId: null,
  latencyMs: null,
  reconnectAttempt: 0,
  nextRetryAt: null,
  nextRetryDelayMs: null,
  lastError: null,
});

/** Patch that clears the scheduled retry. */
export const NO_RETRY = { nextRetryAt: null, nextRetryDelayMs: null } as const;

export type StatusPatch = Partial<Omit<ConnectionStatus, 'isConnected'>>;

/** `previous` with `patch` applied, frozen; `previous` itself when nothing changed (snapshot identity). */
export function applyPatch(previous: ConnectionStatus, patch: StatusPatch): ConnectionStatus {
  const next: ConnectionStatus = {
    ...previous,
    ...patch,
    isConnected: (patch.state ?? previous.state) === ConnectionState.CONNECTED,
  };
  const keys = Object.keys(next) as (keyof ConnectionStatus)[];
  if (keys.every((key) => Object.is(next[key], previous[key]))) return previous;
  return Object.freeze(next);
}
