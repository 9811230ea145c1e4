import { Histogram } from '../util/histogram.js';
import type { ChatSide } from './chat-side.js';

/** One message sent in a run, and what came back for it. */
export interface SentMessage {
  sender: ChatSide;
  sentAt: number;
  recvCount: number;
  deliveredCount: number;
  acked: boolean;
  settled: boolean;
}

/** The messages and measurements of one run of sends over the chat pairs (W2, W4, the load test). */
export class ChatRun {
  /** By client message id. */
  readonly records = new Map<string, SentMessage>();
  /** By the server's message id, once acknowledged. */
  readonly byMessageId = new Map<string, SentMessage>();
  /** message_delivered that overtook its send_message ack. */
  readonly early = new Map<string, number>();
  readonly ackLatency = new Histogram();
  readonly recvLatency = new Histogram();
  readonly deliveredLatency = new Histogram();
  sent = 0;
  settled = 0;
  acked = 0;
  received = 0;
  delivered = 0;
  duplicates = 0;
  deliveredDuplicates = 0;
  unknown = 0;
  queued = 0;
  live = 0;
  firstSendAt = Number.NaN;
  lastSendAt = Number.NaN;
  lastRecvAt = Number.NaN;
  lastDeliveredAt = Number.NaN;
  sendingDone = false;
  /** Called after every event that may complete the run. */
  onProgress: () => void = () => {};

  constructor(readonly tag: string) {}
}
