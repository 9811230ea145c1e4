import {
  NOTIFICATION_EVENT_NAMES,
  type NotificationEventName,
  type NotificationPayloadOf,
} from '@mpi/protocol';
import {
  SocketProvider,
  type UseNotificationSocketOptions,
  useChatList,
  useNotificationSocket,
  useProfile,
} from '@mpi/react';
import { type MouseEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CallProvider } from './calls/call-context.js';
import { CallScreen } from './calls/call-screen.js';
import { ChatList } from './chat-list.js';
import { ChatView } from './chat-view.js';
import { ConnectionBadge } from './connection-badge.js';
import { DebugMarker } from './debug-marker.js';
import { BellIcon } from './icons.js';
import { describeNotification } from './notifications/describe.js';
import { NotificationCenter } from './notifications/notification-center.js';
import { type Toast, Toasts } from './notifications/toasts.js';
import { useServiceWorker } from './notifications/use-service-worker.js';
import { ProfileForm } from './people/profile-form.js';
import { navigate, routePath, useRoute } from './router.js';
import type { Session, SignedInUser } from './session.js';

const TOAST_MS = 6000;
const MAX_TOASTS = 3;

type Handlers = NonNullable<UseNotificationSocketOptions['handlers']>;

type AnyNotificationPayload = NotificationPayloadOf<NotificationEventName>;

/** One handler per notification event type (the guide's `useNotificationSocket` handlers). */
function handlersFor(
  notify: (event: NotificationEventName, payload: AnyNotificationPayload) => void,
): Handlers {
  const handlers: Record<string, (payload: AnyNotificationPayload) => void> = {};
  for (const event of NOTIFICATION_EVENT_NAMES) handlers[event] = (payload) => notify(event, payload);
  return handlers as Handlers;
}

export function SignedInApp({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  return (
    <SocketProvider service={session.service}>
      <CallProvider>
        <Shell user={session.user} onSignOut={onSignOut} />
      </CallProvider>
    </SocketProvider>
  );
}

function Shell({ user, onSignOut }: { user: SignedInUser; onSignOut(): void }) {
  const route = useRoute();
  const myName = useProfile(user.userId)?.name ?? user.name;
  useServiceWorker();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const toastCounter = useRef(0);

  const dismiss = useCallback((id: string) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setToasts((list) => list.filter((toast) => toast.id !== id));
  }, []);

  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
    };
  }, []);

  // Live notifications become toasts; the inbox itself (list, unread count, channels) is the SDK's
  // NotificationStore, which this hook exposes.
  const handlers = useMemo(
    () =>
      handlersFor((event, payload) => {
        const text = describeNotification(event, payload);
        const toast: Toast = { id: `toast-${++toastCounter.current}`, event, ...text };
        setToasts((list) => [toast, ...list].slice(0, MAX_TOASTS));
        timers.current.set(
          toast.id,
          setTimeout(() => dismiss(toast.id), TOAST_MS),
        );
      }),
    [dismiss],
  );
  const inbox = useNotificationSocket({ handlers });
  const { unreadCount } = inbox;

  const chats = useChatList(); // once: each call loads the list on every connect
  // Muted chats keep their own unread count but add nothing to the title's alert.
  const unreadChats = chats.reduce((sum, chat) => sum + (chat.muted ? 0 : chat.unreadCount), 0);
  useEffect(() => {
    const total = unreadChats + unreadCount;
    document.title = total > 0 ? `(${total}) MPI Realtime` : 'MPI Realtime';
  }, [unreadChats, unreadCount]);

  const go = (event: MouseEvent<HTMLAnchorElement>, target: Parameters<typeof navigate>[0]) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(target);
  };

  const activeChatId = route.name === 'chat' ? route.chatId : null;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <h1 className="brand">
          <a href="/" onClick={(event) => go(event, { name: 'chats' })}>
            MPI<span className="brand-rest"> Realtime</span>
          </a>
        </h1>
        <ConnectionBadge />
        <DebugMarker />
        <div className="topbar-actions">
          <a
            href={routePath({ name: 'notifications' })}
            className="bell"
            aria-current={route.name === 'notifications' ? 'page' : undefined}
            onClick={(event) => go(event, { name: 'notifications' })}
          >
            <BellIcon />
            <span className="bell-label">Notifications</span>
            {unreadCount > 0 && (
              <span className="badge" data-testid="notification-count">
                {unreadCount > 99 ? '99+' : unreadCount}
                <span className="visually-hidden"> unread</span>
              </span>
            )}
          </a>
          <span className="me" title={user.userId}>
            <span className="visually-hidden">Signed in as </span>
            {myName ? `${myName} (${user.userId})` : user.userId}
          </span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <Toasts toasts={toasts} onDismiss={dismiss} onOpen={() => navigate({ name: 'notifications' })} />
      <div className="layout" data-view={route.name}>
        <ChatList chats={chats} me={user.userId} activeChatId={activeChatId} />
        <main className="content" id="main" tabIndex={-1}>
          {route.name === 'chat' && (
            <ChatView
              key={route.chatId}
              chatId={route.chatId}
              me={user.userId}
              item={chats.find((chat) => chat.id === route.chatId)}
            />
          )}
          {route.name === 'notifications' && <NotificationCenter inbox={inbox} focusId={route.itemId} />}
          {route.name === 'chats' && (
            <div className="placeholder">
              <h2>Welcome{myName ? `, ${myName}` : ''}</h2>
              <p>Pick a chat from the list, or start a new one.</p>
              <ProfileForm user={user} />
            </div>
          )}
        </main>
      </div>
      <CallScreen me={user.userId} />
    </div>
  );
}
