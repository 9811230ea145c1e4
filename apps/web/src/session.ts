import { createSocketService, type SocketService } from '@mpi/client';
import { IndexedDbOutboxStore } from '@mpi/client/browser';
import { endToEndEncryption } from '@mpi/client/e2e';
import { IndexedDbUploadStore, tusUploader } from '@mpi/client/files';
import { storage } from './storage.js';

/** The signed-in user, as remembered in localStorage. */
export interface SignedInUser {
  userId: string;
  name?: string;
  /** An https picture, set in the profile form. */
  avatarUrl?: string;
}

/** One signed-in session: the user and the SocketService that belongs to them. */
export interface Session {
  user: SignedInUser;
  service: SocketService;
  /** Stops the session's listeners and destroys its service. */
  end(): void;
}

/** What tests and the debug console can reach: `window.mpi.service.disconnect()`, etc. */
interface MpiDebugHandle {
  user: SignedInUser;
  service: SocketService;
}

declare global {
  interface Window {
    mpi?: MpiDebugHandle;
  }
}

const USER_KEY = 'mpi.user';
const DEVICE_KEY = 'mpi.deviceId';
const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

export function isValidUserId(userId: string): boolean {
  return ID_PATTERN.test(userId);
}

/**
 * The server the app talks to: `VITE_WEBSOCKET_URL` when the build set it, else the page's own origin
 * (the server serves this app, so API and socket share its origin). The SDK's own default
 * (http://localhost:4000) would be wrong for any deployment that is not on that port.
 */
function serverUrl(): string {
  const env = (import.meta as { env?: Record<string, string | undefined> }).env;
  const configured = env?.VITE_WEBSOCKET_URL;
  return configured && configured !== '' ? configured.replace(/\/+$/, '') : window.location.origin;
}

/** This browser profile's device id: made once, then kept (receipts and catch-up are per device). */
function deviceId(): string {
  const existing = storage.get(DEVICE_KEY);
  if (existing && ID_PATTERN.test(existing)) return existing;
  const random =
    typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const id = `web-${random}`;
  storage.set(DEVICE_KEY, id);
  return id;
}

export function loadStoredUser(): SignedInUser | null {
  const raw = storage.get(USER_KEY);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<SignedInUser>;
    if (typeof value.userId !== 'string' || !isValidUserId(value.userId)) return null;
    return {
      userId: value.userId,
      ...(typeof value.name === 'string' && value.name.trim() !== '' && { name: value.name }),
      ...(typeof value.avatarUrl === 'string' &&
        value.avatarUrl.startsWith('https://') && { avatarUrl: value.avatarUrl }),
    };
  } catch {
    return null;
  }
}

export function storeUser(user: SignedInUser | null): void {
  if (user) storage.set(USER_KEY, JSON.stringify(user));
  else storage.remove(USER_KEY);
}

/** A failure of the token request, with the server's error code when it sent one. */
class TokenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

/**
 * A development token from `GET /api/dev/token?userId=` (only served outside production). The SDK calls
 * this before every connection attempt, so each reconnect gets a fresh token.
 */
export async function fetchDevToken(userId: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${serverUrl()}/api/dev/token?userId=${encodeURIComponent(userId)}`, {
      headers: { accept: 'application/json' },
      cache: 'no-store',
    });
  } catch {
    throw new TokenError('CONNECT_FAILED', 'The server cannot be reached.');
  }
  const body = (await response.json().catch(() => null)) as {
    token?: unknown;
    error?: { code?: string; message?: string };
  } | null;
  if (response.ok && typeof body?.token === 'string') return body.token;
  if (response.status === 404) {
    throw new TokenError('NOT_FOUND', 'This server does not hand out development tokens.');
  }
  throw new TokenError(
    body?.error?.code ?? `HTTP_${response.status}`,
    body?.error?.message ?? `The token request failed (HTTP ${response.status}).`,
  );
}

/**
 * The browser's own view of the network. Chromium keeps an open WebSocket after the network goes away
 * until a ping times out (tens of seconds), so on `offline` the transport is closed at once and the SDK's
 * reconnect logic takes over (the SDK itself retries at once on `online` and when the page is shown).
 */
function watchNetwork(service: SocketService): () => void {
  const onOffline = () => {
    const engine = service.socket?.io.engine;
    if (service.isReady() && engine) engine.close();
  };
  window.addEventListener('offline', onOffline);
  return () => window.removeEventListener('offline', onOffline);
}

/**
 * Creates the user's SocketService and connects it. One service per signed-in user: signing out destroys
 * it, so no state of one user reaches the next. Unsent messages wait in IndexedDB (one database per user)
 * and survive a reload.
 */
export function startSession(user: SignedInUser): Session {
  const service = createSocketService({
    url: serverUrl(),
    token: () => fetchDevToken(user.userId),
    deviceId: deviceId(),
    outboxStore: new IndexedDbOutboxStore({ databaseName: `mpi-realtime:${user.userId}` }),
    endToEnd: endToEndEncryption(), // the device key pair in IndexedDB
    uploader: tusUploader,
    // A file being sent survives a reload too (its bytes in IndexedDB) and resumes where it was.
    uploadStore: new IndexedDbUploadStore({ databaseName: `mpi-realtime-uploads:${user.userId}` }),
    // `debug` is left unset on purpose: the SDK then logs every event while
    // localStorage.websocket_debug === 'true', checked per event.
  });
  service.connect();
  void service.setupUser(user.userId, {
    ...(user.name && { name: user.name }),
    ...(user.avatarUrl && { avatarUrl: user.avatarUrl }),
  });
  const stopWatching = watchNetwork(service);
  window.mpi = { user, service };
  return {
    user,
    service,
    end() {
      stopWatching();
      service.destroy();
      if (window.mpi?.service === service) delete window.mpi;
    },
  };
}
