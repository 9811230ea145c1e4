import { deliverCatchUp, prepareCatchUp } from '../chat/catch-up.js';
import { AppError, publicErrorBody } from '../errors.js';
import {
  deliverNotificationCatchUp,
  prepareNotificationCatchUp,
  reportNotificationCatchUpFailure,
} from '../notifications/catch-up.js';
import type { HandlerRegistry } from '../realtime/define-handler.js';
import type { RealtimeContext, RealtimeSocket } from '../realtime/types.js';

/** `setup_user`: stores the profile, acknowledges, then runs this device's catch-ups. */
export function registerUserHandlers(ctx: RealtimeContext, handlers: HandlerRegistry): void {
  handlers.on('setup_user', async ({ payload, userId, socket }) => {
    if (payload.userId !== userId) throw new AppError('FORBIDDEN', 'userId does not match the token');
    const user = await ctx.storage.chat.upsertUser({ id: userId, ...payload.userInfo });
    socket.data.setUp = true;
    startCatchUps(ctx, socket);
    return { user };
  });
}

/** Runs `f`, turning a synchronous throw into a rejection. */
function attempt<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The chat and notification catch-ups of a device that was just set up. Both read at once, now; what
 * they send goes out after the ack (the client learns setup succeeded before the queued batches arrive),
 * in one turn of the event loop once both have read, so that a device with nothing to page through gets
 * `catch_up_complete` and `notifications_catch_up_complete` in one write. Shutdown waits for both.
 */
function startCatchUps(ctx: RealtimeContext, socket: RealtimeSocket): void {
  const { userId } = socket.data;
  const chatFailed = (error: unknown) => {
    ctx.log.error({ err: error, userId }, 'catch-up failed');
    socket.emit('socket_error', { ...publicErrorBody(error), event: 'setup_user' });
  };
  ctx.inFlight.enter();
  ctx.inFlight.enter();
  const chat = prepareCatchUp(ctx, socket);
  const notifications = prepareNotificationCatchUp(ctx, socket);
  // Handled below, after the ack; this only keeps an early rejection from counting as unhandled.
  chat.catch(() => undefined);
  notifications.catch(() => undefined);
  setImmediate(() => {
    void Promise.allSettled([chat, notifications]).then(([chatStart, notificationStart]) => {
      const chatDone =
        chatStart.status === 'fulfilled'
          ? attempt(() => deliverCatchUp(ctx, socket, chatStart.value))
          : Promise.reject(chatStart.reason);
      const notificationsDone =
        notificationStart.status === 'fulfilled'
          ? attempt(() => deliverNotificationCatchUp(ctx, socket, notificationStart.value))
          : Promise.reject(notificationStart.reason);
      chatDone.catch(chatFailed).finally(() => ctx.inFlight.leave());
      notificationsDone
        .catch((error: unknown) => reportNotificationCatchUpFailure(ctx, socket, error))
        .finally(() => ctx.inFlight.leave());
    });
  });
}
