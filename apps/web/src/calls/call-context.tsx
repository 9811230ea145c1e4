import { createClientMessageId } from '@mpi/client';
import type { CallInfo, CallMedia, IceServer } from '@mpi/protocol';
import { useSocketService } from '@mpi/react';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { CallSession, type CallView } from './call-session.js';

interface Calls {
  view: CallView | null;
  /** Why the last attempt failed (busy, not reachable), shown until the next one. */
  notice: string | null;
  session: CallSession | null;
  start(chatId: string, media: CallMedia): Promise<void>;
  accept(): Promise<void>;
  decline(): void;
  hangUp(): void;
}

const CallsContext = createContext<Calls | null>(null);

/** The signed-in user's calls: one at a time, ringing, answered or going on, for the whole app. */
export function CallProvider({ children }: { children: ReactNode }) {
  const service = useSocketService();
  const [view, setView] = useState<CallView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const session = useRef<CallSession | null>(null);

  const open = useCallback(
    (call: CallInfo, iceServers: IceServer[], phase: CallView['phase']) => {
      session.current?.close();
      const created = new CallSession(service, call, iceServers, phase, setView);
      session.current = created;
      setView(created.view);
      return created;
    },
    [service],
  );

  useEffect(() => {
    const offs = [
      service.on('call_incoming', ({ call, iceServers }) => {
        // Already in a call: the server said busy to the caller before this could happen.
        if (session.current) return;
        open(call, iceServers, 'incoming');
      }),
      service.on('call_accepted', ({ call }) => {
        if (session.current?.callId === call.id) void session.current.answered(call);
      }),
      service.on('call_signal', ({ callId, signal }) => {
        if (session.current?.callId === callId) void session.current.onSignal(signal);
      }),
      service.on('call_ended', ({ callId, reason }) => {
        if (session.current?.callId !== callId) return;
        session.current.close();
        session.current = null;
        if (reason === 'declined') setNotice('Call declined.');
        else if (reason === 'timeout') setNotice('No answer.');
      }),
    ];
    return () => {
      for (const off of offs) off();
      session.current?.close();
      session.current = null;
    };
  }, [service, open]);

  const value = useMemo<Calls>(
    () => ({
      view,
      notice,
      session: session.current,
      async start(chatId, media) {
        setNotice(null);
        const ack = await service.request('call_start', { chatId, callId: createClientMessageId(), media });
        if (!ack.ok) {
          setNotice(ack.error.code === 'CALL_BUSY' ? 'Busy: already in a call.' : ack.error.message);
          return;
        }
        const created = open(ack.call, ack.iceServers, 'outgoing');
        await created.openMedia().catch(() => setNotice('No camera or microphone.'));
      },
      async accept() {
        const current = session.current;
        if (!current) return;
        await current.openMedia().catch(() => setNotice('No camera or microphone.'));
        const ack = await service.request('call_accept', { callId: current.callId });
        if (ack.ok) current.accepted(ack.call);
        else {
          current.close();
          session.current = null;
        }
      },
      decline() {
        const current = session.current;
        if (current) void service.request('call_decline', { callId: current.callId });
      },
      hangUp() {
        const current = session.current;
        if (current) void service.request('call_hangup', { callId: current.callId });
      },
    }),
    [service, view, notice, open],
  );
  return <CallsContext.Provider value={value}>{children}</CallsContext.Provider>;
}

export function useCalls(): Calls {
  const calls = useContext(CallsContext);
  if (!calls) throw new Error('useCalls() needs a <CallProvider>');
  return calls;
}
