import type { ChatMessage } from '@mpi/client';
import { useSocketService } from '@mpi/react';
import { useEffect, useState } from 'react';

/** What the chat view keeps for the message actions: the reply being written, the message being edited. */
export interface MessageUi {
  replyTo: ChatMessage | null;
  setReplyTo(message: ChatMessage | null): void;
  editingId: string | null;
  setEditingId(messageId: string | null): void;
  /** The message whose actions menu is open (one at a time). */
  menuFor: string | null;
  setMenuFor(messageId: string | null): void;
  /** The current user is an admin of this group (may delete anyone's message). */
  isAdmin: boolean;
}

export function useMessageUi(chatId: string, me: string, isGroup: boolean): MessageUi {
  const service = useSocketService();
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [menuFor, setMenuFor] = useState<string | null>(null);
  const [isAdmin, setIsAdmin] = useState(false);
  useEffect(() => {
    if (!isGroup) return;
    let live = true;
    void service.getMembers(chatId).then((ack) => {
      if (live && ack.ok) setIsAdmin(ack.members.some((m) => m.userId === me && m.role === 'admin'));
    });
    return () => {
      live = false;
    };
  }, [service, chatId, me, isGroup]);
  return { replyTo, setReplyTo, editingId, setEditingId, menuFor, setMenuFor, isAdmin };
}
