import { useChatMute } from '@mpi/react';

/** Mute or unmute the chat for me (all my devices follow): it keeps counting unread, without alerts. */
export function MuteToggle({ chatId }: { chatId: string }) {
  const [muted, setMuted] = useChatMute(chatId);
  return (
    <button
      type="button"
      className="mute-toggle"
      aria-pressed={muted}
      title={
        muted ? 'Unmute: alert me about new messages again' : 'Mute: no alerts; mentions of me still notify'
      }
      onClick={() => void setMuted(!muted)}
    >
      {muted ? '🔕 Muted' : '🔔 Mute'}
    </button>
  );
}
