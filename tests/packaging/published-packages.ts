import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// From the repository root (Vitest's root).
export const ROOT = resolve(process.cwd());

/** The packages meant for npm, in build order. */
export const PUBLISHED = [
  { name: '@mpi/protocol', dir: 'packages/protocol' },
  { name: '@mpi/client', dir: 'packages/client' },
  { name: '@mpi/react', dir: 'packages/react' },
] as const;

export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  sideEffects?: boolean;
  exports: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export function packageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as PackageJson;
}

/** `npm run build` of the published packages (tsc, a few seconds). */
export function buildPublished(): void {
  for (const { name } of PUBLISHED) {
    execFileSync('npm', ['run', 'build', '-w', name], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  }
}

/** The files `npm pack` would put in the tarball (without running prepack: dist is built already). */
export function packedFiles(dir: string): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: join(ROOT, dir),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [report] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return (report?.files ?? []).map((file) => file.path);
}

/** Every file an `exports` map points at outside the monorepo-only `source` condition. */
export function exportTargets(pkg: PackageJson): string[] {
  const targets: string[] = [];
  for (const entry of Object.values(pkg.exports)) {
    if (typeof entry === 'string') targets.push(entry);
    else
      for (const [condition, target] of Object.entries(entry))
        if (condition !== 'source') targets.push(target);
  }
  return targets.map((target) => target.replace(/^\.\//, ''));
}
