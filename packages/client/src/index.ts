export { reconnectDelay } from './backoff.js';
export { DEFAULT_WEBSOCKET_URL, type ReconnectionPolicy, WEBSOCKET_CONFIG } from './config.js';
export { ConnectionState } from './connection-state.js';
export { configureSocketService, getSocketService, socketService } from './default-service.js';
export { SocketRequestError } from './errors.js';
export { createClientMessageId } from './ids.js';
export { createSocketService, SocketService } from './socket-service.js';
export type {
  AckEventName,
  AckResponse,
  ClientErrorCode,
  ClientSocket,
  ConnectionError,
  ConnectionStateChange,
  ConnectionStatus,
  EventPayload,
  LocalEvents,
  SocketServiceEventName,
  SocketServiceEvents,
  SocketServiceOptions,
  TokenProvider,
} from './types.js';
