// The app's service worker (built to /sw.js by vite.config.ts, scope /): keeps the app shell for offline
// use (app-shell.ts), shows the server's Web Push messages as OS notifications while no tab is connected,
// and opens the chat or the notification item on a click.
import type { PushMessage } from '@mpi/protocol';
import { describeNotification } from '../notifications/describe.js';
import { routePath } from '../routes.js';
import { cacheShell, type FetchEvent, serveShell } from './app-shell.js';

/** What the app's tabs receive from the worker: open this path (the app navigates without a reload). */
export interface OpenPathMessage {
  type: 'mpi:open';
  path: string;
}

// The parts of the service worker scope used here (the project's DOM typings have no WebWorker library).
interface ExtendableEvent {
  waitUntil(work: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { json(): unknown } | null;
}
interface NotificationClickEvent extends ExtendableEvent {
  readonly notification: { readonly data: unknown; close(): void };
}
interface WindowClient {
  readonly url: string;
  focus(): Promise<unknown>;
  postMessage(message: OpenPathMessage): void;
}
interface ServiceWorkerScope {
  readonly location: { readonly origin: string };
  readonly registration: {
    showNotification(
      title: string,
      options: { body: string; tag: string; data: { path: string }; icon: string; renotify: boolean },
    ): Promise<void>;
  };
  readonly clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<unknown>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'push', listener: (event: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationClickEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const worker = self as unknown as ServiceWorkerScope;

/** Title, text, grouping tag and the page a click opens. */
function present(push: PushMessage): { title: string; body: string; tag: string; path: string } {
  if (push.kind === 'message') {
    const { message, chat } = push;
    const group = chat.type === 'group';
    return {
      title: group ? (chat.name ?? 'Group chat') : message.senderId,
      body: group ? `${message.senderId}: ${message.text}` : message.text,
      tag: `chat:${message.chatId}`,
      path: routePath({ name: 'chat', chatId: message.chatId }),
    };
  }
  const { item } = push;
  const text = describeNotification(item.event, item.payload);
  // A mention opens the chat it happened in; anything else its item in the notification centre.
  const mentionChat =
    item.event === 'chat:mention' ? (item.payload as { chatId?: unknown }).chatId : undefined;
  return {
    title: text.title,
    body: text.body,
    tag: `notification:${item.id}`,
    path: routePath(
      typeof mentionChat === 'string'
        ? { name: 'chat', chatId: mentionChat }
        : { name: 'notifications', itemId: item.id },
    ),
  };
}

worker.addEventListener('install', (event) =>
  event.waitUntil(
    // A shell that cannot be kept (the server is away) does not stop the worker: pushes still work.
    cacheShell()
      .catch(() => undefined)
      .then(() => worker.skipWaiting()),
  ),
);
worker.addEventListener('fetch', (event) => serveShell(event, worker.location.origin));
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener('push', (event) => {
  const push = event.data?.json() as PushMessage | undefined;
  if (!push) return;
  const { title, body, tag, path } = present(push);
  // renotify: a new message of a chat whose notification is still shown alerts again.
  event.waitUntil(
    worker.registration.showNotification(title, {
      body,
      tag,
      data: { path },
      icon: '/icons/icon-192.png',
      renotify: true,
    }),
  );
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const { path } = event.notification.data as { path: string };
  event.waitUntil(
    (async () => {
      const tabs = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const tab = tabs.find((client) => new URL(client.url).origin === worker.location.origin);
      if (!tab) {
        await worker.clients.openWindow(path);
        return;
      }
      await tab.focus();
      tab.postMessage({ type: 'mpi:open', path });
    })(),
  );
});
