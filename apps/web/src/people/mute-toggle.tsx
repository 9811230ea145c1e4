import { useChatMute } from '@mpi/react';
import { BellIcon, BellOffIcon } from '../icons.js';

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
      {muted ? <BellOffIcon size={16} /> : <BellIcon />}
      <span className="mute-label">{muted ? 'Muted' : 'Mute'}</span>
    </button>
  );
}
