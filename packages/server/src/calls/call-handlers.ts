import type { CallEndReason, CallInfo, CallRecord } from '@mpi/protocol';
import { notifyNewMessage } from '../chat/chat-list.js';
import { requireMember } from '../chat/membership.js';
import { AppError } from '../errors.js';
import type { EventHandler } from '../realtime/handler-registry.js';
import { rooms } from '../realtime/rooms.js';
import type { CallState } from '../storage/calls/call-storage.js';
import type { CallContext } from './call-context.js';

const publicCall = (call: CallState): CallInfo => ({
  id: call.id,
  chatId: call.chatId,
  callerId: call.callerId,
  calleeId: call.calleeId,
  media: call.media,
  status: call.status,
  createdAt: call.createdAt,
  answeredAt: call.answeredAt,
});

/** What the history keeps of a call that ended, as it was before it ended. */
function recordOf(call: CallState, reason: CallEndReason): CallRecord {
  if (call.status === 'active' && call.answeredAt) {
    const durationMs = Math.max(0, Date.now() - Date.parse(call.answeredAt));
    return { callId: call.id, media: call.media, outcome: 'completed', durationMs };
  }
  return { callId: call.id, media: call.media, outcome: reason === 'declined' ? 'declined' : 'missed' };
}

/**
 * Ends a call (if this node is the one that ends it), tells every device of both parties, and writes the
 * call into the chat's history: a message from the caller, idempotent by `call:<id>`.
 */
export async function endCall(ctx: CallContext, id: string, reason: CallEndReason, onlyIfRinging = false) {
  ctx.clearRing(id);
  const call = await ctx.storage.calls.endCall(id, reason, onlyIfRinging);
  if (!call) return false;
  // History first: a client told that the call ended can read it at once.
  const { message, duplicate, members } = await ctx.storage.chat.appendMessage({
    chatId: call.chatId,
    senderId: call.callerId,
    clientMessageId: `call:${id}`,
    text: '',
    call: recordOf(call, reason),
  });
  ctx.io
    .to([rooms.user(call.callerId), rooms.user(call.calleeId)])
    .emit('call_ended', { callId: id, reason });
  if (!duplicate) {
    ctx.io.to(members.map((m) => rooms.user(m.userId))).emit('receive_message', message);
    notifyNewMessage(ctx.chatList, members, message);
  }
  return true;
}

async function partyCall(ctx: CallContext, id: string, userId: string): Promise<CallState> {
  const call = await ctx.storage.calls.getCall(id);
  if (!call || call.status === 'ended' || (call.callerId !== userId && call.calleeId !== userId)) {
    throw new AppError('CALL_NOT_FOUND');
  }
  return call;
}

export const callStart =
  (ctx: CallContext): EventHandler<'call_start'> =>
  async ({ payload, userId, socket }) => {
    const { chat } = await requireMember(ctx.storage, payload.chatId, userId);
    const calleeId = chat.members.find((member) => member !== userId);
    if (chat.type !== 'dm' || calleeId === undefined) {
      throw new AppError('FORBIDDEN', 'Calls are between the two members of a DM.');
    }
    const started = await ctx.storage.calls.startCall({
      id: payload.callId,
      chatId: chat.id,
      callerId: userId,
      calleeId,
      media: payload.media,
      callerSocket: socket.id,
    });
    if ('refused' in started) {
      if (started.refused === 'busy') throw new AppError('CALL_BUSY');
      throw new AppError('VALIDATION_FAILED', 'This call id is taken: choose a new one for each call.');
    }
    const call = publicCall(started.call);
    const { iceServers } = ctx.config.calls;
    ctx.inCall.add(socket.id);
    ctx.io.to(rooms.user(calleeId)).emit('call_incoming', { call, iceServers });
    ctx.ring(call.id);
    return { call, iceServers };
  };

export const callAccept =
  (ctx: CallContext): EventHandler<'call_accept'> =>
  async ({ payload, userId, socket }) => {
    const accepted = await ctx.storage.calls.acceptCall(payload.callId, userId, socket.id);
    if (!accepted) throw new AppError('CALL_NOT_FOUND');
    ctx.clearRing(accepted.id);
    ctx.inCall.add(socket.id);
    const call = publicCall(accepted);
    ctx.io.to(accepted.callerSocket).emit('call_accepted', { call });
    // The callee's other devices stop ringing.
    socket.to(rooms.user(userId)).emit('call_ended', { callId: call.id, reason: 'answered_elsewhere' });
    return { call, iceServers: ctx.config.calls.iceServers };
  };

export const callDecline =
  (ctx: CallContext): EventHandler<'call_decline'> =>
  async ({ payload, userId }) => {
    const call = await partyCall(ctx, payload.callId, userId);
    if (call.calleeId !== userId || call.status !== 'ringing') throw new AppError('CALL_NOT_FOUND');
    await endCall(ctx, call.id, 'declined', true);
    return {};
  };

export const callHangup =
  (ctx: CallContext): EventHandler<'call_hangup'> =>
  async ({ payload, userId }) => {
    const call = await partyCall(ctx, payload.callId, userId);
    await endCall(ctx, call.id, 'hangup');
    return {};
  };

export const callSignal =
  (ctx: CallContext): EventHandler<'call_signal'> =>
  async ({ payload, userId, socket }) => {
    const call = await partyCall(ctx, payload.callId, userId);
    // Only the two sockets in the call talk: the caller's, and the callee's that answered.
    const from = call.callerId === userId ? call.callerSocket : call.calleeSocket;
    const to = call.callerId === userId ? call.calleeSocket : call.callerSocket;
    if (call.status !== 'active' || from !== socket.id || to === null) throw new AppError('CALL_NOT_FOUND');
    ctx.io.to(to).emit('call_signal', { callId: call.id, signal: payload.signal });
    return {};
  };
