import { Frontier } from './frontier.js';
import type { ClientSpec } from './protocol.js';
import type { BenchSocket } from './sockets.js';

/** A DM between two of the generator's clients. */
export interface ChatPair {
  index: number;
  chatId: string;
  a: ChatSide;
  b: ChatSide;
}

/** One client of a pair, with what it has sent, received and confirmed. */
export interface ChatSide {
  name: 'a' | 'b';
  spec: ClientSpec;
  socket: BenchSocket | undefined;
  pair: ChatPair;
  frontier: Frontier;
  confirmed: number;
  /** Messages still to send in the current run (Infinity: until the run's duration ends). */
  remaining: number;
  inflight: number;
  nextN: number;
  /** Storm: messages sent to this side while it was away, how many came back, when it finished. */
  expectAway: number;
  gotAway: number;
  lastGotAt: number;
  reconnectAt: number;
  caughtUpAt: number;
  doneAt: number;
}

export function newSide(name: 'a' | 'b', spec: ClientSpec, pair: ChatPair): ChatSide {
  return {
    name,
    spec,
    socket: undefined,
    pair,
    frontier: new Frontier(),
    confirmed: 0,
    remaining: 0,
    inflight: 0,
    nextN: 0,
    expectAway: 0,
    gotAway: 0,
    lastGotAt: Number.NaN,
    reconnectAt: Number.NaN,
    caughtUpAt: Number.NaN,
    doneAt: Number.NaN,
  };
}
