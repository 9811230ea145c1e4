import type { z } from 'zod';
import type { ClientEventName } from './events.js';
import {
  changesReceivedSchema,
  deleteMessageSchema,
  editMessageSchema,
  reactToMessageSchema,
  searchMessagesSchema,
} from './message-action-schemas.js';
import {
  getPreferencesSchema,
  listNotificationsSchema,
  markNotificationsReadSchema,
  notificationsReceivedSchema,
} from './notification-api-schemas.js';
import { getPushConfigSchema, registerPushSchema, unregisterPushSchema } from './push-schemas.js';
import {
  addMembersSchema,
  channelsSchema,
  chatRefSchema,
  createGroupSchema,
  getHistorySchema,
  getProfilesSchema,
  listChatsSchema,
  markReadSchema,
  messagesReceivedSchema,
  openDmSchema,
  pingSchema,
  publishDeviceKeySchema,
  removeMemberSchema,
  renameChatSchema,
  sendMessageSchema,
  setChatMutedSchema,
  setPresenceHiddenSchema,
  setupUserSchema,
  userInfoSchema,
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
  update_profile: userInfoSchema,
  get_profiles: getProfilesSchema,
  set_chat_muted: setChatMutedSchema,
  set_presence_hidden: setPresenceHiddenSchema,
  ping: pingSchema,
  publish_device_key: publishDeviceKeySchema,
  get_device_keys: chatRefSchema,
  edit_message: editMessageSchema,
  delete_message: deleteMessageSchema,
  react_to_message: reactToMessageSchema,
  changes_received: changesReceivedSchema,
  search_messages: searchMessagesSchema,
  get_push_config: getPushConfigSchema,
  register_push_subscription: registerPushSchema,
  unregister_push_subscription: unregisterPushSchema,
} as const satisfies Record<ClientEventName, z.ZodType>;

/** The payload of a client event after the server parsed it (defaults applied). */
export type ParsedClientPayload<E extends ClientEventName> = z.output<(typeof CLIENT_EVENT_SCHEMAS)[E]>;
