// The app's paths, without React: the service worker builds the links of its notifications with them.

/** The app's screens. Paths are real URLs: the server answers every page path with index.html. */
export type Route =
  | { name: 'chats' }
  | { name: 'chat'; chatId: string }
  /** `itemId`: the notification to show (a click on its OS notification opens it). */
  | { name: 'notifications'; itemId?: string };

export function parseRoute(pathname: string): Route {
  const chat = /^\/chats\/([^/]+)\/?$/.exec(pathname);
  if (chat?.[1]) {
    try {
      return { name: 'chat', chatId: decodeURIComponent(chat[1]) };
    } catch {
      return { name: 'chats' };
    }
  }
  if (/^\/notifications\/?$/.test(pathname)) return { name: 'notifications' };
  const item = /^\/notifications\/([^/]+)\/?$/.exec(pathname);
  if (item?.[1]) {
    try {
      return { name: 'notifications', itemId: decodeURIComponent(item[1]) };
    } catch {
      return { name: 'notifications' };
    }
  }
  return { name: 'chats' };
}

export function routePath(route: Route): string {
  switch (route.name) {
    case 'chat':
      return `/chats/${encodeURIComponent(route.chatId)}`;
    case 'notifications':
      return route.itemId === undefined
        ? '/notifications'
        : `/notifications/${encodeURIComponent(route.itemId)}`;
    default:
      return '/';
  }
}
