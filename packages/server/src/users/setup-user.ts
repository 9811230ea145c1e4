import { AppError, publicErrorBody } from '../errors.js';
import { announceProfile } from '../people/profile-handlers.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import type { RealtimeSocket } from '../realtime/types.js';
import type { CatchUp, ServerContext } from '../server-context.js';

/**
 * `setup_user`: stores the profile, acknowledges, then runs this device's catch-ups. A changed name or
 * avatar is announced to the people who share a chat with the user.
 */
export const setupUser =
  (ctx: ServerContext, catchUps: readonly CatchUp[]): EventHandler<'setup_user'> =>
  async ({ payload, userId, socket }) => {
    if (payload.userId !== userId) throw new AppError('FORBIDDEN', 'userId does not match the token');
    const { user, settings, changed } = await ctx.storage.chat.upsertUser({
      id: userId,
      ...payload.userInfo,
    });
    socket.data.setUp = true;
    void runCatchUps(ctx, socket, catchUps);
    if (changed) await announceProfile(ctx, socket, user);
    return { user, settings };
  };

/** Runs `f`, turning a synchronous throw into a rejection. */
function attempt<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The catch-ups of a device that was just set up. All read at once, now; what they send goes out after
 * the ack (the client learns setup succeeded before the queued batches arrive), in one turn of the event
 * loop once all have read, so that a device with nothing to page through gets every `*_complete` event in
 * one write. Shutdown waits for all of them. Resolves (never rejects) once every catch-up has sent.
 */
export function runCatchUps(
  ctx: ServerContext,
  socket: RealtimeSocket,
  catchUps: readonly CatchUp[],
): Promise<void> {
  const failed = (catchUp: CatchUp) => (error: unknown) => {
    ctx.log.error({ err: error, userId: socket.data.userId }, `${catchUp.name} catch-up failed`);
    socket.emit('socket_error', { ...publicErrorBody(error), event: 'setup_user' });
  };
  for (const _ of catchUps) ctx.inFlight.enter();
  const prepared = catchUps.map((catchUp) => catchUp.prepare(socket));
  // Handled below, after the ack; this only keeps an early rejection from counting as unhandled.
  for (const start of prepared) start.catch(() => undefined);
  return new Promise<void>((resolve) => {
    setImmediate(() => {
      void Promise.allSettled(prepared).then((starts) => {
        const sends = starts.map((start, i) => {
          const catchUp = catchUps[i] as CatchUp;
          const done = start.status === 'fulfilled' ? attempt(start.value) : Promise.reject(start.reason);
          return done.catch(failed(catchUp)).finally(() => ctx.inFlight.leave());
        });
        void Promise.allSettled(sends).then(() => resolve());
      });
    });
  });
}
