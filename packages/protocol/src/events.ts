import type { NotificationChannel } from './channels.js';
import type { Ack, AckCallback, ErrorBody } from './errors.js';
import type {
  ChangesReceivedInput,
  DeleteMessageInput,
  EditMessageInput,
  ReactToMessageInput,
  SearchMessagesInput,
} from './message-action-schemas.js';
import type {
  CallEndReason,
  CallInfo,
  ChatInfo,
  ChatMember,
  ChatSummary,
  DeviceKey,
  IceServer,
  MessageData,
  PeopleSnapshot,
  UserPresence,
  UserProfile,
  UserSettings,
} from './models.js';
import type {
  GetPreferencesInput,
  ListNotificationsInput,
  MarkNotificationsReadInput,
  NotificationChannelsPayload,
  NotificationPage,
  NotificationsCatchUpCompletePayload,
  NotificationsReadPayload,
  NotificationsReceivedInput,
} from './notification-api.js';
import type { NotificationEventName, NotificationEvents, NotificationItem } from './notifications.js';
import type { GetPushConfigInput, PushConfig, RegisterPushInput, UnregisterPushInput } from './push.js';
import type {
  AddMembersInput,
  CallRefInput,
  CallSignalInput,
  CallStartInput,
  ChannelsInput,
  ChatRefInput,
  CreateGroupInput,
  GetHistoryInput,
  GetProfilesInput,
  ListChatsInput,
  MarkReadInput,
  MessagesReceivedInput,
  OpenDmInput,
  PingInput,
  PublishDeviceKeyInput,
  RemoveMemberInput,
  RenameChatInput,
  SendMessageInput,
  SetChatMutedInput,
  SetPresenceHiddenInput,
  SetupUserInput,
  UpdateProfileInput,
} from './schemas.js';

/**
 * What each client event carries and what its acknowledgement returns on success. `null` means the event
 * takes no acknowledgement (fire-and-forget signals such as typing).
 */
export interface ClientEventContract {
  setup_user: { payload: SetupUserInput; result: { user: UserProfile; settings: UserSettings } };
  join_chat: {
    payload: ChatRefInput;
    /** `presentUserIds`: the other members with the chat open now (a socket in its room), sorted. */
    result: { chat: ChatInfo; presentUserIds: string[] };
  };
  leave_chat: { payload: ChatRefInput; result: Record<never, never> };
  send_message: { payload: SendMessageInput; result: { message: MessageData; duplicate: boolean } };
  typing_start: { payload: ChatRefInput; result: null };
  typing_stop: { payload: ChatRefInput; result: null };
  messages_received: { payload: MessagesReceivedInput; result: Record<never, never> };
  mark_read: { payload: MarkReadInput; result: { unreadCount: number } };
  open_dm: { payload: OpenDmInput; result: { chat: ChatInfo } };
  get_history: { payload: GetHistoryInput; result: { messages: MessageData[]; hasMore: boolean } };
  /** With the names, avatars and presence of the chats' other members. */
  list_chats: { payload: ListChatsInput; result: { chats: ChatSummary[] } & PeopleSnapshot };
  create_group: { payload: CreateGroupInput; result: { chat: ChatInfo } };
  add_members: { payload: AddMembersInput; result: { chat: ChatInfo } };
  remove_member: { payload: RemoveMemberInput; result: { chat: ChatInfo } };
  rename_chat: { payload: RenameChatInput; result: { chat: ChatInfo } };
  leave_group: { payload: ChatRefInput; result: Record<never, never> };
  get_members: { payload: ChatRefInput; result: { members: ChatMember[] } & PeopleSnapshot };
  subscribe: { payload: ChannelsInput; result: { channels: NotificationChannel[] } };
  unsubscribe: { payload: ChannelsInput; result: { channels: NotificationChannel[] } };
  get_preferences: { payload: GetPreferencesInput; result: { channels: NotificationChannel[] } };
  list_notifications: { payload: ListNotificationsInput; result: NotificationPage };
  mark_notifications_read: { payload: MarkNotificationsReadInput; result: { unreadCount: number } };
  notifications_received: { payload: NotificationsReceivedInput; result: Record<never, never> };
  update_profile: { payload: UpdateProfileInput; result: { user: UserProfile } };
  get_profiles: { payload: GetProfilesInput; result: PeopleSnapshot };
  set_chat_muted: { payload: SetChatMutedInput; result: { chatId: string; muted: boolean } };
  set_presence_hidden: { payload: SetPresenceHiddenInput; result: { settings: UserSettings } };
  ping: { payload: PingInput; result: { serverTime: number } };
  /** Publishes (or replaces) this connection's device key for end-to-end encrypted chats. */
  publish_device_key: { payload: PublishDeviceKeyInput; result: { device: DeviceKey } };
  /** The current device keys of every member of the chat: whom an encrypted message is wrapped for. */
  get_device_keys: { payload: ChatRefInput; result: { encrypted: boolean; devices: DeviceKey[] } };
  /** `changed: false`: the message already was in this state (a repeat); nothing was stored or sent. */
  edit_message: { payload: EditMessageInput; result: MessageChangeResult };
  delete_message: { payload: DeleteMessageInput; result: MessageChangeResult };
  react_to_message: { payload: ReactToMessageInput; result: MessageChangeResult };
  changes_received: { payload: ChangesReceivedInput; result: Record<never, never> };
  search_messages: { payload: SearchMessagesInput; result: SearchPage };
  get_push_config: { payload: GetPushConfigInput; result: PushConfig };
  register_push_subscription: { payload: RegisterPushInput; result: Record<never, never> };
  unregister_push_subscription: { payload: UnregisterPushInput; result: Record<never, never> };
  /** Rings the other member of a DM (all their devices); `CALL_BUSY` when either is in a call. */
  call_start: { payload: CallStartInput; result: { call: CallInfo; iceServers: IceServer[] } };
  /** The callee answers on this device; their other devices stop ringing. */
  call_accept: { payload: CallRefInput; result: { call: CallInfo; iceServers: IceServer[] } };
  call_decline: { payload: CallRefInput; result: Record<never, never> };
  call_hangup: { payload: CallRefInput; result: Record<never, never> };
  /** Relayed to the other party's device in the call: offer, answer, ICE candidates. */
  call_signal: { payload: CallSignalInput; result: Record<never, never> };
}

/** The acknowledgement of an action on a message: its state afterwards. */
export interface MessageChangeResult {
  message: MessageData;
  changed: boolean;
}

export interface SearchPage {
  /** Matching messages of the user's chats, newest first. */
  results: MessageData[];
  /** Pass as `cursor` for the next (older) page; null when there is none. */
  nextCursor: string | null;
}

/** The success fields of an event's acknowledgement (`null` when the event has none). */
export type ClientEventResult<E extends keyof ClientEventContract> = ClientEventContract[E]['result'];

/** Events a client emits, as Socket.IO's typed event map. The ack is optional on the wire. */
export type ClientToServerEvents = {
  [E in keyof ClientEventContract]: ClientEventContract[E]['result'] extends null
    ? (payload: ClientEventContract[E]['payload']) => void
    : (
        payload: ClientEventContract[E]['payload'],
        ack: AckCallback<NonNullable<ClientEventContract[E]['result']>>,
      ) => void;
};

export type ClientEventName = keyof ClientToServerEvents;

/** Every client event, in the contract's order. */
export const CLIENT_EVENT_NAMES = [
  'setup_user',
  'join_chat',
  'leave_chat',
  'send_message',
  'typing_start',
  'typing_stop',
  'messages_received',
  'mark_read',
  'open_dm',
  'get_history',
  'list_chats',
  'create_group',
  'add_members',
  'remove_member',
  'rename_chat',
  'leave_group',
  'get_members',
  'subscribe',
  'unsubscribe',
  'get_preferences',
  'list_notifications',
  'mark_notifications_read',
  'notifications_received',
  'update_profile',
  'get_profiles',
  'set_chat_muted',
  'set_presence_hidden',
  'ping',
  'publish_device_key',
  'get_device_keys',
  'edit_message',
  'delete_message',
  'react_to_message',
  'changes_received',
  'search_messages',
  'get_push_config',
  'register_push_subscription',
  'unregister_push_subscription',
  'call_start',
  'call_accept',
  'call_decline',
  'call_hangup',
  'call_signal',
] as const satisfies readonly ClientEventName[];

// Fails to compile when an event of the contract is missing from the list above.
type UnlistedClientEvent = Exclude<ClientEventName, (typeof CLIENT_EVENT_NAMES)[number]>;
export const CLIENT_EVENT_NAMES_COMPLETE: UnlistedClientEvent extends never ? true : false = true;

export interface MessageDeliveredPayload {
  messageId: string;
  chatId: string;
  seq: number;
  /** How many of the other members have the message on at least one device. */
  deliveredCount: number;
  /** How many other members the chat has. Equal to deliveredCount when the event is sent. */
  recipientCount: number;
}

export interface MessagesReadPayload {
  chatId: string;
  userId: string;
  upToSeq: number;
}

export interface PresencePayload {
  userId: string;
  chatId: string;
}

export interface ChatListUpdates {
  lastMessage?: MessageData;
  unreadCount?: number;
  name?: string | null;
  members?: string[];
  /** True when the receiving user is no longer a member. */
  removed?: boolean;
  /** The receiving user muted or unmuted the chat (on one of their devices). */
  muted?: boolean;
}

export interface ChatListUpdatedPayload {
  chatId: string;
  updates: ChatListUpdates;
}

export interface TypingUpdatePayload {
  chatId: string;
  userId: string;
  isTyping: boolean;
}

export interface SocketErrorPayload extends ErrorBody {
  /** The client event that caused the error, when there was one. */
  event?: string;
}

export interface ValidationIssue {
  /** Dotted path of the offending field, e.g. `text` or `userInfo.name`; empty for the payload itself. */
  path: string;
  message: string;
}

export interface ValidationErrorPayload extends SocketErrorPayload {
  code: 'VALIDATION_FAILED';
  event: string;
  issues: ValidationIssue[];
}

export interface RateLimitErrorPayload extends SocketErrorPayload {
  code: 'RATE_LIMITED';
  event: string;
  retryAfterMs: number;
}

export interface ResyncRequiredPayload {
  chatId: string;
  /** Messages up to this seq were deleted by retention before this device received them: reload history. */
  prunedSeq: number;
}

export interface DeviceCursor {
  chatId: string;
  /** This device had confirmed every message of the chat up to this seq when catch-up began. */
  seq: number;
}

/** Where a device's change catch-up stands in one chat (see `changes_received`). */
export interface VersionCursor {
  chatId: string;
  version: number;
}

export interface CatchUpCompletePayload {
  /** How many messages the catch-up sent in `queued_messages` batches. */
  messages: number;
  /** How many changed messages it sent in `queued_updates` batches. */
  updates?: number;
  /**
   * Per chat, the chat's change counter when the catch-up began: the device now holds every change up to
   * it (changed messages came with their current state), and confirms from there with `changes_received`.
   */
  versions?: VersionCursor[];
  /**
   * Where each chat's catch-up began. A client confirms receipt only up to the highest seq it holds
   * without a gap after this point, so a message still in flight is never confirmed unseen.
   */
  cursors: DeviceCursor[];
}

export interface CallIncomingPayload {
  call: CallInfo;
  iceServers: IceServer[];
}

export interface CallEndedPayload {
  callId: string;
  reason: CallEndReason;
}

export interface CallSignalPayload {
  callId: string;
  signal: CallSignalInput['signal'];
}

export interface ServerShutdownPayload {
  /** Why the server closes the connection; clients reconnect on their own. */
  reason: string;
}

/** Events the server emits. */
export interface ServerToClientEvents extends NotificationEvents {
  receive_message: (message: MessageData) => void;
  message_delivered: (payload: MessageDeliveredPayload) => void;
  messages_read: (payload: MessagesReadPayload) => void;
  queued_messages: (messages: MessageData[]) => void;
  /** A message was edited, deleted or reacted to: its current state (a higher `version` than before). */
  message_updated: (message: MessageData) => void;
  /** Catch-up: messages this device holds that changed while it was away, in their current state. */
  queued_updates: (messages: MessageData[]) => void;
  catch_up_complete: (payload: CatchUpCompletePayload) => void;
  resync_required: (payload: ResyncRequiredPayload) => void;
  user_joined: (payload: PresencePayload) => void;
  user_left: (payload: PresencePayload) => void;
  chat_list_updated: (payload: ChatListUpdatedPayload) => void;
  typing_update: (payload: TypingUpdatePayload) => void;
  socket_error: (error: SocketErrorPayload) => void;
  socket_validation_error: (error: ValidationErrorPayload) => void;
  socket_rate_limit_exceeded: (error: RateLimitErrorPayload) => void;
  server_shutdown: (payload: ServerShutdownPayload) => void;
  queued_notifications: (items: NotificationItem[]) => void;
  notifications_catch_up_complete: (payload: NotificationsCatchUpCompletePayload) => void;
  notification_channels_updated: (payload: NotificationChannelsPayload) => void;
  notifications_read: (payload: NotificationsReadPayload) => void;
  profile_updated: (user: UserProfile) => void;
  presence_updated: (presence: UserPresence) => void;
  settings_updated: (settings: UserSettings) => void;
  call_incoming: (payload: CallIncomingPayload) => void;
  call_accepted: (payload: { call: CallInfo }) => void;
  call_ended: (payload: CallEndedPayload) => void;
  call_signal: (payload: CallSignalPayload) => void;
}

export type ServerEventName = keyof ServerToClientEvents;

/** The chat and connection events the server emits (the notification events are NOTIFICATION_EVENT_NAMES). */
export const SERVER_EVENT_NAMES = [
  'receive_message',
  'message_delivered',
  'messages_read',
  'queued_messages',
  'message_updated',
  'queued_updates',
  'catch_up_complete',
  'resync_required',
  'user_joined',
  'user_left',
  'chat_list_updated',
  'typing_update',
  'socket_error',
  'socket_validation_error',
  'socket_rate_limit_exceeded',
  'server_shutdown',
  'queued_notifications',
  'notifications_catch_up_complete',
  'notification_channels_updated',
  'notifications_read',
  'profile_updated',
  'presence_updated',
  'settings_updated',
  'call_incoming',
  'call_accepted',
  'call_ended',
  'call_signal',
] as const satisfies readonly Exclude<ServerEventName, NotificationEventName>[];

// Fails to compile when an event of ServerToClientEvents is missing from the lists above.
type UnlistedServerEvent = Exclude<
  ServerEventName,
  NotificationEventName | (typeof SERVER_EVENT_NAMES)[number]
>;
export const SERVER_EVENT_NAMES_COMPLETE: UnlistedServerEvent extends never ? true : false = true;

/** Client events that take an acknowledgement. */
export type AckedClientEvent = {
  [E in keyof ClientEventContract]: ClientEventContract[E]['result'] extends null ? never : E;
}[keyof ClientEventContract];

/** The full acknowledgement of an acked client event: success fields or a typed error. */
export type AckOf<E extends AckedClientEvent> = Ack<NonNullable<ClientEventResult<E>>>;

/** The payload type a client sends with an event. */
export type ClientEventPayload<E extends keyof ClientEventContract> = ClientEventContract[E]['payload'];
