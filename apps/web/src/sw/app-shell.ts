// The app shell for offline use: the service worker keeps index.html and the files it loads, so that the
// app opens without a connection and shows what it holds (the session, the outbox, the connection state).
// Hashed assets never change, so they come from the cache first; the page itself is fetched first and
// falls back to the kept copy; nothing of the API, the socket or the metrics is ever cached.

const CACHE = 'mpi-app-shell';
const SHELL_PATH = '/';
/** Files of the shell besides the page: hashed assets, icons, the manifest. */
const STATIC_PATH = /^\/(assets\/|icons\/|favicon\.svg$|manifest\.webmanifest$)/;

interface Cache {
  match(request: Request | string): Promise<Response | undefined>;
  put(request: Request | string, response: Response): Promise<void>;
  addAll(requests: string[]): Promise<void>;
  keys(): Promise<readonly Request[]>;
  delete(request: Request | string): Promise<boolean>;
}
interface CacheStorage {
  open(name: string): Promise<Cache>;
}
export interface FetchEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}

declare const caches: CacheStorage;

/** The same-origin files index.html loads (scripts, styles, icons, the manifest). */
function shellFiles(html: string): string[] {
  const paths = [...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((match) => match[1] ?? '');
  return [...new Set(paths.filter((path) => STATIC_PATH.test(path)))];
}

/** On install: the page and everything it loads, and the assets of older builds dropped. */
export async function cacheShell(): Promise<void> {
  const response = await fetch(SHELL_PATH, { cache: 'no-cache' });
  if (!response.ok) return;
  const html = await response.clone().text();
  const files = shellFiles(html);
  const cache = await caches.open(CACHE);
  await cache.put(SHELL_PATH, response);
  await cache.addAll(files);
  const current = new Set(files);
  for (const request of await cache.keys()) {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith('/assets/') && !current.has(pathname)) await cache.delete(request);
  }
}

/** Answers the requests the shell needs; leaves every other request to the network. */
export function serveShell(event: FetchEvent, origin: string): void {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).then(
        async (response) => {
          if (response.ok) await (await caches.open(CACHE)).put(SHELL_PATH, response.clone());
          return response;
        },
        async () => (await (await caches.open(CACHE)).match(SHELL_PATH)) ?? Response.error(),
      ),
    );
    return;
  }
  if (!STATIC_PATH.test(url.pathname)) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const kept = await cache.match(request);
      if (kept) return kept;
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    }),
  );
}
