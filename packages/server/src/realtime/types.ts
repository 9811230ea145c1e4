import type { ClientToServerEvents, ServerToClientEvents } from '@mpi/protocol';
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Server, Socket } from 'socket.io';
import type { ChatKindCache } from '../chat/chat-kinds.js';
import type { ChatListNotifier } from '../chat/chat-list.js';
import type { RecentMessages } from '../chat/recent-messages.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Storage } from '../storage/storage.js';

/** What the server knows of a connection after its handshake was accepted. */
export interface SocketData {
  userId: string;
  deviceId: string;
  client: string;
  version: string;
  connectedAt: number;
  /** True once the client sent `setup_user`. */
  setUp: boolean;
}

type NoInterServerEvents = Record<string, never>;

export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  NoInterServerEvents,
  SocketData
>;
export type RealtimeSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  NoInterServerEvents,
  SocketData
>;

/** Counts handlers that are still running, so that shutdown can wait for them before closing storage. */
export class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  enter(): void {
    this.count++;
  }

  leave(): void {
    this.count--;
    if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  get size(): number {
    return this.count;
  }

  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Everything a feature's handlers need; built once per server instance. */
export interface RealtimeContext {
  config: Config;
  io: RealtimeServer;
  storage: Storage;
  log: Logger;
  metrics: Metrics;
  /**
   * Per-user budgets: `actions` for events that change or read state, `signals` (a larger budget) for
   * receipts, typing and pings, which a busy conversation sends many of.
   */
  rateLimiters: { actions: RateLimiterAbstract; signals: RateLimiterAbstract };
  inFlight: InFlight;
  chatKinds: ChatKindCache;
  chatList: ChatListNotifier;
  recentMessages: RecentMessages;
  /** True once shutdown began: new handshakes are refused with UNAVAILABLE. */
  isShuttingDown(): boolean;
}

export const rooms = {
  user: (userId: string) => `user:${userId}`,
  chat: (chatId: string) => `chat:${chatId}`,
  channel: (channel: string) => `channel:${channel}`,
};
