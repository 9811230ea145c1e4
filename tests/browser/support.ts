import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WEB_DIR = join(ROOT, 'apps/web');
const WEB_DIST = join(WEB_DIR, 'dist');
const SCREENSHOT_DIR = join(ROOT, 'test-results/screenshots');

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH overrides. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
if (!HAS_CHROMIUM) {
  // CI installs Chromium (.ci/run); there a missing browser is a failure, not a reason to skip.
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM_PATH} is missing: install it with apt-get install -y chromium`);
  console.warn(
    `\n!!! ${CHROMIUM_PATH} is missing: the browser tests are SKIPPED (apt-get install -y chromium).\n`,
  );
}

/** What the web build depends on: the app and the workspace packages it bundles from source. */
const BUILD_INPUTS = [
  join(WEB_DIR, 'index.html'),
  join(WEB_DIR, 'vite.config.ts'),
  join(WEB_DIR, 'package.json'),
  join(WEB_DIR, 'src'),
  join(ROOT, 'packages/protocol/src'),
  join(ROOT, 'packages/client/src'),
  join(ROOT, 'packages/react/src'),
];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * Builds apps/web (`npm run build -w @mpi/web`, under a second with Vite 8) unless dist/index.html is
 * newer than every source it depends on. A lock directory keeps parallel test files from building at once.
 */
export async function ensureWebBuild(): Promise<string> {
  const lock = join(WEB_DIR, '.build-lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than two minutes belongs to a run that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000)
        rmSync(lock, { force: true, recursive: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for the web build lock');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const built = newestMtime(join(WEB_DIST, 'index.html'));
    const sources = Math.max(...BUILD_INPUTS.map(newestMtime));
    if (built === 0 || built < sources) {
      // NODE_ENV=production: Vite keeps an inherited NODE_ENV (Vitest sets "test"), which would bundle
      // React's development build.
      execFileSync('npm', ['run', 'build', '-w', '@mpi/web'], {
        cwd: ROOT,
        stdio: 'pipe',
        timeout: 120_000,
        env: { ...process.env, NODE_ENV: 'production' },
      });
    }
  } finally {
    rmSync(lock, { force: true, recursive: true });
  }
  return WEB_DIST;
}

/** `extraArgs`: more Chromium switches, e.g. a fake microphone for voice messages. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** Contexts opened by a test, closed by `closeContexts()` in afterEach. */
export class ContextPool {
  readonly #contexts: BrowserContext[] = [];
  readonly errors: string[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly baseURL: string,
  ) {}

  /** A fresh browser profile (own localStorage and IndexedDB) with one page. */
  /** `touch`: a phone's touch screen (no hover, taps). */
  async page(
    options: {
      width?: number;
      height?: number;
      debug?: boolean;
      touch?: boolean;
      colorScheme?: 'light' | 'dark';
      permissions?: string[];
    } = {},
  ): Promise<Page> {
    const context = await this.browser.newContext({
      baseURL: this.baseURL,
      viewport: { width: options.width ?? 1100, height: options.height ?? 720 },
      deviceScaleFactor: 1,
      reducedMotion: 'reduce',
      ...(options.touch && { hasTouch: true, isMobile: true }),
      colorScheme: options.colorScheme ?? 'light',
      permissions: options.permissions ?? [],
    });
    this.#contexts.push(context);
    if (options.debug) {
      await context.addInitScript({ content: "localStorage.setItem('websocket_debug', 'true');" });
    }
    const page = await context.newPage();
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
    return page;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.#contexts.splice(0).map((context) => context.close().catch(() => undefined)));
  }
}

/** Signs in on the sign-in screen and waits until the socket is connected. */
export async function signIn(page: Page, userId: string, name?: string): Promise<void> {
  if (!page.url().startsWith('http')) await page.goto('/');
  await page.getByLabel('User id').fill(userId);
  if (name) await page.getByLabel('Display name (optional)').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitConnected(page);
}

export async function waitConnected(page: Page, timeout = 10_000): Promise<void> {
  await page.locator('.connection[data-state="connected"]').waitFor({ timeout });
}

export function connectionState(page: Page): Promise<string | null> {
  return page.locator('.connection').getAttribute('data-state');
}

/**
 * Starts a DM from the chat list ("New message") and waits for the chat screen, titled with the other
 * user's display name (`title`) when they set one.
 */
export async function startDm(page: Page, otherUserId: string, title = otherUserId): Promise<string> {
  await page.getByRole('button', { name: 'New message' }).click();
  await page.getByLabel('User id').fill(otherUserId);
  await page.getByRole('button', { name: 'Start chat' }).click();
  await page.waitForURL(/\/chats\//);
  await page.getByRole('heading', { level: 2, name: title }).waitFor();
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
}

export async function createGroup(page: Page, name: string, members: string[]): Promise<string> {
  await page.getByRole('button', { name: 'New group' }).click();
  await page.getByLabel('Group name').fill(name);
  await page.getByLabel(/^Members/).fill(members.join(', '));
  await page.getByRole('button', { name: 'Create group' }).click();
  await page.waitForURL(/\/chats\//);
  await page.getByRole('heading', { level: 2, name }).waitFor();
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
}

/** Opens a chat from the chat list by its title. */
export async function openChat(page: Page, title: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Chats' })
    .getByRole('link', { name: new RegExp(title) })
    .click();
  await page.getByRole('heading', { level: 2, name: title }).waitFor();
}

export function composer(page: Page) {
  return page.getByRole('textbox', { name: /^Message to/ });
}

/** Types like a person (so the typing indicator fires) and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  await composer(page).pressSequentially(text, { delay: 5 });
  await composer(page).press('Enter');
}

/** The messages shown in the open chat: text and status, in screen order. */
export function messages(page: Page): Promise<Array<{ text: string; status: string; own: boolean }>> {
  return page.locator('.messages li.message').evaluateAll((items) =>
    items.map((item) => ({
      text: item.querySelector('.text')?.textContent ?? '',
      status: item.getAttribute('data-status') ?? '',
      own: item.classList.contains('own'),
    })),
  );
}

export function messageStatus(page: Page, text: string): Promise<string | null> {
  return page
    .locator('.messages li.message')
    .filter({ has: page.locator('.text', { hasText: new RegExp(`^${escapeRegExp(text)}$`) }) })
    .getAttribute('data-status', { timeout: 5000 });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Polls `read` until it equals `expected` (Vitest's expect.poll with a browser-friendly timeout). */
export async function eventually<T>(
  read: () => Promise<T> | T,
  expected: T,
  timeout = 10_000,
): Promise<void> {
  await expect.poll(read, { timeout, interval: 50 }).toEqual(expected);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}

/**
 * axe-core's WCAG 2.x A/AA checks on the page as it is now: one line per serious or critical finding
 * (rule, impact, the first offending elements). Evaluated through the DevTools protocol, which the app's
 * CSP (script-src 'self') does not govern.
 */
export async function axeFindings(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate<Array<{ id: string; impact: string | null; targets: string[] }>>(`
    axe
      .run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
        resultTypes: ['violations'],
      })
      .then((result) =>
        result.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          targets: v.nodes.slice(0, 3).map((node) => JSON.stringify(node.target)),
        })),
      )
  `);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(' ')}`);
}

/** The page scrolls sideways: something is wider than the window. */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');
}

/** The two boxes share any pixel. */
export function overlaps(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
