import { useSyncExternalStore } from 'react';

/** The app's screens. Paths are real URLs: the server answers every page path with index.html. */
export type Route = { name: 'chats' } | { name: 'chat'; chatId: string } | { name: 'notifications' };

const NAVIGATE_EVENT = 'mpi:navigate';

function parseRoute(pathname: string): Route {
  const chat = /^\/chats\/([^/]+)\/?$/.exec(pathname);
  if (chat?.[1]) {
    try {
      return { name: 'chat', chatId: decodeURIComponent(chat[1]) };
    } catch {
      return { name: 'chats' };
    }
  }
  if (/^\/notifications\/?$/.test(pathname)) return { name: 'notifications' };
  return { name: 'chats' };
}

export function routePath(route: Route): string {
  switch (route.name) {
    case 'chat':
      return `/chats/${encodeURIComponent(route.chatId)}`;
    case 'notifications':
      return '/notifications';
    default:
      return '/';
  }
}

export function navigate(route: Route, { replace = false } = {}): void {
  const path = routePath(route);
  if (path === window.location.pathname) return;
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATE_EVENT, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATE_EVENT, listener);
  };
}

const getPath = () => window.location.pathname;

export function useRoute(): Route {
  const path = useSyncExternalStore(subscribe, getPath, getPath);
  return parseRoute(path);
}
