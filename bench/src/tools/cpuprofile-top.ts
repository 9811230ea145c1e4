import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Summarises a V8 .cpuprofile (from `--server-node-args=--cpu-prof,--cpu-prof-dir=DIR`): the functions
// with the most self time, and the inclusive time of each source file group of the repository.
//
//   node --import tsx bench/src/tools/cpuprofile-top.ts DIR/CPU.….cpuprofile [top=25]

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const root = fileURLToPath(new URL('../../..', import.meta.url));
const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
if (!file) {
  console.error('usage: cpuprofile-top.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = profile.endTime - profile.startTime;

function where(n: Node): string {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  if (!url) return '(native)';
  const rel = url.startsWith(root) ? relative(root, url) : url;
  return rel.replace(/^node_modules\//, 'nm/');
}

function group(n: Node): string {
  const w = where(n);
  if (w === '(native)') return n.callFrame.functionName || '(native)';
  const nm = /nm\/((?:@[^/]+\/)?[^/]+)/.exec(w);
  if (nm) return `npm:${nm[1]}`;
  if (w.startsWith('node:')) return w.split('/')[0] ?? w;
  return w.replace(/\/[^/]+$/, '/');
}

const selfByFn = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id) as Node;
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}:${n.callFrame.lineNumber + 1}`;
  selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
}
const selfByGroup = new Map<string, number>();
for (const [id, us] of selfUs) {
  const key = group(byId.get(id) as Node);
  selfByGroup.set(key, (selfByGroup.get(key) ?? 0) + us);
}
// Inclusive time per repository source file: a sample counts once for every distinct file on its stack.
const inclusiveByFile = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const w = where(byId.get(cur) as Node);
    if (w.startsWith('packages/')) seen.add(w);
  }
  for (const w of seen) inclusiveByFile.set(w, (inclusiveByFile.get(w) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %`;
const print = (title: string, map: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(us)}  ${key}`);
};
console.log(`profile: ${(totalUs / 1e6).toFixed(1)} s`);
print('self time by package / folder', selfByGroup, top);
print('self time by function', selfByFn, top);
print('inclusive time by server source file', inclusiveByFile, top);
