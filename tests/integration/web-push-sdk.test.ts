import {
  disablePush,
  enablePush,
  type PushManagerLike,
  type PushSubscriptionLike,
} from '@mpi/client/browser';
import { Cleanup, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { type PushService, startPushService } from '../../packages/server/test/support/push-service.js';
import { online, sdk, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * A browser's PushManager, with the local push service as the browser's push service. Headless Chromium
 * refuses `PushManager.subscribe` (it has no push service), so this is the part of the browser the SDK's
 * Web Push helpers are tested against; the server, the SDK, the push service and the encryption are real.
 */
function browserPushManager(service: PushService, name: string) {
  let current: PushSubscriptionLike | null = null;
  const keysAsked: string[] = [];
  const manager: PushManagerLike = {
    async getSubscription() {
      return current;
    },
    async subscribe({ applicationServerKey }) {
      const key = Buffer.from(applicationServerKey, 'base64url');
      if (
        current &&
        Buffer.from(current.options?.applicationServerKey ?? new ArrayBuffer(0)).compare(key) !== 0
      ) {
        throw new Error('InvalidStateError: a subscription with another key exists');
      }
      keysAsked.push(applicationServerKey);
      if (current) return current;
      const json = service.subscribe(`${name}-${keysAsked.length}`);
      current = {
        endpoint: json.endpoint,
        options: { applicationServerKey: key.buffer.slice(key.byteOffset, key.byteOffset + key.byteLength) },
        toJSON: () => json,
        async unsubscribe() {
          current = null;
          return true;
        },
      };
      return current;
    },
  };
  return { manager, keysAsked, current: () => current };
}

describe('Web Push through the SDK (enablePush / disablePush)', () => {
  it('subscribes with the server key, registers the device, gets pushes once closed, and turns off', async () => {
    const push = cleanup.add(await startPushService(), (p) => p.stop());
    const srv = cleanup.add(
      await startTestServer({ WEB_PUSH_ENDPOINT_HOSTS: '127.0.0.1' }, { pushAgent: push.agent }),
      (s) => s.stop(),
    );
    const browser = browserPushManager(push, 'rosa-phone');
    const rosa = sdk(cleanup, srv.url, srv.token, 'rosa', { deviceId: 'rosa-phone' });
    await online(rosa, 'rosa');
    expect(await enablePush(rosa, browser.manager)).toEqual({ ok: true });
    const config = await rosa.request('get_push_config', {});
    expect(config.ok && browser.keysAsked).toEqual([config.ok ? config.publicKey : '']);
    // Again (another tab of the device): the same subscription, one row.
    expect(await enablePush(rosa, browser.manager)).toEqual({ ok: true });

    rosa.disconnect();
    await waitFor(() => srv.server.io.sockets.sockets.size === 0, 5000, 'rosa gone');
    const coach = sdk(cleanup, srv.url, srv.token, 'coach');
    await online(coach, 'coach');
    const dm = await coach.openDm('rosa');
    if (!dm.ok) throw new Error(dm.error.message);
    await coach.sendMessage(dm.chat.id, 'Training is on');
    await waitFor(() => push.received.length === 1, 5000, 'the push');
    expect(push.received[0]?.message).toMatchObject({ kind: 'message', message: { text: 'Training is on' } });

    // Turned off: the browser's subscription is gone and the server sends nothing more.
    rosa.connect();
    await waitFor(() => rosa.isReady(), 5000, 'rosa back');
    expect(await disablePush(rosa, browser.manager)).toEqual({ ok: true });
    expect(browser.current()).toBeNull();
    rosa.disconnect();
    await waitFor(() => srv.server.io.sockets.sockets.size === 1, 5000, 'rosa gone again');
    await coach.sendMessage(dm.chat.id, 'And tomorrow');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(push.received).toHaveLength(1);
    expect(push.refused).toEqual([]);
  });

  it('replaces a subscription made with another server key; says PUSH_DISABLED when push is off', async () => {
    const push = cleanup.add(await startPushService(), (p) => p.stop());
    const browser = browserPushManager(push, 'tom-laptop');
    // A first server (its own generated key) and then another: the subscription follows the new key.
    for (let round = 0; round < 2; round++) {
      const srv = await startTestServer({ WEB_PUSH_ENDPOINT_HOSTS: '127.0.0.1' }, { pushAgent: push.agent });
      try {
        const tom = sdk(cleanup, srv.url, srv.token, 'tom', { deviceId: 'tom-laptop' });
        await online(tom, 'tom');
        expect(await enablePush(tom, browser.manager)).toEqual({ ok: true });
        tom.destroy();
      } finally {
        await srv.stop();
      }
    }
    expect(browser.keysAsked).toHaveLength(2);
    expect(browser.keysAsked[0]).not.toBe(browser.keysAsked[1]);

    const off = cleanup.add(await startTestServer({ WEB_PUSH: 'false' }), (s) => s.stop());
    const ida = sdk(cleanup, off.url, off.token, 'ida');
    await online(ida, 'ida');
    const ack = await enablePush(ida, browserPushManager(push, 'ida').manager);
    expect(ack.ok ? 'ok' : ack.error.code).toBe('PUSH_DISABLED');
  });
});
