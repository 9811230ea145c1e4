import { useEffect, useState } from 'react';
import { storage } from './storage.js';

function debugOn(): boolean {
  return storage.get('websocket_debug') === 'true';
}

/**
 * Shows "debug" while `localStorage.websocket_debug === 'true'`. The SDK does the logging itself (it checks
 * the flag for every event); the app only makes the mode visible and never turns it off.
 */
export function DebugMarker() {
  const [on, setOn] = useState(debugOn);
  useEffect(() => {
    const update = () => setOn(debugOn());
    window.addEventListener('storage', update);
    const timer = setInterval(update, 2000); // same-tab changes fire no storage event
    return () => {
      window.removeEventListener('storage', update);
      clearInterval(timer);
    };
  }, []);
  if (!on) return null;
  return (
    <span className="debug-marker" title="WebSocket debug logging is on (localStorage.websocket_debug)">
      debug
    </span>
  );
}
