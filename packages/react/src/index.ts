export { Composer, type ComposerProps } from './composer.js';
export { SocketProvider, useSocketService } from './context.js';
export { DMChat, type DMChatProps } from './dm-chat.js';
export { useAttachmentUrl } from './use-attachment-url.js';
export { type UseChatOptions, type UseChatResult, useChat } from './use-chat.js';
export { useChatList } from './use-chat-list.js';
export { type FileUpload, type UseFileUploadsResult, useFileUploads } from './use-file-uploads.js';
export { type UseMessageActionsResult, useMessageActions } from './use-message-actions.js';
export {
  type UseNotificationSocketOptions,
  type UseNotificationSocketResult,
  useNotificationSocket,
} from './use-notification-socket.js';
export {
  type ChatMemberView,
  useChatMute,
  useMembers,
  usePresence,
  usePresenceSetting,
  useProfile,
} from './use-people.js';
export { type ReactionChip, useReactions } from './use-reactions.js';
export { type UseSafetyCodeResult, useSafetyCode } from './use-safety-code.js';
export { type UseSearchOptions, type UseSearchResult, useSearch } from './use-search.js';
export { type UseSocketOptions, type UseSocketResult, useSocket } from './use-socket.js';
export { useSocketEvent } from './use-socket-event.js';
export { type UseVoiceRecorderResult, useVoiceRecorder, type VoiceRecording } from './use-voice-recorder.js';
