import { useSyncExternalStore } from 'react';

function subscribe(listener: () => void): () => void {
  document.addEventListener('visibilitychange', listener);
  return () => document.removeEventListener('visibilitychange', listener);
}

const isVisible = () => document.visibilityState === 'visible';

/** False while the tab is in the background: messages are not "read" then. */
export function usePageVisible(): boolean {
  return useSyncExternalStore(subscribe, isVisible, isVisible);
}
