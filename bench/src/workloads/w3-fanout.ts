import { createHmac } from 'node:crypto';
import type { IngestNotificationInput, SIGNATURE_HEADERS } from '@mpi/protocol';
import { FANOUT_CHANNEL, FANOUT_EVENT } from '../generator/protocol.js';
import { Histogram } from '../util/histogram.js';
import { bar, fmt } from '../util/progress.js';
import { now, sleep } from '../util/stats.js';
import {
  clientSpecs,
  maxOf,
  mergeCounts,
  perGenerator,
  type ScenarioContext,
  type ScenarioOutcome,
  Skip,
  serverCpuSeconds,
  sum,
  watchProgress,
} from './common.js';

/**
 * The ingestion request, in one place, as `packages/server/src/http/signature.ts` and the protocol's
 * `ingestNotificationSchema` define it: JSON `{ type, payload, audience }`, signed with HMAC-SHA256 of
 * `"<timestamp>.<raw body>"` in `X-MPI-Signature: v1=<hex>`, `X-MPI-Timestamp` in Unix seconds, and a
 * unique `X-MPI-Delivery-Id`. The server gets the secret as NOTIFY_SIGNING_SECRETS. The baseline accepts
 * the same request without checking anything.
 *
 * The message carries the POST's start time and the notification's index (`t=<ms>;n=<i>;`), so that
 * subscribers can measure latency and count each notification without knowing the server's ids.
 */
const NOTIFICATIONS_PATH = '/api/v1/notifications';

type SignatureHeader = (typeof SIGNATURE_HEADERS)[keyof typeof SIGNATURE_HEADERS];

/** A signed request of the ingestion API with this JSON body. */
function signedRequest(body: string, secret: string, deliveryId: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-mpi-timestamp': timestamp,
      'x-mpi-signature': `v1=${signature}`,
      'x-mpi-delivery-id': deliveryId,
    } satisfies Record<'content-type' | SignatureHeader, string>,
  };
}

const notificationBody = (message: string) =>
  JSON.stringify({
    type: FANOUT_EVENT,
    payload: { message },
    audience: { everyone: true },
  } satisfies IngestNotificationInput);

/** Notification `index` of a run, its body padded to about `bytes`. */
function notificationRequest(index: number, bytes: number, secret: string, deliveryId: string) {
  const head = `t=${now().toFixed(3)};n=${index};`;
  const padding = Math.max(0, bytes - notificationBody(head).length);
  return signedRequest(notificationBody(head + 'x'.repeat(padding)), secret, deliveryId);
}

/**
 * One POST; the answer may take long when the target is overloaded (it comes once the notification is
 * stored, while the fan-out of earlier ones keeps the target busy): `timeoutMs` is the run's phase limit.
 */
async function post(url: string, request: ReturnType<typeof signedRequest>, timeoutMs = 10_000) {
  const response = await fetch(`${url}${NOTIFICATIONS_PATH}`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, text };
}

/**
 * Whether the target has the ingestion API: a probe notification, before anyone is connected.
 * 404 → not available; any other refusal is reported with its status.
 */
async function probeNotifications(ctx: ScenarioContext): Promise<void> {
  const url = ctx.target.urls[0] as string;
  // A message without the `t=…;n=…;` head: subscribers ignore it.
  const probe = await post(
    url,
    signedRequest(notificationBody('probe'), ctx.options.notifySecret, `${ctx.runId}.probe`),
  );
  if (probe.status === 404) {
    throw new Skip(
      `not available: POST ${NOTIFICATIONS_PATH} answered 404 (the ingestion API is not in the server yet)`,
    );
  }
  if (probe.status >= 300) {
    throw new Skip(
      `not available: POST ${NOTIFICATIONS_PATH} answered ${probe.status} ${probe.text.slice(0, 160)} (adjust notificationRequest() in bench/src/workloads/w3-fanout.ts to the API)`,
    );
  }
}

/** Starts `count` POSTs open loop, one every `intervalMs` (none waits for an earlier answer). */
async function postOpenLoop(
  count: number,
  intervalMs: number,
  start: (index: number) => Promise<void>,
): Promise<{ firstAt: number; lastAt: number; maxLateMs: number }> {
  const posts: Promise<void>[] = [];
  const firstAt = now();
  let lastAt = firstAt;
  let maxLateMs = 0;
  for (let i = 0; i < count; i++) {
    // Due times are absolute: a late start does not push the later ones back.
    const due = firstAt + i * intervalMs;
    const wait = due - now();
    if (wait >= 1) await sleep(wait);
    lastAt = now();
    maxLateMs = Math.max(maxLateMs, lastAt - due);
    posts.push(start(i));
  }
  await Promise.all(posts);
  return { firstAt, lastAt, maxLateMs };
}

/**
 * W3: S subscribers of one channel; N notifications of ~200 bytes POSTed to the ingestion API, open loop:
 * paced one POST every 100 ms, saturating one every 5 ms (`--w3-paced-interval`, `--w3-saturate-interval`).
 * Every subscriber must get each exactly once. Deliveries/s from the first POST to the last arrival;
 * latency from each POST's start to each arrival; server CPU of the measured phase ÷ deliveries. The
 * server answers a POST once the notification is stored, so a 2xx means it was persisted.
 */
export async function runFanout(ctx: ScenarioContext, mode: 'paced' | 'saturate'): Promise<ScenarioOutcome> {
  const { subscribers, notifications } = ctx.options;
  const intervalMs = mode === 'paced' ? ctx.options.w3PacedInterval : ctx.options.w3SaturateInterval;
  await probeNotifications(ctx);
  ctx.status(`W3 ${mode}: connecting ${subscribers} subscribers`);
  const specs = await clientSpecs(ctx, 'f', subscribers);
  const parts = perGenerator(ctx, specs);
  const stopConnect = watchProgress(ctx, (c) => `W3 subscribing ${fmt(c.connected)}/${fmt(subscribers)}`);
  const connected = await ctx.pool
    .all('connect', (i) => ({
      clients: parts[i] ?? [],
      concurrency: ctx.options.connectConcurrency,
      timeoutMs: ctx.timeoutMs,
      subscribe: [FANOUT_CHANNEL],
      expectNotifications: notifications,
    }))
    .finally(stopConnect);
  const subscribed = sum(connected.map((r) => r.connected));
  if (subscribed < subscribers)
    throw new Error(`W3: only ${subscribed} of ${subscribers} subscribers connected`);
  await sleep(300);

  const expected = subscribers * notifications;
  const stop = watchProgress(
    ctx,
    (c, rate) =>
      `W3 ${mode} ${bar(c.notifications / expected)} ${fmt(c.notifications)}/${fmt(expected)} · ${fmt(rate('notifications'))} deliveries/s`,
  );
  const end = ctx.watcher.begin();
  const url = ctx.target.urls[0] as string;
  let refused = 0;
  const statuses: Record<string, number> = {};
  const answered = new Histogram();
  const collecting = ctx.pool.all('fanoutCollect', () => ({ notifications, timeoutMs: ctx.timeoutMs }));
  const sending = await postOpenLoop(notifications, intervalMs, async (i) => {
    const request = notificationRequest(
      i,
      ctx.options.notificationBytes,
      ctx.options.notifySecret,
      `${ctx.runId}.n${i}`,
    );
    const startedAt = now();
    const result = await post(url, request, ctx.timeoutMs).catch((error: unknown) => ({
      status: 0,
      text:
        error instanceof Error
          ? `${error.name}: ${String((error.cause as Error | undefined)?.message ?? error.message)}`
          : String(error),
    }));
    answered.add(now() - startedAt);
    if (result.status < 200 || result.status >= 300) {
      refused++;
      const key = result.status === 0 ? `POST failed: ${result.text.slice(0, 80)}` : `POST ${result.status}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
  });
  const results = await collecting.finally(stop);
  const usage = end();
  const deliveries = sum(results.map((r) => r.deliveries));
  const latency = Histogram.from(...results.map((r) => r.latency));
  const errors = { ...statuses };
  const notes: string[] = [];
  if (refused > 0) notes.push(`${refused} of ${notifications} POSTs got no 2xx answer (not known stored)`);
  const offeredPostsPerSec =
    notifications > 1 ? (notifications - 1) / ((sending.lastAt - sending.firstAt) / 1000) : Number.NaN;
  if (offeredPostsPerSec < (1000 / intervalMs) * 0.95) {
    notes.push(
      `offered only ${offeredPostsPerSec.toFixed(1)} of ${(1000 / intervalMs).toFixed(1)} POSTs/s (a POST up to ${sending.maxLateMs.toFixed(0)} ms late): the harness could not keep the pace`,
    );
  }
  for (const r of results) mergeCounts(errors, r.errors);
  return {
    metrics: {
      deliveriesPerSec: deliveries / ((maxOf(results.map((r) => r.lastAt)) - sending.firstAt) / 1000),
      deliveries,
      serverCpuUsPerDelivery: (serverCpuSeconds(usage) * 1e6) / Math.max(1, deliveries),
      latencyP50Ms: latency.percentile(50),
      latencyP99Ms: latency.percentile(99),
      latencyMaxMs: latency.max,
      // POSTs started per second (the offered rate), stored (2xx), and POST → answer.
      offeredPostsPerSec,
      postLateMaxMs: sending.maxLateMs,
      accepted: notifications - refused,
      postP50Ms: answered.percentile(50),
      postP99Ms: answered.percentile(99),
    },
    missing: sum(results.map((r) => r.missing)),
    duplicates: sum(results.map((r) => r.duplicates + r.unknown)),
    errors,
    usage,
    notes,
  };
}
