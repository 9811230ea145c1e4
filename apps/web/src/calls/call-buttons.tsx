import type { CallRecord } from '@mpi/protocol';
import { duration } from '../attachments/attachment-format.js';
import { useCalls } from './call-context.js';

/** Voice and video call buttons of a DM's header. */
export function CallButtons({ chatId }: { chatId: string }) {
  const calls = useCalls();
  const busy = calls.view !== null;
  return (
    <div className="call-buttons">
      <button
        type="button"
        disabled={busy}
        onClick={() => void calls.start(chatId, 'audio')}
        aria-label="Voice call"
      >
        📞
      </button>
      <button
        type="button"
        disabled={busy}
        onClick={() => void calls.start(chatId, 'video')}
        aria-label="Video call"
      >
        🎥
      </button>
    </div>
  );
}

/** A call in the history: "Missed call", "Declined call", "Video call · 3:05". */
export function callText(call: CallRecord, own: boolean): string {
  const kind = call.media === 'video' ? 'Video call' : 'Voice call';
  if (call.outcome === 'missed') return own ? `${kind}, no answer` : `Missed ${kind.toLowerCase()}`;
  if (call.outcome === 'declined') return `Declined ${kind.toLowerCase()}`;
  return `${kind} · ${duration(call.durationMs ?? 0)}`;
}

export function CallEntry({ call, own }: { call: CallRecord; own: boolean }) {
  return (
    <span className="call-entry" data-outcome={call.outcome}>
      {call.media === 'video' ? '🎥 ' : '📞 '}
      {callText(call, own)}
    </span>
  );
}
