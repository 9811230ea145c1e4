import { LIMITS } from '@mpi/protocol';
import { useCallback, useEffect, useRef, useState } from 'react';

/** A finished recording, ready for `useFileUploads().send(blob, { name, voice })`. */
export interface VoiceRecording {
  blob: Blob;
  durationMs: number;
  /** Loudness over the recording, 0–255, at most 64 levels. */
  waveform: number[];
}

export interface UseVoiceRecorderResult {
  state: 'idle' | 'recording' | 'unsupported' | 'denied';
  /** Milliseconds recorded so far. */
  elapsedMs: number;
  start(): Promise<void>;
  /** Ends the recording and resolves with it (null when nothing was recorded). */
  stop(): Promise<VoiceRecording | null>;
  /** Ends the recording and throws it away. */
  discard(): void;
}

/** Opus in WebM (Chromium, Firefox) or in Ogg (Firefox, Safari 18.4+), whichever the browser records. */
const MIME_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm'];
const SAMPLE_MS = 50;

/** Averages the loudness samples into at most `levels` buckets, scaled so that the loudest is 255. */
function toWaveform(samples: readonly number[], levels: number = LIMITS.waveformMaxLevels): number[] {
  if (samples.length === 0) return [0];
  const size = Math.ceil(samples.length / levels);
  const buckets: number[] = [];
  for (let i = 0; i < samples.length; i += size) {
    const slice = samples.slice(i, i + size);
    buckets.push(slice.reduce((sum, value) => sum + value, 0) / slice.length);
  }
  const peak = Math.max(...buckets, 1e-6);
  return buckets.map((value) => Math.round((value / peak) * 255));
}

interface Session {
  recorder: MediaRecorder;
  stream: MediaStream;
  audio: AudioContext;
  chunks: Blob[];
  samples: number[];
  startedAt: number;
  timer: ReturnType<typeof setInterval>;
}

/**
 * Records a voice message from the microphone with MediaRecorder (Opus), sampling its loudness for the
 * waveform as it goes, and stops by itself after `maxMs` (the server's VOICE_MAX_SECONDS; default 5 min).
 */
export function useVoiceRecorder({ maxMs = 300_000 }: { maxMs?: number } = {}): UseVoiceRecorderResult {
  const supported =
    typeof MediaRecorder !== 'undefined' && typeof navigator !== 'undefined' && !!navigator.mediaDevices;
  const [state, setState] = useState<UseVoiceRecorderResult['state']>(supported ? 'idle' : 'unsupported');
  const [elapsedMs, setElapsedMs] = useState(0);
  const session = useRef<Session | null>(null);
  const stopRef = useRef<() => Promise<VoiceRecording | null>>(async () => null);

  const end = useCallback(
    (keep: boolean): Promise<VoiceRecording | null> => {
      const current = session.current;
      session.current = null;
      if (!current) return Promise.resolve(null);
      clearInterval(current.timer);
      setState('idle');
      setElapsedMs(0);
      const durationMs = Math.min(Date.now() - current.startedAt, maxMs);
      return new Promise((resolve) => {
        current.recorder.addEventListener(
          'stop',
          () => {
            for (const track of current.stream.getTracks()) track.stop();
            void current.audio.close();
            const type = current.recorder.mimeType || 'audio/webm';
            const blob = new Blob(current.chunks, { type });
            resolve(
              keep && blob.size > 0 ? { blob, durationMs, waveform: toWaveform(current.samples) } : null,
            );
          },
          { once: true },
        );
        current.recorder.stop();
      });
    },
    [maxMs],
  );

  const start = useCallback(async () => {
    if (!supported || session.current) return;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      setState('denied');
      return;
    }
    const mimeType = MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 512;
    audio.createMediaStreamSource(stream).connect(analyser);
    const buffer = new Float32Array(analyser.fftSize);
    const chunks: Blob[] = [];
    const samples: number[] = [];
    recorder.addEventListener('dataavailable', (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    });
    const startedAt = Date.now();
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(buffer);
      let sum = 0;
      for (const value of buffer) sum += value * value;
      samples.push(Math.sqrt(sum / buffer.length));
      const elapsed = Date.now() - startedAt;
      setElapsedMs(elapsed);
      if (elapsed >= maxMs) void stopRef.current();
    }, SAMPLE_MS);
    session.current = { recorder, stream, audio, chunks, samples, startedAt, timer };
    recorder.start(250);
    setState('recording');
  }, [supported, maxMs]);

  const stop = useCallback(() => end(true), [end]);
  stopRef.current = stop;
  const discard = useCallback(() => void end(false), [end]);
  useEffect(() => () => void end(false), [end]);
  return { state, elapsedMs, start, stop, discard };
}
