import { catchUp } from '../chat/catch-up.js';
import { AppError, publicErrorBody } from '../errors.js';
import { startNotificationCatchUp } from '../notifications/catch-up.js';
import type { HandlerRegistry } from '../realtime/define-handler.js';
import type { RealtimeContext } from '../realtime/types.js';

/** `setup_user`: stores the profile, acknowledges, then starts this device's catch-up. */
export function registerUserHandlers(ctx: RealtimeContext, handlers: HandlerRegistry): void {
  handlers.on('setup_user', async ({ payload, userId, socket }) => {
    if (payload.userId !== userId) throw new AppError('FORBIDDEN', 'userId does not match the token');
    const user = await ctx.storage.upsertUser({ id: userId, ...payload.userInfo });
    socket.data.setUp = true;
    // After the ack: the client learns setup succeeded before the queued batches arrive.
    ctx.inFlight.enter();
    setImmediate(() => {
      catchUp(ctx, socket)
        .catch((error: unknown) => {
          ctx.log.error({ err: error, userId }, 'catch-up failed');
          socket.emit('socket_error', { ...publicErrorBody(error), event: 'setup_user' });
        })
        .finally(() => ctx.inFlight.leave());
    });
    startNotificationCatchUp(ctx, socket);
    return { user };
  });
}
