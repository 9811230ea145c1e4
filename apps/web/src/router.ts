import { useSyncExternalStore } from 'react';
import { parseRoute, type Route, routePath } from './routes.js';

export { type Route, routePath } from './routes.js';

const NAVIGATE_EVENT = 'mpi:navigate';

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
