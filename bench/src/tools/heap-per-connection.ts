import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeneratorPool, split } from '../generator/pool.js';
import { type RunningTarget, startBaseline, startServer } from '../targets/targets.js';
import { sleep } from '../util/stats.js';
import { signAll, tokenSigner } from '../util/tokens.js';

// What a connection costs in retained memory, by object type: a heap snapshot of the target idle and one
// with N connections open (each set up), both for the bare baseline and the server. Heap snapshots count
// only live objects (garbage is not included), unlike RSS.
//
//   node --conditions=source --import tsx bench/src/tools/heap-per-connection.ts [connections=1000] [top=15]

const n = Number(process.argv[2] ?? 1_000);
const top = Number(process.argv[3] ?? 15);
const secret = 'mpi-bench-secret-0123456789abcdef';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per "type:name" (constructor name for objects, "closure" for functions…). */
async function summarise(file: string): Promise<Map<string, { size: number; count: number }>> {
  const snap = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType] as number] ?? '?';
    const rawName = snap.strings[snap.nodes[i + iName] as number] ?? '';
    const name =
      type === 'object' || type === 'closure'
        ? rawName
        : type === 'string' || type === 'concatenated string' || type === 'sliced string'
          ? ''
          : rawName.slice(0, 40);
    const key = `${type}${name ? `: ${name}` : ''}`;
    const entry = out.get(key) ?? { size: 0, count: 0 };
    entry.size += snap.nodes[i + iSize] as number;
    entry.count += 1;
    out.set(key, entry);
  }
  return out;
}

async function snapshot(target: RunningTarget, dir: string): Promise<string> {
  const before = new Set(await readdir(dir));
  process.kill(target.pids[0] as number, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await sleep(200);
    const added = (await readdir(dir)).filter((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    // The file is complete once its size stops changing.
    if (added[0]) {
      const file = join(dir, added[0]);
      let last = -1;
      for (;;) {
        const size = (await import('node:fs')).statSync(file).size;
        if (size === last && size > 0) return file;
        last = size;
        await sleep(500);
      }
    }
  }
  throw new Error('no heap snapshot was written');
}

async function measure(kind: 'baseline' | 'server'): Promise<Map<string, { size: number; count: number }>> {
  const dir = await mkdtemp(join(tmpdir(), `mpi-heap-${kind}-`));
  const nodeArgs = ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];
  const target =
    kind === 'baseline'
      ? await startBaseline(nodeArgs)
      : await startServer({
          jwtSecret: secret,
          nodes: 1,
          nodeArgs,
          env: { NOTIFY_SIGNING_SECRETS: 'z'.repeat(40) },
        });
  const pool = await GeneratorPool.start(2);
  try {
    const users = Array.from({ length: n }, (_, i) => `heap${i}`);
    const tokens = await signAll(tokenSigner(secret), users);
    const clients = users.map((userId) => ({
      userId,
      deviceId: `${userId}.d`,
      token: tokens.get(userId) as string,
      url: target.urls[0] as string,
    }));
    // Warm up the code paths with a few connections first, so that the difference is the connections.
    const parts = split(clients, 2);
    await pool.all('connect', (i) => ({
      clients: (parts[i] ?? []).slice(0, 20),
      concurrency: 20,
      timeoutMs: 30_000,
    }));
    await sleep(500);
    const idle = await summarise(await snapshot(target, dir));
    const results = await pool.all('connect', (i) => ({
      clients: (parts[i] ?? []).slice(20),
      concurrency: 50,
      timeoutMs: 30_000,
    }));
    const opened = results.reduce((a, r) => a + r.connected, 0);
    await sleep(1_000);
    const busy = await summarise(await snapshot(target, dir));
    const diff = new Map<string, { size: number; count: number }>();
    for (const [key, b] of busy) {
      const a = idle.get(key) ?? { size: 0, count: 0 };
      diff.set(key, { size: (b.size - a.size) / opened, count: (b.count - a.count) / opened });
    }
    return diff;
  } finally {
    await pool.all('closeAll', () => ({})).catch(() => []);
    await target.stop();
    await pool.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const rows: string[] = [];
for (const kind of ['baseline', 'server'] as const) {
  const diff = await measure(kind);
  const total = [...diff.values()].reduce((a, d) => a + d.size, 0);
  rows.push(
    `\n${kind}: ${(total / 1024).toFixed(1)} KiB of live JS heap per connection (${n - 40} connections), largest:`,
  );
  for (const [key, d] of [...diff].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    rows.push(`  ${(d.size / 1024).toFixed(2).padStart(7)} KiB  ${d.count.toFixed(1).padStart(6)} ×  ${key}`);
  }
}
console.log(rows.join('\n'));
