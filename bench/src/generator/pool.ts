import type { ChildProcess } from 'node:child_process';
import { forkTracked, stopChild, TS_EXEC_ARGV } from '../util/processes.js';
import {
  type CallMessage,
  type Counters,
  emptyCounters,
  GENERATOR_CLIENT_ENV,
  type GeneratorClient,
  type GeneratorMessage,
  type GeneratorMethods,
  type MethodName,
} from './protocol.js';

const ENTRY = new URL('./main.ts', import.meta.url);

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** One load-generator process, seen from the harness. */
class Generator {
  private nextId = 1;
  private pending = new Map<number, Pending>();
  counters: Counters = emptyCounters();
  readonly ready: Promise<void>;
  private exitError: Error | undefined;

  constructor(
    readonly index: number,
    readonly child: ChildProcess,
  ) {
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`generator ${index} did not start within 30 s`)),
        30_000,
      );
      child.on('message', (message: GeneratorMessage) => {
        if (message.kind === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.kind === 'progress') {
          this.counters = message.counters;
        } else if (message.kind === 'result') {
          const pending = this.pending.get(message.id);
          if (!pending) return;
          this.pending.delete(message.id);
          if (message.ok) pending.resolve(message.value);
          else pending.reject(new Error(`generator ${index}: ${message.error}`));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.exitError = new Error(`generator ${index} exited (code ${code}, signal ${signal})`);
        reject(this.exitError);
        for (const pending of this.pending.values()) pending.reject(this.exitError);
        this.pending.clear();
      });
    });
    this.ready.catch(() => {});
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  call<M extends MethodName>(
    method: M,
    params: Parameters<GeneratorMethods[M]>[0],
  ): Promise<ReturnType<GeneratorMethods[M]>> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      const message: CallMessage = { kind: 'call', id, method, params };
      this.child.send(message);
    });
  }
}

/** A set of load-generator processes that run each phase together. */
export class GeneratorPool {
  private constructor(readonly generators: Generator[]) {}

  static async start(
    count: number,
    nodeArgs: string[] = [],
    client: GeneratorClient = 'raw',
  ): Promise<GeneratorPool> {
    const generators = Array.from(
      { length: count },
      (_, index) =>
        new Generator(
          index,
          forkTracked(ENTRY, {
            execArgv: [...TS_EXEC_ARGV, ...nodeArgs],
            stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            env: { ...process.env, NODE_ENV: 'production', [GENERATOR_CLIENT_ENV]: client },
          }),
        ),
    );
    const pool = new GeneratorPool(generators);
    try {
      await Promise.all(generators.map((g) => g.ready));
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.generators.length;
  }

  get pids(): Array<number | undefined> {
    return this.generators.map((g) => g.pid);
  }

  /** Calls a method on every generator with its own parameters, in parallel. */
  all<M extends MethodName>(
    method: M,
    paramsFor: (index: number) => Parameters<GeneratorMethods[M]>[0],
  ): Promise<Array<ReturnType<GeneratorMethods[M]>>> {
    return Promise.all(this.generators.map((g, index) => g.call(method, paramsFor(index))));
  }

  counters(): Counters {
    const total = emptyCounters();
    for (const g of this.generators) {
      for (const key of Object.keys(total) as Array<keyof Counters>) total[key] += g.counters[key];
    }
    return total;
  }

  async stop(): Promise<void> {
    await Promise.all(this.generators.map((g) => stopChild(g.child, 'SIGTERM', 3_000)));
  }
}

/** Splits items over `n` generators round-robin. */
export function split<T>(items: readonly T[], n: number): T[][] {
  const parts: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => {
    parts[i % n]?.push(item);
  });
  return parts;
}
