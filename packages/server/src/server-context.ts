import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { ContentFilter } from './content-filter.js';
import type { Metrics } from './metrics.js';
import type { PushNotifier } from './push/push-notifier.js';
import type { ConnectionHooks, HandlerRegistry } from './realtime/handler-registry.js';
import type { InFlight } from './realtime/in-flight.js';
import type { NodeLease } from './realtime/node-lease.js';
import type { RealtimeServer, RealtimeSocket } from './realtime/types.js';
import type { Storage } from './storage/storage.js';

/** What every feature's `register…` function gets: built once per server instance by `createServer`. */
export interface ServerContext {
  config: Config;
  io: RealtimeServer;
  /** The HTTP API, for a feature's routes. */
  http: FastifyInstance;
  storage: Storage;
  log: Logger;
  metrics: Metrics;
  /** Where a feature defines its client events' handlers. */
  handlers: HandlerRegistry;
  /** Work shutdown waits for; handlers are counted already, background work a feature starts is not. */
  inFlight: InFlight;
  /** The clock (epoch ms) of notifications, reminders and request signatures. */
  now: () => number;
  /** This node's liveness among the others; what a feature shares under it is undone if the node dies. */
  lease: NodeLease;
  /** Every message text and chat name passes through it before it is stored. */
  contentFilter: ContentFilter;
  /** Web Push to the devices that are not connected: features call it after a commit. */
  push: PushNotifier;
}

/**
 * A device's catch-up after `setup_user`: `prepare` reads where it starts at once; the send it resolves
 * with runs after the ack, with the other features' (see users/setup-user.ts).
 */
export interface CatchUp {
  /** Named in the log when it fails. */
  name: string;
  prepare(socket: RealtimeSocket): Promise<() => number | Promise<number>>;
}

/**
 * Every lifecycle hook of the server, in one typed list: what a feature's `register…` returns. The
 * connection hooks run per socket, in registration order; `catchUp` after `setup_user`; `close` at
 * shutdown, once no socket is left and before storage closes.
 */
export interface Feature extends ConnectionHooks {
  catchUp?: CatchUp;
  close?(): void | Promise<void>;
}
