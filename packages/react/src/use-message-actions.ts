import type { ChatMessage } from '@mpi/client';
import type { AckOf } from '@mpi/protocol';
import { useMemo } from 'react';
import { useSocketService } from './context.js';

export interface UseMessageActionsResult {
  /** Replaces the text of one of your messages; shown at once, sent once (offline too). */
  edit(messageId: string, text: string): Promise<AckOf<'edit_message'>>;
  /** Deletes a message (yours, or any as a group admin): a tombstone, shown at once. */
  remove(messageId: string): Promise<AckOf<'delete_message'>>;
  /** Adds your reaction, or removes it when you already gave this emoji. */
  toggleReaction(message: ChatMessage, emoji: string): Promise<AckOf<'react_to_message'>>;
  /** Whether the actions apply: a sent message not deleted; editing also needs it to be yours. */
  canEdit(message: ChatMessage): boolean;
  canDelete(message: ChatMessage, options?: { isAdmin?: boolean }): boolean;
}

/**
 * Edit, delete and react for the messages of one chat. The server decides in the end (the edit window,
 * admins); these checks only keep the UI from offering what cannot work.
 */
export function useMessageActions(chatId: string): UseMessageActionsResult {
  const service = useSocketService();
  return useMemo(() => {
    const sent = (message: ChatMessage) => message.id !== null && message.deletedAt === null;
    return {
      edit: (messageId, text) => service.editMessage(chatId, messageId, text),
      remove: (messageId) => service.deleteMessage(chatId, messageId),
      toggleReaction: (message, emoji) => {
        const me = service.chats.currentUserId;
        const mine = message.reactions.some(
          (r) => r.emoji === emoji && me !== null && r.userIds.includes(me),
        );
        return service.reactToMessage(chatId, message.id ?? '', emoji, !mine);
      },
      canEdit: (message) => sent(message) && message.own,
      canDelete: (message, options = {}) => sent(message) && (message.own || options.isAdmin === true),
    };
  }, [service, chatId]);
}
