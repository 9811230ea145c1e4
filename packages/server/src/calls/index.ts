import { ChatListNotifier } from '../chat/chat-list.js';
import type { Feature, ServerContext } from '../server-context.js';
import type { CallContext } from './call-context.js';
import { callAccept, callDecline, callHangup, callSignal, callStart, endCall } from './call-handlers.js';

/**
 * Calls: 1:1 WebRTC calls between the members of a DM, the server relaying their signalling only (offer,
 * answer, ICE candidates) and keeping their state in the database, so that any node can answer any event.
 */
export function registerCalls(server: ServerContext): Feature {
  const timers = new Map<string, NodeJS.Timeout>();
  const ctx: CallContext = {
    ...server,
    chatList: new ChatListNotifier(server.io),
    inCall: new Set(),
    ring(callId) {
      const timer = setTimeout(() => {
        timers.delete(callId);
        void endCall(ctx, callId, 'timeout', true).catch((error) =>
          ctx.log.warn({ err: error, callId }, 'ending an unanswered call failed'),
        );
      }, ctx.config.calls.ringMs);
      timer.unref();
      timers.set(callId, timer);
    },
    clearRing(callId) {
      clearTimeout(timers.get(callId));
      timers.delete(callId);
    },
  };
  const { handlers } = ctx;
  handlers.on('call_start', callStart(ctx));
  handlers.on('call_accept', callAccept(ctx));
  handlers.on('call_decline', callDecline(ctx));
  handlers.on('call_hangup', callHangup(ctx));
  handlers.on('call_signal', callSignal(ctx));
  return {
    // A party's connection is gone: its call cannot go on (the peer connection needs its signalling).
    // Counted as work in flight, so that a shutdown waits for it before it closes the storage.
    async disconnect(socket) {
      if (!ctx.inCall.delete(socket.id)) return;
      ctx.inFlight.enter();
      try {
        const calls = await ctx.storage.calls.callsOfSocket(socket.id);
        for (const call of calls) await endCall(ctx, call.id, 'disconnected');
      } finally {
        ctx.inFlight.leave();
      }
    },
    close() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
