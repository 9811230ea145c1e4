import { useEffect } from 'react';
import { navigate } from '../router.js';
import { parseRoute } from '../routes.js';
import type { OpenPathMessage } from '../sw/service-worker.js';

/** Whether this browser can show pushes at all (not in every browser, nor on http: other than localhost). */
export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/**
 * Registers the service worker (/sw.js) once signed in, which asks nothing of the user: it keeps the app
 * shell for offline use, and follows its requests to open a page (a click on an OS notification while
 * this tab is open).
 */
export function useServiceWorker(): void {
  useEffect(() => {
    if (!('serviceWorker' in navigator)) return;
    const container = navigator.serviceWorker;
    container.register('/sw.js').catch((error: unknown) => {
      // The dev server has no /sw.js; the app works without it, only OS notifications are missing.
      console.info('service worker not registered:', error instanceof Error ? error.message : error);
    });
    const onMessage = (event: MessageEvent) => {
      const data = event.data as Partial<OpenPathMessage> | null;
      if (data?.type === 'mpi:open' && typeof data.path === 'string') navigate(parseRoute(data.path));
    };
    container.addEventListener('message', onMessage);
    return () => container.removeEventListener('message', onMessage);
  }, []);
}
