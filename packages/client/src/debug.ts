/** The spec's debug switch: `localStorage.setItem('websocket_debug', 'true')`. False where there is none. */
export function isDebugEnabled(): boolean {
  try {
    const storage = (globalThis as { localStorage?: { getItem?: (key: string) => string | null } })
      .localStorage;
    return typeof storage?.getItem === 'function' && storage.getItem('websocket_debug') === 'true';
  } catch {
    // Access can throw (sandboxed iframes, disabled storage).
    return false;
  }
}

/** The spec's debug line for an incoming event. */
export function logIncomingEvent(eventName: string, args: unknown[]): void {
  console.log(`🔌 [WebSocket] ${eventName}:`, args);
}
