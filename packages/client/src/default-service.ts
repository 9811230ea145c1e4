import { SocketService } from './socket-service.js';
import type { SocketServiceOptions } from './types.js';

/**
 * The spec's "single socket instance per application". Created on first use; nothing connects until
 * `connect()` is called.
 *
 * An application configures it once at start-up, before connecting:
 *
 *   configureSocketService({ token: () => auth.getFreshAccessToken() }); // the SDK keeps a device id
 *   getSocketService().connect();
 *
 * The token provider runs before every connection attempt, so it should return a valid (refreshed) token.
 */
let shared: SocketService | undefined;

/** The shared instance; `options`, when given, are applied with `configure()`. */
export function getSocketService(options?: SocketServiceOptions): SocketService {
  if (!shared) shared = new SocketService(options);
  else if (options) shared.configure(options);
  return shared;
}

/** Sets the options (token provider, url, …) of the shared instance and returns it. */
export function configureSocketService(options: SocketServiceOptions): SocketService {
  return getSocketService(options);
}

/** The shared instance, as the spec's frontend imports it (`socketService.connect()`). */
export const socketService: SocketService = getSocketService();
