import {
  CLIENT_EVENT_SCHEMAS,
  type ClientEventName,
  type ClientEventResult,
  type ErrorBody,
  errorBody,
  type ParsedClientPayload,
  type ValidationIssue,
} from '@mpi/protocol';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { z } from 'zod';
import { isInternal, publicErrorBody } from '../errors.js';
import type { RealtimeContext, RealtimeSocket } from './types.js';

export interface HandlerArgs<E extends ClientEventName> {
  payload: ParsedClientPayload<E>;
  socket: RealtimeSocket;
  userId: string;
  deviceId: string;
}

export type EventHandler<E extends ClientEventName> = (
  args: HandlerArgs<E>,
) => Promise<NonNullable<ClientEventResult<E>> | undefined> | NonNullable<ClientEventResult<E>> | undefined;

type AckFn = (response: unknown) => void;

/** Events counted against the larger `signals` budget (see RealtimeContext.rateLimiters). */
const SIGNAL_EVENTS: ReadonlySet<string> = new Set([
  'messages_received',
  'notifications_received',
  'typing_start',
  'typing_stop',
  'ping',
]);

function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.slice(0, 20).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/**
 * Registers one client event on a socket with the same pipeline for every event: rate limit, schema
 * validation, the handler, then the acknowledgement. Every failure is reported both as the spec's
 * `socket_*` event and in the ack when the client passed one; internal errors are logged and reach the
 * client only as INTERNAL, without their message or stack.
 */
export function defineHandler<E extends ClientEventName>(
  ctx: RealtimeContext,
  socket: RealtimeSocket,
  event: E,
  handler: EventHandler<E>,
): void {
  const schema = CLIENT_EVENT_SCHEMAS[event] as unknown as z.ZodType<ParsedClientPayload<E>>;
  const { metrics, log } = ctx;

  const fail = (ack: AckFn | undefined, error: ErrorBody, outcome: string) => {
    metrics.events.inc({ event, outcome });
    ack?.({ ok: false, error });
  };

  const listener = async (...args: unknown[]) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as AckFn) : undefined;
    const stopTimer = metrics.eventDuration.startTimer({ event });
    ctx.inFlight.enter();
    try {
      try {
        await (SIGNAL_EVENTS.has(event) ? ctx.rateLimiters.signals : ctx.rateLimiters.actions).consume(
          socket.data.userId,
        );
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const body = errorBody('RATE_LIMITED');
        socket.emit('socket_rate_limit_exceeded', {
          code: 'RATE_LIMITED',
          message: body.message,
          event,
          retryAfterMs: error.msBeforeNext,
        });
        return fail(ack, body, 'rate_limited');
      }

      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) {
        const issues = toIssues(parsed.error);
        const message = `Invalid ${event} payload: ${issues.map((i) => `${i.path || '(payload)'}: ${i.message}`).join('; ')}`;
        socket.emit('socket_validation_error', { code: 'VALIDATION_FAILED', message, event, issues });
        return fail(ack, errorBody('VALIDATION_FAILED', message), 'invalid');
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
      if (isInternal(error))
        log.error({ err: error, event, userId: socket.data.userId }, 'event handler failed');
      const body = publicErrorBody(error);
      socket.emit('socket_error', { ...body, event });
      fail(ack, body, isInternal(error) ? 'internal_error' : 'rejected');
    } finally {
      ctx.inFlight.leave();
      stopTimer();
    }
  };
  socket.on(event, listener as never);
}
