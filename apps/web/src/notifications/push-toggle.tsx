import { disablePush, enablePush } from '@mpi/client/browser';
import { useSocketService } from '@mpi/react';
import { useEffect, useState } from 'react';
import { pushSupported } from './use-service-worker.js';

type PushState = 'unsupported' | 'blocked' | 'off' | 'on' | 'working';

function initialState(): PushState {
  if (!pushSupported()) return 'unsupported';
  return Notification.permission === 'denied' ? 'blocked' : 'off';
}

/**
 * "Turn on notifications": OS notifications for messages and club news while the app is closed. The
 * browser's permission is asked only here, after the user's click, never on load.
 */
export function PushToggle() {
  const service = useSocketService();
  const [state, setState] = useState<PushState>(initialState);
  const [problem, setProblem] = useState<string | null>(null);

  // Already on for this device: permission granted and a subscription held.
  useEffect(() => {
    if (!pushSupported() || Notification.permission !== 'granted') return;
    let live = true;
    void navigator.serviceWorker
      .getRegistration()
      .then((registration) => registration?.pushManager.getSubscription())
      .then((subscription) => {
        if (live && subscription) setState('on');
      });
    return () => {
      live = false;
    };
  }, []);

  const turnOn = async () => {
    setState('working');
    setProblem(null);
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') {
      setState(permission === 'denied' ? 'blocked' : 'off');
      return;
    }
    try {
      await navigator.serviceWorker.register('/sw.js');
      const registration = await navigator.serviceWorker.ready;
      const ack = await enablePush(service, registration.pushManager);
      setState(ack.ok ? 'on' : 'off');
      if (!ack.ok) setProblem(ack.error.message);
    } catch (error) {
      setState('off');
      setProblem(
        `This browser could not subscribe to notifications${error instanceof Error ? ` (${error.message})` : ''}.`,
      );
    }
  };

  const turnOff = async () => {
    setState('working');
    const registration = await navigator.serviceWorker.getRegistration();
    const ack = registration ? await disablePush(service, registration.pushManager) : ({ ok: true } as const);
    setState(ack.ok ? 'off' : 'on');
    setProblem(ack.ok ? null : ack.error.message);
  };

  if (state === 'unsupported') return null;
  return (
    <div className="push-toggle">
      <p className="hint" role="status">
        {state === 'on' && 'On for this device: messages and club news arrive while the app is closed.'}
        {(state === 'off' || state === 'working') &&
          'Get messages and club news from your system while the app is closed.'}
        {state === 'blocked' && 'Notifications are blocked for this site in the browser’s settings.'}
        {problem && <span className="form-error"> {problem}</span>}
      </p>
      {state === 'on' && (
        <button type="button" onClick={() => void turnOff()}>
          Turn off notifications
        </button>
      )}
      {(state === 'off' || state === 'working') && (
        <button
          type="button"
          className="primary"
          onClick={() => void turnOn()}
          disabled={state === 'working'}
        >
          {state === 'working' ? 'Turning on…' : 'Turn on notifications'}
        </button>
      )}
    </div>
  );
}
