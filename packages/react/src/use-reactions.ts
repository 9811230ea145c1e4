import type { ChatMessage } from '@mpi/client';
import { useMemo } from 'react';
import { useSocketService } from './context.js';

export interface ReactionChip {
  emoji: string;
  count: number;
  userIds: readonly string[];
  /** The current user gave this one. */
  mine: boolean;
}

const NONE: ChatMessage['reactions'] = [];

/**
 * The reaction chips of a message (none for `undefined`, e.g. a message not loaded yet): each emoji with
 * its count, who gave it and whether you did.
 */
export function useReactions(message: ChatMessage | undefined): ReactionChip[] {
  const me = useSocketService().chats.currentUserId;
  const reactions = message?.reactions ?? NONE;
  return useMemo(
    () =>
      reactions.map(({ emoji, userIds }) => ({
        emoji,
        count: userIds.length,
        userIds,
        mine: me !== null && userIds.includes(me),
      })),
    [reactions, me],
  );
}
