import { type ChildProcess, type ForkOptions, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Every child process the harness starts is registered here, so that it is ended on every way out: normal
// completion, an error, Ctrl-C or SIGTERM. Children also watch their IPC channel and exit when the parent
// goes (see the entries), which covers a parent killed with SIGKILL.

const children = new Set<ChildProcess>();

/** Flags for a child that runs TypeScript sources of this repository. */
export const TS_EXEC_ARGV = ['--conditions=source', '--import', 'tsx'];

export function forkTracked(entry: URL, options: ForkOptions = {}): ChildProcess {
  const child = fork(fileURLToPath(entry), [], {
    execArgv: TS_EXEC_ARGV,
    serialization: 'advanced',
    ...options,
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends `signal`, then SIGKILL after `graceMs`; resolves once the child has exited. */
export function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5_000,
): Promise<void> {
  if (exited(child)) {
    children.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      children.delete(child);
      resolve();
    });
    child.kill(signal);
  });
}

export async function stopAll(graceMs = 3_000): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, 'SIGTERM', graceMs)));
}

/** Synchronous last resort for process 'exit': SIGKILL whatever is still running. */
function killAllNow(): void {
  for (const child of children) {
    if (!exited(child)) child.kill('SIGKILL');
  }
  children.clear();
}

let installed = false;

/**
 * For command-line entry points: on Ctrl-C, SIGTERM or an unhandled error, stop every child and exit.
 * A second Ctrl-C kills them at once.
 */
export function installExitHandlers(onSignal?: (signal: string) => void): void {
  if (installed) return;
  installed = true;
  let stopping = false;
  const bail = (code: number, why: string) => {
    onSignal?.(why);
    if (stopping) {
      killAllNow();
      process.exit(code);
    }
    stopping = true;
    stopAll(2_000).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => bail(130, 'SIGINT'));
  process.on('SIGTERM', () => bail(143, 'SIGTERM'));
  process.on('uncaughtException', (error) => {
    console.error(error);
    bail(1, 'uncaught exception');
  });
  process.on('unhandledRejection', (error) => {
    console.error(error);
    bail(1, 'unhandled rejection');
  });
  process.on('exit', killAllNow);
}
