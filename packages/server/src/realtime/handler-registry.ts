import {
  type ClientEventName,
  type ClientEventResult,
  type ErrorBody,
  errorBody,
  type ValidationIssue,
} from '@mpi/protocol';
import { CLIENT_EVENT_SCHEMAS, type ParsedClientPayload } from '@mpi/protocol/schemas';
import type { Logger } from 'pino';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { z } from 'zod';
import type { AuditLog } from '../audit-log.js';
import { asAppError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { Backpressure } from './backpressure.js';
import type { InFlight } from './in-flight.js';
import { EVENT_BUDGETS, type RateLimiters } from './rate-limits.js';
import type { RealtimeSocket } from './types.js';

interface HandlerArgs<E extends ClientEventName> {
  payload: ParsedClientPayload<E>;
  socket: RealtimeSocket;
  userId: string;
  deviceId: string;
}

export type EventHandler<E extends ClientEventName> = (
  args: HandlerArgs<E>,
) => Promise<NonNullable<ClientEventResult<E>> | undefined> | NonNullable<ClientEventResult<E>> | undefined;

type AckFn = (response: unknown) => void;

function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

type Pipeline = (socket: RealtimeSocket, args: unknown[]) => Promise<void>;

/**
 * Draws one event from the user's budget; when it is spent, tells the client (socket_rate_limit_exceeded)
 * and returns the ack's error body.
 */
async function drawBudget(
  limiter: RateLimiterAbstract,
  socket: RealtimeSocket,
  event: string,
): Promise<ErrorBody | undefined> {
  try {
    await limiter.consume(socket.data.userId);
    return undefined;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    const body = { ...errorBody('RATE_LIMITED'), retryAfterMs: error.msBeforeNext };
    socket.emit('socket_rate_limit_exceeded', {
      code: 'RATE_LIMITED',
      message: body.message,
      event,
      retryAfterMs: error.msBeforeNext,
    });
    return body;
  }
}

/** Every hook a feature can run on a connection, in the order they run. */
export interface ConnectionHooks {
  /** For every new connection, after its handshake, before any of its events. */
  connect?(socket: RealtimeSocket): void;
  /** While the socket still has its rooms. */
  disconnecting?(socket: RealtimeSocket, reason: string): void;
  /** Once the socket left its rooms. */
  disconnect?(socket: RealtimeSocket, reason: string): void;
}

export interface HandlerRegistryDeps {
  metrics: Metrics;
  log: Logger;
  inFlight: InFlight;
  rateLimiters: RateLimiters;
  backpressure: { perConnection: number; total: number };
  audit: AuditLog;
}

/**
 * Every client event's handler, defined once per server, and one dispatcher per connection. (A listener
 * per event per socket cost ~20 KiB of closures per connection: docs/performance.md.) Each event runs the
 * same pipeline: rate limit, schema validation, the handler, then the acknowledgement. Every failure is
 * reported both as the spec's `socket_*` event and in the ack when the client passed one; internal errors
 * are logged and reach the client only as INTERNAL, without their message or stack.
 */
export class HandlerRegistry {
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly hooks: ConnectionHooks[] = [];
  private readonly backpressure: Backpressure;

  constructor(private readonly deps: HandlerRegistryDeps) {
    this.backpressure = new Backpressure(deps.inFlight, deps.metrics, deps.backpressure);
  }

  on<E extends ClientEventName>(event: E, handler: EventHandler<E>): void {
    if (this.pipelines.has(event)) throw new Error(`"${event}" has a handler already`);
    this.pipelines.set(event, pipeline(this.deps, this.backpressure, event, handler));
  }

  addHooks(hooks: ConnectionHooks): void {
    this.hooks.push(hooks);
  }

  /** Throws unless every client event of the contract has its handler: a server missing one must not start. */
  assertComplete(): void {
    const missing = (Object.keys(EVENT_BUDGETS) as ClientEventName[]).filter((e) => !this.pipelines.has(e));
    if (missing.length > 0) throw new Error(`No handler for: ${missing.join(', ')}`);
  }

  attach(socket: RealtimeSocket): void {
    socket.onAny((event: string, ...args: unknown[]) => this.dispatch(socket, event, args));
    socket.on('disconnecting', (reason) => {
      for (const hook of this.hooks) hook.disconnecting?.(socket, reason);
    });
    socket.on('disconnect', (reason) => {
      this.backpressure.forget(socket);
      for (const hook of this.hooks) hook.disconnect?.(socket, reason);
    });
    for (const hook of this.hooks) hook.connect?.(socket);
  }

  private dispatch(socket: RealtimeSocket, event: string, args: unknown[]): void {
    // Socket.IO still delivers the packets that follow a namespace disconnect (`41`) in the same read.
    if (!socket.connected) return;
    const run = this.pipelines.get(event);
    if (run) {
      void run(socket, args);
      return;
    }
    void this.refuseUnknown(socket, event, args);
  }

  /** An event no handler knows still costs the user an action, so it cannot be used to flood. */
  private async refuseUnknown(socket: RealtimeSocket, rawEvent: string, args: unknown[]): Promise<void> {
    const { metrics, log, rateLimiters, audit } = this.deps;
    const subject = { userId: socket.data.userId, address: socket.data.address, event: 'unknown' };
    const event = String(rawEvent).slice(0, 64);
    const ack = typeof args.at(-1) === 'function' ? (args.at(-1) as AckFn) : undefined;
    try {
      const limited = await drawBudget(rateLimiters.actions, socket, event);
      if (limited) {
        metrics.events.inc({ event: 'unknown', outcome: 'rate_limited' });
        audit.refused('RATE_LIMITED', subject);
        ack?.({ ok: false, error: limited });
        return;
      }
    } catch (error) {
      log.error({ err: error, userId: socket.data.userId }, 'rate limiter failed');
      ack?.({ ok: false, error: errorBody('INTERNAL') });
      return;
    }
    metrics.events.inc({ event: 'unknown', outcome: 'unknown_event' });
    audit.refused('UNKNOWN_EVENT', subject);
    socket.emit('socket_error', { code: 'UNKNOWN_EVENT', message: `The server does not handle "${event}".` });
    ack?.({ ok: false, error: errorBody('UNKNOWN_EVENT') });
  }
}

function pipeline<E extends ClientEventName>(
  deps: HandlerRegistryDeps,
  backpressure: Backpressure,
  event: E,
  handler: EventHandler<E>,
): Pipeline {
  const schema = CLIENT_EVENT_SCHEMAS[event] as unknown as z.ZodType<ParsedClientPayload<E>>;
  const limiter = deps.rateLimiters[EVENT_BUDGETS[event]];
  const { metrics, log, inFlight, audit } = deps;

  const fail = (socket: RealtimeSocket, ack: AckFn | undefined, error: ErrorBody, outcome: string) => {
    metrics.events.inc({ event, outcome });
    audit.refused(error.code, { userId: socket.data.userId, address: socket.data.address, event });
    ack?.({ ok: false, error });
  };

  return async (socket, args) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as AckFn) : undefined;
    const stopTimer = metrics.eventDuration.startTimer({ event });
    inFlight.enter();
    backpressure.begin(socket);
    try {
      const limited = await drawBudget(limiter, socket, event);
      if (limited) return fail(socket, ack, limited, 'rate_limited');

      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) {
        const issues = toIssues(parsed.error);
        const message = `Invalid ${event} payload: ${issues.map((i) => `${i.path || '(payload)'}: ${i.message}`).join('; ')}`;
        socket.emit('socket_validation_error', { code: 'VALIDATION_FAILED', message, event, issues });
        return fail(socket, ack, errorBody('VALIDATION_FAILED', message), 'invalid');
      }

      const result = await handler({
        payload: parsed.data,
        socket,
        userId: socket.data.userId,
        deviceId: socket.data.deviceId,
      });
      metrics.events.inc({ event, outcome: 'ok' });
      ack?.({ ok: true, ...(result ?? {}) });
    } catch (error) {
      const known = asAppError(error);
      if (!known) log.error({ err: error, event, userId: socket.data.userId }, 'event handler failed');
      const body = known?.toBody() ?? errorBody('INTERNAL');
      socket.emit('socket_error', { ...body, event });
      fail(
        socket,
        ack,
        body,
        !known ? 'internal_error' : known.code === 'UNAVAILABLE' ? 'unavailable' : 'rejected',
      );
    } finally {
      inFlight.leave();
      backpressure.end(socket);
      stopTimer();
    }
  };
}
