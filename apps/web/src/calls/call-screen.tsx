import { useEffect, useRef, useState } from 'react';
import { useCalls } from './call-context.js';

function Video({ stream, muted, label }: { stream: MediaStream | null; muted: boolean; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.srcObject = stream;
  }, [stream]);
  return (
    <video
      ref={ref}
      className={`call-video ${label}`}
      autoPlay
      playsInline
      muted={muted}
      aria-label={label}
    />
  );
}

/** Bytes received per kind, read from the peer connection every half second (shown for diagnostics). */
function useInboundBytes(pc: RTCPeerConnection | null, active: boolean) {
  const [bytes, setBytes] = useState({ audio: 0, video: 0 });
  useEffect(() => {
    if (!pc || !active) return;
    const timer = setInterval(async () => {
      const totals = { audio: 0, video: 0 };
      for (const report of (await pc.getStats()).values()) {
        if (report.type === 'inbound-rtp' && (report.kind === 'audio' || report.kind === 'video')) {
          totals[report.kind as 'audio' | 'video'] += report.bytesReceived ?? 0;
        }
      }
      setBytes(totals);
    }, 500);
    return () => clearInterval(timer);
  }, [pc, active]);
  return bytes;
}

/** The incoming-call screen and the call itself: video, mute, camera off, hang up. */
export function CallScreen({ me }: { me: string }) {
  const { view, notice, session, accept, decline, hangUp } = useCalls();
  const bytes = useInboundBytes(session?.peerConnection ?? null, view?.phase === 'active');
  if (!view)
    return notice ? (
      <p className="call-notice" role="status">
        {notice}
      </p>
    ) : null;
  const { call, phase } = view;
  const other = me === call.callerId ? call.calleeId : call.callerId;
  const video = call.media === 'video';
  return (
    <section
      className={`call-screen call-${phase}`}
      aria-label={phase === 'incoming' ? `Incoming call from ${other}` : `Call with ${other}`}
      data-call-id={call.id}
      data-connection-state={view.connectionState}
      data-inbound-audio={bytes.audio}
      data-inbound-video={bytes.video}
    >
      <h2 className="call-title">
        {phase === 'incoming' ? `${other} is calling…` : phase === 'outgoing' ? `Calling ${other}…` : other}
      </h2>
      <p className="call-kind">{video ? 'Video call' : 'Voice call'}</p>
      {phase !== 'incoming' && (
        <div className="call-videos">
          <Video stream={view.remoteStream} muted={false} label="remote" />
          {video && <Video stream={view.localStream} muted label="local" />}
        </div>
      )}
      <div className="call-actions">
        {phase === 'incoming' ? (
          <>
            <button type="button" className="call-accept" onClick={() => void accept()}>
              Accept
            </button>
            <button type="button" className="call-hangup" onClick={decline}>
              Decline
            </button>
          </>
        ) : (
          <>
            <button type="button" aria-pressed={view.muted} onClick={() => session?.toggleMute()}>
              {view.muted ? 'Unmute' : 'Mute'}
            </button>
            {video && (
              <button type="button" aria-pressed={view.cameraOff} onClick={() => session?.toggleCamera()}>
                {view.cameraOff ? 'Camera on' : 'Camera off'}
              </button>
            )}
            <button type="button" className="call-hangup" onClick={hangUp}>
              Hang up
            </button>
          </>
        )}
      </div>
    </section>
  );
}
