/** What tells the SDK that a connection may work again now: the network came back, the page is seen. */
export type WakeReason = 'online' | 'visible';

interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

function eventTarget(value: unknown): EventTargetLike | null {
  const target = value as Partial<EventTargetLike> | null | undefined;
  return typeof target?.addEventListener === 'function' && typeof target.removeEventListener === 'function'
    ? (target as EventTargetLike)
    : null;
}

/**
 * Calls `onWake` on the browser's `online` event and when the page becomes visible. Where there is no
 * window or document (Node), nothing is watched. Returns the function that stops watching.
 */
export function watchWakeSignals(onWake: (reason: WakeReason) => void): () => void {
  const scope = globalThis as { window?: unknown; document?: { visibilityState?: string } };
  const win = eventTarget(scope.window);
  const doc = eventTarget(scope.document);
  const onOnline = () => onWake('online');
  const onVisibility = () => {
    if (scope.document?.visibilityState === 'visible') onWake('visible');
  };
  win?.addEventListener('online', onOnline);
  doc?.addEventListener('visibilitychange', onVisibility);
  return () => {
    win?.removeEventListener('online', onOnline);
    doc?.removeEventListener('visibilitychange', onVisibility);
  };
}
