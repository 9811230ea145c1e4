import { AppError } from '../errors.js';

/**
 * Open connections per user and per client address on this node, with their caps. A handshake takes a
 * place under both before it is accepted and gives it back once, when the socket disconnects or its
 * transport closes (whichever comes first; a handshake whose transport closed before it completed never
 * disconnects). Per node: a user's connections spread over N nodes may reach N times the cap.
 */
export class ConnectionCaps {
  private readonly perUser = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly caps: { perUser: number; perAddress: number }) {}

  /** Takes a place for a connection, or throws TOO_MANY_CONNECTIONS; returns the release (idempotent). */
  acquire(userId: string, address: string): () => void {
    if ((this.perUser.get(userId) ?? 0) >= this.caps.perUser) {
      throw new AppError('TOO_MANY_CONNECTIONS', `At most ${this.caps.perUser} connections per user.`);
    }
    if ((this.perAddress.get(address) ?? 0) >= this.caps.perAddress) {
      throw new AppError('TOO_MANY_CONNECTIONS', `At most ${this.caps.perAddress} connections per address.`);
    }
    increment(this.perUser, userId, 1);
    increment(this.perAddress, address, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      increment(this.perUser, userId, -1);
      increment(this.perAddress, address, -1);
    };
  }
}

function increment(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}
