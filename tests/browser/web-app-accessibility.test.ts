import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  axeFindings,
  composer,
  eventually,
  HAS_CHROMIUM,
  messageStatus,
  openChat,
  screenshot,
  send,
  signIn,
  startDm,
} from './support.js';
import { webAppSuite } from './web-app-suite.js';

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 375, height: 812 },
] as const;

/**
 * axe-core (WCAG 2.2 A/AA) on every screen, at both sizes and in both colour schemes: no serious or
 * critical finding. Each screen is kept as a screenshot (test-results/screenshots).
 */
describe.skipIf(!HAS_CHROMIUM)(
  'web app accessibility (axe-core) in light and dark',
  { timeout: 120_000 },
  () => {
    const { contexts, postSigned } = webAppSuite();

    for (const scheme of ['light', 'dark'] as const) {
      it(`${scheme}: sign-in, chat list, chat (with a pending message), notification centre`, async () => {
        const pool = contexts();
        const findings: string[] = [];
        const check = async (page: Page, screen: string) => {
          await screenshot(page, `a11y-${scheme}-${screen}`);
          for (const finding of await axeFindings(page)) findings.push(`${screen}: ${finding}`);
        };
        const friend = await pool.page({ colorScheme: scheme });
        await signIn(friend, `a11y-friend-${scheme}`);

        for (const viewport of VIEWPORTS) {
          const page = await pool.page({
            width: viewport.width,
            height: viewport.height,
            colorScheme: scheme,
          });
          const user = `a11y-${scheme}-${viewport.name}`;
          await page.goto('/');
          await page.getByLabel('User id').waitFor();
          await check(page, `${viewport.name}-sign-in`);
          await signIn(page, user);

          await startDm(friend, user);
          await send(friend, 'Training is at 18:00, see https://example.org/plan');
          await postSigned('/api/v1/notifications', {
            type: 'system:update',
            payload: { message: 'New version: read receipts in group chats.' },
            audience: { users: [user] },
          });
          await page.locator('.toast').waitFor();
          await page.getByTestId('unread-badge').waitFor();
          await check(page, `${viewport.name}-chat-list`);

          await openChat(page, `a11y-friend-${scheme}`);
          await send(page, 'On my way');
          await eventually(() => messageStatus(page, 'On my way'), 'read');
          // A message waiting for the network: its dashed bubble and clock keep their contrast.
          await page.context().setOffline(true);
          await page.locator('.connection:not([data-state="connected"])').waitFor();
          await composer(page).fill('Sent while offline');
          await composer(page).press('Enter');
          await eventually(() => messageStatus(page, 'Sent while offline'), 'pending');
          await check(page, `${viewport.name}-chat`);
          await page.context().setOffline(false);
          await eventually(() => messageStatus(page, 'Sent while offline'), 'read', 20_000);

          await page.getByRole('link', { name: /Notifications/ }).click();
          await page.getByRole('heading', { name: 'Notifications' }).waitFor();
          await page.locator('.notification').first().waitFor();
          await check(page, `${viewport.name}-notifications`);
        }
        expect(findings).toEqual([]);
      });
    }
  },
);
