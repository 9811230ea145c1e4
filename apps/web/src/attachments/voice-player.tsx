import type { Attachment } from '@mpi/protocol';
import { useAttachmentUrl } from '@mpi/react';
import { useRef, useState } from 'react';
import { duration } from './attachment-format.js';

/** A voice message: play / pause, its waveform, and a scrubber over its length. */
export function VoicePlayer({ attachment }: { attachment: Attachment }) {
  const url = useAttachmentUrl(attachment.id);
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [positionMs, setPositionMs] = useState(0);
  const lengthMs = attachment.durationMs ?? 0;
  const waveform = attachment.waveform ?? [];
  const played = lengthMs > 0 ? positionMs / lengthMs : 0;

  const toggle = () => {
    const element = audio.current;
    if (!element) return;
    if (element.paused) void element.play();
    else element.pause();
  };
  return (
    <div className="voice" data-file-id={attachment.id} data-playing={playing || undefined}>
      <button
        type="button"
        className="voice-play"
        onClick={toggle}
        disabled={!url}
        aria-label={playing ? 'Pause voice message' : 'Play voice message'}
      >
        {playing ? '❚❚' : '▶'}
      </button>
      <div className="voice-track">
        <div className="voice-wave" aria-hidden="true">
          {waveform.map((level, i) => (
            <span
              // biome-ignore lint/suspicious/noArrayIndexKey: the levels are fixed, by position
              key={i}
              className={i / waveform.length < played ? 'played' : undefined}
              style={{ height: `${Math.max(8, (level / 255) * 100)}%` }}
            />
          ))}
        </div>
        <input
          type="range"
          className="voice-scrubber"
          aria-label="Position in the voice message"
          min={0}
          max={lengthMs}
          step={100}
          value={Math.min(positionMs, lengthMs)}
          onChange={(event) => {
            const ms = Number(event.target.value);
            setPositionMs(ms);
            if (audio.current) audio.current.currentTime = ms / 1000;
          }}
        />
      </div>
      <span className="voice-time">{duration(playing || positionMs > 0 ? positionMs : lengthMs)}</span>
      {url && (
        // biome-ignore lint/a11y/useMediaCaption: a voice note has no caption track to offer
        <audio
          ref={audio}
          src={url}
          preload="auto"
          onPlay={() => setPlaying(true)}
          onPause={() => setPlaying(false)}
          onEnded={() => {
            setPlaying(false);
            setPositionMs(0);
          }}
          onTimeUpdate={(event) => setPositionMs(event.currentTarget.currentTime * 1000)}
        />
      )}
    </div>
  );
}
