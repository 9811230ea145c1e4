// @vitest-environment jsdom
import { ConnectionState, createSocketService, type SocketService } from '@mpi/client';
import { type StartedServerProcess, startServerProcess } from '@mpi/test-kit';
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { type ReactNode, StrictMode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SocketProvider,
  useChatList,
  useChatMute,
  useMembers,
  usePresence,
  usePresenceSetting,
  useProfile,
} from '../src/index.js';

let t: StartedServerProcess;
const services: SocketService[] = [];
beforeAll(async () => {
  t = await startServerProcess();
});
afterEach(() => {
  cleanup();
  for (const service of services.splice(0)) service.destroy();
});
afterAll(async () => {
  await t.stop();
});

async function connected(userId: string, name?: string): Promise<SocketService> {
  const service = createSocketService({
    url: t.url,
    token: () => t.token(userId),
    deviceId: `${userId}-test`,
  });
  services.push(service);
  service.connect();
  await waitFor(() => expect(service.getState()).toBe(ConnectionState.CONNECTED));
  await service.setupUser(userId, name ? { name } : {});
  return service;
}

function wrapper(service: SocketService) {
  return ({ children }: { children: ReactNode }) => (
    <StrictMode>
      <SocketProvider service={service}>{children}</SocketProvider>
    </StrictMode>
  );
}

describe('the people hooks against a real server', () => {
  it('useProfile, usePresence and useMembers follow names and presence live', async () => {
    const lena = await connected('hook-lena', 'Lena');
    const max = await connected('hook-max', 'Max');
    const opened = await max.openDm('hook-lena');
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const { result } = renderHook(
      () => ({
        list: useChatList(),
        profile: useProfile('hook-max'),
        presence: usePresence('hook-max'),
        members: useMembers(chatId),
      }),
      { wrapper: wrapper(lena) },
    );
    await waitFor(() => expect(result.current.profile).toEqual({ id: 'hook-max', name: 'Max' }));
    await waitFor(() => expect(result.current.presence?.online).toBe(true));
    await waitFor(() =>
      expect(result.current.members.map((m) => [m.userId, m.profile?.name])).toEqual([
        ['hook-lena', 'Lena'],
        ['hook-max', 'Max'],
      ]),
    );

    await act(() => max.updateProfile({ name: 'Maximilian' }));
    await waitFor(() => expect(result.current.profile?.name).toBe('Maximilian'));
    act(() => max.disconnect());
    await waitFor(() =>
      expect(result.current.presence).toMatchObject({ online: false, lastSeenAt: expect.any(String) }),
    );
  });

  it('useChatMute and usePresenceSetting change the stored settings', async () => {
    const nora = await connected('hook-nora');
    const otto = await connected('hook-otto');
    const opened = await otto.openDm('hook-nora');
    if (!opened.ok) throw new Error(opened.error.message);
    const chatId = opened.chat.id;
    const { result } = renderHook(
      () => ({ list: useChatList(), mute: useChatMute(chatId), presence: usePresenceSetting() }),
      { wrapper: wrapper(nora) },
    );
    await waitFor(() => expect(result.current.list.map((c) => c.id)).toEqual([chatId]));
    expect(result.current.mute[0]).toBe(false);
    expect(result.current.presence[0]).toBe(false);

    await act(async () => {
      expect(await result.current.mute[1](true)).toMatchObject({ ok: true, muted: true });
    });
    expect(result.current.mute[0]).toBe(true);
    await act(async () => {
      expect(await result.current.presence[1](true)).toMatchObject({ ok: true });
    });
    expect(result.current.presence[0]).toBe(true);
    // Stored: a fresh list says so.
    const list = await nora.listChats();
    expect(list.ok && list.chats[0]?.muted).toBe(true);
  });
});
