import type { z } from 'zod';
import type { ClientEventName } from './events.js';
import {
  getPreferencesSchema,
  listNotificationsSchema,
  markNotificationsReadSchema,
  notificationsReceivedSchema,
} from './notification-api-schemas.js';
import {
  addMembersSchema,
  callRefSchema,
  callSignalSchema,
  callStartSchema,
  channelsSchema,
  chatRefSchema,
  createGroupSchema,
  getHistorySchema,
  listChatsSchema,
  markReadSchema,
  messagesReceivedSchema,
  openDmSchema,
  pingSchema,
  removeMemberSchema,
  renameChatSchema,
  sendMessageSchema,
  setupUserSchema,
} from './schemas.js';

/** The schema the server parses each client event's payload with. */
export const CLIENT_EVENT_SCHEMAS = {
  setup_user: setupUserSchema,
  join_chat: chatRefSchema,
  leave_chat: chatRefSchema,
  send_message: sendMessageSchema,
  typing_start: chatRefSchema,
  typing_stop: chatRefSchema,
  messages_received: messagesReceivedSchema,
  mark_read: markReadSchema,
  open_dm: openDmSchema,
  get_history: getHistorySchema,
  list_chats: listChatsSchema,
  create_group: createGroupSchema,
  add_members: addMembersSchema,
  remove_member: removeMemberSchema,
  rename_chat: renameChatSchema,
  leave_group: chatRefSchema,
  get_members: chatRefSchema,
  subscribe: channelsSchema,
  unsubscribe: channelsSchema,
  get_preferences: getPreferencesSchema,
  list_notifications: listNotificationsSchema,
  mark_notifications_read: markNotificationsReadSchema,
  notifications_received: notificationsReceivedSchema,
  ping: pingSchema,
  call_start: callStartSchema,
  call_accept: callRefSchema,
  call_decline: callRefSchema,
  call_hangup: callRefSchema,
  call_signal: callSignalSchema,
} as const satisfies Record<ClientEventName, z.ZodType>;

/** The payload of a client event after the server parsed it (defaults applied). */
export type ParsedClientPayload<E extends ClientEventName> = z.output<(typeof CLIENT_EVENT_SCHEMAS)[E]>;
