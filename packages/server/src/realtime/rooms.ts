/** The Socket.IO rooms every node agrees on: one per user (all their sockets), chat and notification channel. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  chat: (chatId: string) => `chat:${chatId}`,
  channel: (channel: string) => `channel:${channel}`,
};

/** The chat ids of the chat rooms a socket is in. */
export function chatIdsOf(socketRooms: ReadonlySet<string>): string[] {
  return [...socketRooms].filter((room) => room.startsWith('chat:')).map((room) => room.slice(5));
}
