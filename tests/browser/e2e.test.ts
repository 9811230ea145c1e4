import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { databaseDump, publishedDevices } from '../../packages/server/test/support/inspect.js';
import { eventually, HAS_CHROMIUM, openChat, send, signIn, waitConnected } from './support.js';
import { webAppSuite } from './web-app-suite.js';

/** What this browser profile keeps in IndexedDB of its device key pair, and whether it can be exported. */
interface StoredKey {
  algorithm: string;
  extractable: boolean;
  usages: string[];
  exportRefused: boolean;
}

// Run in the page (the tests compile without the DOM library, hence a string).
const READ_STORED_KEYS = `(async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('mpi-realtime-keys');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const rows = await new Promise((resolve, reject) => {
    const all = db.transaction('device-keys', 'readonly').objectStore('device-keys').getAll();
    all.onsuccess = () => resolve(all.result);
    all.onerror = () => reject(all.error);
  });
  db.close();
  return Promise.all(rows.map(async ({ privateKey }) => ({
    algorithm: privateKey.algorithm.namedCurve,
    extractable: privateKey.extractable,
    usages: privateKey.usages,
    exportRefused: await crypto.subtle.exportKey('jwk', privateKey).then(() => false, () => true),
  })));
})()`;

function storedKeys(page: Page): Promise<StoredKey[]> {
  return page.evaluate(READ_STORED_KEYS) as Promise<StoredKey[]>;
}

describe.skipIf(!HAS_CHROMIUM)('end-to-end encrypted chats in a real browser', { timeout: 90_000 }, () => {
  const { server, contexts, texts } = webAppSuite();

  it('two users exchange an encrypted message; the key stays non-extractable in IndexedDB', async () => {
    const pool = contexts();
    const [alice, bob] = await Promise.all([pool.page(), pool.page()]);
    await Promise.all([signIn(alice, 'alice'), signIn(bob, 'bob')]);
    // Each profile published its device key once connected.
    for (const userId of ['alice', 'bob']) {
      await eventually(async () => (await publishedDevices(server().server.storage, userId)).length, 1);
    }

    await alice.getByRole('button', { name: 'New message' }).click();
    await alice.getByLabel('User id').fill('bob');
    await alice.getByLabel('End-to-end encrypted').check();
    await alice.getByRole('button', { name: 'Start chat' }).click();
    await alice.getByRole('heading', { level: 2, name: 'bob (end-to-end encrypted)' }).waitFor();
    await alice.getByTestId('e2e-banner').waitFor();

    const marker = `Secret-${Date.now()}`;
    await send(alice, `Door code: ${marker}`);
    await eventually(() => alice.locator('.messages li.message').getAttribute('data-status'), 'delivered');
    const row = bob.getByRole('navigation', { name: 'Chats' }).getByRole('link', { name: /alice/ });
    await row.locator('.encrypted-mark').waitFor();
    await openChat(bob, 'alice');
    await eventually(() => texts(bob), [`Door code: ${marker}`]);
    expect(await bob.locator('.messages li.message').getAttribute('data-encryption')).toBe('decrypted');
    await send(bob, 'Got it');
    await eventually(() => texts(alice), [`Door code: ${marker}`, 'Got it']);

    // The server stored ciphertext only.
    const dump = await databaseDump(server().server.storage);
    expect(dump).not.toContain(marker);
    expect(dump).not.toContain('Got it');

    // One key pair per profile, P-256, usable for derivation only and never exportable.
    for (const page of [alice, bob]) {
      expect(await storedKeys(page)).toEqual([
        { algorithm: 'P-256', extractable: false, usages: ['deriveBits'], exportRefused: true },
      ]);
    }

    // Both see the same safety code.
    const codes = await Promise.all(
      [
        [alice, 'bob'],
        [bob, 'alice'],
      ].map(async ([page, other]) => {
        const p = page as Page;
        await p.getByRole('button', { name: 'Verify safety codes' }).click();
        const code = p.getByTestId(`safety-code-${other as string}`);
        await code.filter({ hasText: /^\d{5}( \d{5}){11}$/ }).waitFor();
        return code.textContent();
      }),
    );
    expect(codes[0]).toBe(codes[1]);

    // The key survives a reload (IndexedDB): the history is readable again from the server's ciphertext.
    await alice.reload();
    await waitConnected(alice);
    await alice.getByRole('heading', { level: 2, name: 'bob (end-to-end encrypted)' }).waitFor();
    await eventually(() => texts(alice), [`Door code: ${marker}`, 'Got it']);
    expect(await storedKeys(alice)).toHaveLength(1);
  });
});
