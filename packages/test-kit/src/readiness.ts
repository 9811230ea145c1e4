import { sleep } from './timing.js';

export interface Readiness {
  code: number;
  body: Record<string, unknown>;
}

/** One `/readyz` probe of a server. */
export async function readiness(url: string): Promise<Readiness> {
  const response = await fetch(`${url}/readyz`);
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Probes `/readyz` every 50 ms until `accept` holds; resolves with the milliseconds it took, or throws after
 * `timeoutMs`.
 */
export async function untilReady(
  url: string,
  accept: (probe: Readiness) => boolean = (probe) => probe.code === 200,
  timeoutMs = 5000,
): Promise<number> {
  const began = Date.now();
  for (;;) {
    const probe = await readiness(url).catch(() => null);
    if (probe && accept(probe)) return Date.now() - began;
    if (Date.now() - began > timeoutMs)
      throw new Error(`${url}/readyz not as expected within ${timeoutMs} ms`);
    await sleep(50);
  }
}
