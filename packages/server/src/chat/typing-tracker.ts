import { LIMITS } from '@mpi/protocol';
import { rooms } from '../realtime/rooms.js';
import type { RealtimeServer, RealtimeSocket } from '../realtime/types.js';

/** While a user keeps typing, `typing_update { isTyping: true }` is repeated at most this often. */
const TYPING_REBROADCAST_MS = 2000;

interface TypingEntry {
  socketId: string;
  timer: NodeJS.Timeout;
  lastBroadcastAt: number;
}

/**
 * Typing indicators of this node. An indicator clears by itself `LIMITS.typingTtlMs` after the last
 * `typing_start` (so a client that vanishes mid-typing leaves nothing stuck), when the user sends
 * `typing_stop`, and when the socket that started it disconnects. Repeated starts only refresh the
 * timer; the broadcast is throttled to one per TYPING_REBROADCAST_MS so other clients can also expire
 * indicators on their own.
 */
export class TypingTracker {
  private readonly entries = new Map<string, TypingEntry>();

  constructor(
    private readonly io: RealtimeServer,
    private readonly ttlMs: number = LIMITS.typingTtlMs,
  ) {}

  private key(chatId: string, userId: string): string {
    return `${chatId}\u0000${userId}`;
  }

  private broadcast(socket: RealtimeSocket | null, chatId: string, userId: string, isTyping: boolean) {
    const target = socket ? socket.to(rooms.chat(chatId)) : this.io.to(rooms.chat(chatId));
    target.emit('typing_update', { chatId, userId, isTyping });
  }

  start(socket: RealtimeSocket, chatId: string, userId: string): void {
    const key = this.key(chatId, userId);
    const existing = this.entries.get(key);
    const now = Date.now();
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => this.expire(key, chatId, userId), this.ttlMs);
    timer.unref();
    const due = !existing || now - existing.lastBroadcastAt >= TYPING_REBROADCAST_MS;
    this.entries.set(key, {
      socketId: socket.id,
      timer,
      lastBroadcastAt: due ? now : (existing?.lastBroadcastAt ?? now),
    });
    if (due) this.broadcast(socket, chatId, userId, true);
  }

  stop(socket: RealtimeSocket | null, chatId: string, userId: string): void {
    const key = this.key(chatId, userId);
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.entries.delete(key);
    this.broadcast(socket, chatId, userId, false);
  }

  private expire(key: string, chatId: string, userId: string): void {
    if (!this.entries.delete(key)) return;
    this.broadcast(null, chatId, userId, false);
  }

  /** Clears every indicator a disconnecting socket started. */
  dropSocket(socketId: string): void {
    for (const [key, entry] of this.entries) {
      if (entry.socketId !== socketId) continue;
      const [chatId = '', userId = ''] = key.split('\u0000');
      clearTimeout(entry.timer);
      this.entries.delete(key);
      this.broadcast(null, chatId, userId, false);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Who is typing where, on this node. */
  *typists(): Iterable<{ chatId: string; userId: string }> {
    for (const key of this.entries.keys()) {
      const [chatId = '', userId = ''] = key.split('\u0000');
      yield { chatId, userId };
    }
  }

  close(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }
}
