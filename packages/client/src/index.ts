export { reconnectDelay } from './backoff.js';
export { DEFAULT_WEBSOCKET_URL, type ReconnectionPolicy, WEBSOCKET_CONFIG } from './config.js';
export { ConnectionState } from './connection-state.js';
export { configureSocketService, getSocketService, socketService } from './default-service.js';
export {
  createDeviceId,
  DEVICE_ID_STORAGE_KEY,
  type DeviceIdStore,
  defaultDeviceIdStore,
  LocalStorageDeviceIdStore,
  MemoryDeviceIdStore,
} from './device-id.js';
export type { EndToEndPlugin, UndecryptableReason } from './e2e/plugin.js';
export { SocketRequestError } from './errors.js';
export type {
  FileInput,
  PendingUpload,
  PendingUploadStore,
  SendFileOptions,
  SendFileResult,
  Uploader,
  UploadFile,
  UploadOptions,
  UploadResult,
} from './files/types.js';
export { createClientMessageId } from './ids.js';
export {
  DEFAULT_NOTIFICATION_LIMIT,
  type NotificationSnapshot,
  type NotificationSource,
  type NotificationSourceEvents,
  NotificationStore,
  type NotificationStoreOptions,
} from './notifications/index.js';
export { MemoryOutboxStore } from './outbox/memory-store.js';
export type { OutboxEntry, OutboxStore } from './outbox/types.js';
export type { PeopleStore } from './people/people-store.js';
export { createSocketService, SocketService } from './socket-service.js';
export { DEFAULT_MAX_MESSAGES_PER_CHAT } from './store/message-list.js';
export type { ChatListItem, ChatMessage, ChatSnapshot, ChatStore, MessageStatus } from './store/types.js';
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
export { TYPING_IDLE_STOP_MS, TYPING_THROTTLE_MS } from './typing.js';
