// Command-line flags, each also settable by an environment variable (`--pairs 50` or `BENCH_PAIRS=50`);
// a flag wins over the variable. Defaults are sized for a 2-core machine.

export interface OptionSpec {
  /** Flag name without dashes; also the key in the parsed object. */
  name: string;
  kind: 'int' | 'number' | 'string' | 'list' | 'boolean';
  default: number | string | string[] | boolean | undefined;
  help: string;
}

type Parsed = Record<string, number | string | string[] | boolean | undefined>;

export class UsageError extends Error {}

const envName = (prefix: string, name: string) =>
  `${prefix}_${name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase()}`;

const flagName = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

function convert(spec: OptionSpec, raw: string, source: string): number | string | string[] | boolean {
  switch (spec.kind) {
    case 'int':
    case 'number': {
      const value = Number(raw.replace(/_/g, ''));
      if (!Number.isFinite(value) || value < 0 || (spec.kind === 'int' && !Number.isInteger(value))) {
        throw new UsageError(
          `${source} must be a non-negative ${spec.kind === 'int' ? 'integer' : 'number'}, got "${raw}"`,
        );
      }
      return value;
    }
    case 'list':
      return raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'boolean':
      if (['1', 'true', 'yes', ''].includes(raw)) return true;
      if (['0', 'false', 'no'].includes(raw)) return false;
      throw new UsageError(`${source} must be true or false, got "${raw}"`);
    default:
      return raw;
  }
}

export function parseOptions(
  specs: OptionSpec[],
  argv: string[],
  env: Record<string, string | undefined>,
  envPrefix: string,
): Parsed {
  const byFlag = new Map(specs.map((spec) => [flagName(spec.name), spec]));
  const parsed: Parsed = {};
  for (const spec of specs) {
    const fromEnv = env[envName(envPrefix, spec.name)];
    parsed[spec.name] =
      fromEnv !== undefined && fromEnv !== ''
        ? convert(spec, fromEnv, envName(envPrefix, spec.name))
        : spec.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const negated = flag.startsWith('no-') && byFlag.get(flag.slice(3))?.kind === 'boolean';
    const spec = byFlag.get(negated ? flag.slice(3) : flag);
    if (!spec) throw new UsageError(`unknown flag --${flag} (see --help)`);
    if (spec.kind === 'boolean') {
      parsed[spec.name] = negated ? false : inline === undefined ? true : convert(spec, inline, `--${flag}`);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${flag} needs a value`);
    parsed[spec.name] = convert(spec, value, `--${flag}`);
  }
  return parsed;
}

export function usage(title: string, specs: OptionSpec[], envPrefix: string): string {
  const rows = specs.map((spec) => {
    const flag = `--${flagName(spec.name)}${spec.kind === 'boolean' ? '' : ` <${spec.kind === 'list' ? 'a,b' : spec.kind}>`}`;
    const def =
      spec.default === undefined
        ? ''
        : ` (default: ${Array.isArray(spec.default) ? spec.default.join(',') : spec.default})`;
    return `  ${flag.padEnd(34)} ${spec.help}${def}\n  ${''.padEnd(34)} env ${envName(envPrefix, spec.name)}`;
  });
  return `${title}\n\nOptions:\n${rows.join('\n')}\n`;
}
