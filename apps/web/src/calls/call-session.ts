import type { SocketService } from '@mpi/client';
import type { CallInfo, CallSignalPayload, IceServer } from '@mpi/protocol';

type Signal = CallSignalPayload['signal'];

/** What the call screen shows; a new object on every change. */
export interface CallView {
  phase: 'outgoing' | 'incoming' | 'active';
  call: CallInfo;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  connectionState: RTCPeerConnectionState | 'new';
  muted: boolean;
  cameraOff: boolean;
}

/**
 * One call's WebRTC side: the peer connection, the local media and the signalling through the server.
 * The caller sends the offer once the call is answered; the callee answers it. ICE candidates that come
 * before the remote description wait for it.
 */
export class CallSession {
  view: CallView;
  readonly #pc: RTCPeerConnection;
  readonly #pending: RTCIceCandidateInit[] = [];
  #local: MediaStream | null = null;
  #closed = false;

  constructor(
    private readonly service: SocketService,
    call: CallInfo,
    iceServers: IceServer[],
    phase: CallView['phase'],
    private readonly changed: (view: CallView | null) => void,
  ) {
    this.view = {
      phase,
      call,
      localStream: null,
      remoteStream: null,
      connectionState: 'new',
      muted: false,
      cameraOff: false,
    };
    this.#pc = new RTCPeerConnection({ iceServers });
    this.#pc.onicecandidate = (event) => {
      if (!event.candidate) return;
      const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = event.candidate;
      void this.#signal({
        kind: 'candidate',
        candidate: { candidate, sdpMid, sdpMLineIndex, usernameFragment },
      });
    };
    this.#pc.ontrack = (event) =>
      this.#update({ remoteStream: event.streams[0] ?? new MediaStream([event.track]) });
    this.#pc.onconnectionstatechange = () => this.#update({ connectionState: this.#pc.connectionState });
  }

  get callId(): string {
    return this.view.call.id;
  }

  get peerConnection(): RTCPeerConnection {
    return this.#pc;
  }

  /** Camera and microphone, added to the connection (once). */
  async openMedia(): Promise<void> {
    if (this.#local) return;
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: this.view.call.media === 'video',
    });
    if (this.#closed) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    this.#local = stream;
    for (const track of stream.getTracks()) this.#pc.addTrack(track, stream);
    this.#update({ localStream: stream });
  }

  /** The caller, once answered: media, then the offer. */
  async answered(call: CallInfo): Promise<void> {
    this.#update({ phase: 'active', call });
    await this.openMedia();
    const offer = await this.#pc.createOffer();
    await this.#pc.setLocalDescription(offer);
    await this.#signal({ kind: 'offer', sdp: offer.sdp ?? '' });
  }

  /** The callee answered here. */
  accepted(call: CallInfo): void {
    this.#update({ phase: 'active', call });
  }

  async onSignal(signal: Signal): Promise<void> {
    if (signal.kind === 'candidate') {
      if (this.#pc.remoteDescription) await this.#pc.addIceCandidate(signal.candidate);
      else this.#pending.push(signal.candidate);
      return;
    }
    await this.#pc.setRemoteDescription({ type: signal.kind, sdp: signal.sdp });
    for (const candidate of this.#pending.splice(0)) await this.#pc.addIceCandidate(candidate);
    if (signal.kind === 'offer') {
      await this.openMedia();
      const answer = await this.#pc.createAnswer();
      await this.#pc.setLocalDescription(answer);
      await this.#signal({ kind: 'answer', sdp: answer.sdp ?? '' });
    }
  }

  toggleMute(): void {
    const muted = !this.view.muted;
    for (const track of this.#local?.getAudioTracks() ?? []) track.enabled = !muted;
    this.#update({ muted });
  }

  toggleCamera(): void {
    const cameraOff = !this.view.cameraOff;
    for (const track of this.#local?.getVideoTracks() ?? []) track.enabled = !cameraOff;
    this.#update({ cameraOff });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const track of this.#local?.getTracks() ?? []) track.stop();
    this.#pc.close();
    this.changed(null);
  }

  async #signal(signal: Signal): Promise<void> {
    await this.service.request('call_signal', { callId: this.callId, signal });
  }

  #update(change: Partial<CallView>): void {
    if (this.#closed) return;
    this.view = { ...this.view, ...change };
    this.changed(this.view);
  }
}
