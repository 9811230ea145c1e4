import type { CallInfo, CallMedia } from '@mpi/protocol';

export interface NewCall {
  id: string;
  chatId: string;
  callerId: string;
  calleeId: string;
  media: CallMedia;
  callerSocket: string;
}

/** A call with the sockets of its parties (never sent to clients) and how it ended. */
export interface CallState extends CallInfo {
  callerSocket: string;
  calleeSocket: string | null;
  endedAt: string | null;
  endReason: string | null;
}

/** 1:1 calls' signalling state (table `calls`), shared by every node. */
export interface CallStorage {
  /** Starts ringing unless either user is in a call that has not ended (`busy`); `taken` when the id is used. */
  startCall(call: NewCall): Promise<{ call: CallState } | { refused: 'busy' | 'taken' }>;
  getCall(id: string): Promise<CallState | undefined>;
  /** Ringing → active on the callee's socket; undefined when it no longer rings (answered, ended). */
  acceptCall(id: string, calleeId: string, socketId: string): Promise<CallState | undefined>;
  /**
   * Ends a call that has not ended (with `onlyIfRinging`, only one still ringing) and returns it as it
   * was; undefined when it had ended (or been answered) already.
   */
  endCall(id: string, reason: string, onlyIfRinging?: boolean): Promise<CallState | undefined>;
  /** The calls not ended that this socket is a party of (for its disconnect). */
  callsOfSocket(socketId: string): Promise<CallState[]>;
}
