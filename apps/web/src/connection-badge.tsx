import { ConnectionState, WEBSOCKET_CONFIG } from '@mpi/client';
import { useSocket } from '@mpi/react';
import { useNow } from './use-now.js';

const STATE_LABEL: Record<ConnectionState, string> = {
  [ConnectionState.CONNECTED]: 'Connected',
  [ConnectionState.CONNECTING]: 'Connecting…',
  [ConnectionState.RECONNECTING]: 'Reconnecting',
  [ConnectionState.DISCONNECTED]: 'Disconnected',
  [ConnectionState.ERROR]: 'Offline',
};

/** Connection state, latency, the reconnect countdown and the last error; a retry button when stuck. */
export function ConnectionBadge() {
  // The only component that measures latency (a `ping` every 10 s while connected).
  const status = useSocket({ pingIntervalMs: 10_000 });
  const counting =
    (status.state === ConnectionState.RECONNECTING || status.state === ConnectionState.ERROR) &&
    status.nextRetryAt !== null;
  const now = useNow(counting);

  let detail = '';
  if (status.state === ConnectionState.CONNECTED && status.latencyMs !== null) {
    detail = `${Math.round(status.latencyMs)} ms`;
  } else if (status.state === ConnectionState.RECONNECTING) {
    const attempt = `attempt ${status.reconnectAttempt} of ${WEBSOCKET_CONFIG.RECONNECTION.attempts}`;
    detail =
      status.nextRetryAt !== null
        ? `in ${Math.max(0, Math.ceil((status.nextRetryAt - now) / 1000))} s · ${attempt}`
        : `now · ${attempt}`;
  } else if (status.state === ConnectionState.ERROR && status.nextRetryAt !== null) {
    // The SDK's health check: it keeps trying by itself, the button only saves the wait.
    detail = `retrying in ${Math.max(0, Math.ceil((status.nextRetryAt - now) / 1000))} s`;
  }
  const error = status.lastError ? `${status.lastError.code}: ${status.lastError.message}` : undefined;
  const stuck = status.state === ConnectionState.ERROR || status.state === ConnectionState.DISCONNECTED;

  return (
    <div className="connection" data-state={status.state} title={error}>
      <span className="connection-dot" aria-hidden="true" />
      {/* Only the state is announced; the countdown would be read out every second. */}
      <span className="connection-state" role="status">
        {STATE_LABEL[status.state]}
        {stuck && error ? <span className="visually-hidden">: {error}</span> : null}
        {detail && status.state === ConnectionState.ERROR ? <span aria-hidden="true">,</span> : null}
      </span>
      {detail && (
        <span
          className={`connection-detail${status.state === ConnectionState.CONNECTED ? ' latency' : ''}`}
          aria-hidden={
            status.state === ConnectionState.RECONNECTING || status.state === ConnectionState.ERROR
          }
        >
          {detail}
        </span>
      )}
      {stuck && (
        <button type="button" className="link-button" onClick={() => status.connect()}>
          {status.state === ConnectionState.ERROR ? 'Retry' : 'Connect'}
        </button>
      )}
    </div>
  );
}
