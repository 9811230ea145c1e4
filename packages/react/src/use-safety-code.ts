import type { ErrorBody } from '@mpi/protocol';
import { useEffect, useState } from 'react';
import { useSocketService } from './context.js';
import { useSocket } from './use-socket.js';

export interface UseSafetyCodeResult {
  /** 12 groups of 5 digits; null while loading or after an error. */
  safetyCode: string | null;
  error: ErrorBody | null;
}

/**
 * The safety code of the current user and `userId` in the encrypted chat `chatId` (see
 * `SocketService#getSafetyCode`), fetched once connected and again when either id changes.
 */
export function useSafetyCode(chatId: string, userId: string): UseSafetyCodeResult {
  const service = useSocketService();
  const { isConnected } = useSocket({ pingIntervalMs: 0 });
  const [result, setResult] = useState<UseSafetyCodeResult>({ safetyCode: null, error: null });
  useEffect(() => {
    if (!isConnected) return;
    let current = true;
    setResult({ safetyCode: null, error: null });
    void service.getSafetyCode(chatId, userId).then((ack) => {
      if (!current) return;
      setResult(
        ack.ok ? { safetyCode: ack.safetyCode, error: null } : { safetyCode: null, error: ack.error },
      );
    });
    return () => {
      current = false;
    };
  }, [service, chatId, userId, isConnected]);
  return result;
}
