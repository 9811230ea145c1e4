import type { ClientEventName } from '@mpi/protocol';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';

/**
 * Per-user budgets, over all the user's connections: `actions` for events that change or read state,
 * `signals` (a larger budget) for receipts, typing and pings, which a busy conversation sends many of.
 */
export type Budget = 'actions' | 'signals';
export type RateLimiters = Record<Budget, RateLimiterAbstract>;

/** Which budget each client event of the contract draws on; a new event must be placed here to build. */
export const EVENT_BUDGETS: Readonly<Record<ClientEventName, Budget>> = {
  setup_user: 'actions',
  join_chat: 'actions',
  leave_chat: 'actions',
  send_message: 'actions',
  typing_start: 'signals',
  typing_stop: 'signals',
  messages_received: 'signals',
  mark_read: 'actions',
  open_dm: 'actions',
  get_history: 'actions',
  list_chats: 'actions',
  create_group: 'actions',
  add_members: 'actions',
  remove_member: 'actions',
  rename_chat: 'actions',
  leave_group: 'actions',
  get_members: 'actions',
  subscribe: 'actions',
  unsubscribe: 'actions',
  get_preferences: 'actions',
  list_notifications: 'actions',
  mark_notifications_read: 'actions',
  notifications_received: 'signals',
  update_profile: 'actions',
  get_profiles: 'actions',
  set_chat_muted: 'actions',
  set_presence_hidden: 'actions',
  ping: 'signals',
  publish_device_key: 'actions',
  get_device_keys: 'actions',
  edit_message: 'actions',
  delete_message: 'actions',
  react_to_message: 'actions',
  changes_received: 'signals',
  search_messages: 'actions',
  get_push_config: 'actions',
  register_push_subscription: 'actions',
  unregister_push_subscription: 'actions',
  call_start: 'actions',
  call_accept: 'actions',
  call_decline: 'actions',
  call_hangup: 'actions',
  // A call's setup sends a burst of ICE candidates.
  call_signal: 'signals',
};

/** Receipts, typing and pings may come this many times as often as other events. */
const SIGNAL_BUDGET_FACTOR = 4;

export interface RateLimitSettings {
  events: number;
  windowSeconds: number;
}

/**
 * The limiters of both budgets: in memory on a single node; in Redis when nodes share one (`redis`), with
 * the in-memory ones as insurance so that each node limits on its own while Redis is unreachable rather
 * than failing every event.
 *
 * `events` per `windowSeconds` holds over any interval of that length, not only per fixed window: a
 * limiter's windows follow one another without overlapping (each starts at the first event after the
 * previous one ended), so an interval of one window's length meets at most two of them, and each allows
 * half the events. A flood straddling a window boundary thus gets no more than `events` through.
 */
export function createRateLimiters(
  { events, windowSeconds: duration }: RateLimitSettings,
  redis?: { client: Redis; keyPrefix: string },
): RateLimiters {
  const perWindow = Math.floor(events / 2);
  const points: Record<Budget, number> = { actions: perWindow, signals: perWindow * SIGNAL_BUDGET_FACTOR };
  const memory = {
    actions: new RateLimiterMemory({ points: points.actions, duration }),
    signals: new RateLimiterMemory({ points: points.signals, duration }),
  };
  if (!redis) return memory;
  const shared = (budget: Budget) =>
    new RateLimiterRedis({
      storeClient: redis.client,
      keyPrefix: `${redis.keyPrefix}:ratelimit:${budget}`,
      points: points[budget],
      duration,
      insuranceLimiter: memory[budget],
    });
  return { actions: shared('actions'), signals: shared('signals') };
}
