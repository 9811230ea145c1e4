import type { UseVoiceRecorderResult, VoiceRecording } from '@mpi/react';
import { useRef } from 'react';
import { duration } from './attachment-format.js';

/** The attach button (a file picker, several files at once) and the voice recorder's button. */
export function AttachControls({
  onFiles,
  recorder,
  onVoice,
}: {
  onFiles(files: File[]): void;
  recorder: UseVoiceRecorderResult;
  onVoice(recording: VoiceRecording): void;
}) {
  const picker = useRef<HTMLInputElement>(null);
  const recording = recorder.state === 'recording';
  return (
    <div className="attach-controls">
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        data-testid="file-input"
        onChange={(event) => {
          onFiles([...(event.target.files ?? [])]);
          event.target.value = '';
        }}
      />
      <button
        type="button"
        className="attach-button"
        onClick={() => picker.current?.click()}
        aria-label="Attach files"
      >
        📎
      </button>
      {recorder.state !== 'unsupported' && (
        <button
          type="button"
          className={`record-button${recording ? ' recording' : ''}`}
          aria-label={recording ? 'Stop and send voice message' : 'Record voice message'}
          aria-pressed={recording}
          onClick={async () => {
            if (!recording) return recorder.start();
            const done = await recorder.stop();
            if (done) onVoice(done);
          }}
        >
          {recording ? `■ ${duration(recorder.elapsedMs)}` : '🎤'}
        </button>
      )}
      {recording && (
        <button type="button" className="link-button" onClick={recorder.discard}>
          Discard
        </button>
      )}
      {recorder.state === 'denied' && <span className="upload-error">No microphone access.</span>}
    </div>
  );
}
