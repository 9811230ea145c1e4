import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { ChatSnapshot, ConnectionState, ConnectionStatus, OutboxEntry } from '@mpi/client';
import type { AckOf } from '@mpi/protocol';
import type { NetworkNamespace } from './network-namespace.js';

/** What the parent can ask of the SDK in the child process (remote-sdk-main.ts); each resolves with its answer. */
export interface RemoteCalls {
  /** connect() + setupUser(userId, { name: userId }). */
  setupUser(userId: string): AckOf<'setup_user'>;
  openDm(userId: string): AckOf<'open_dm'>;
  joinChat(chatId: string): AckOf<'join_chat'>;
  /** Resolves with the final ack, however many reconnects it takes. */
  sendMessage(chatId: string, text: string, clientMessageId: string): AckOf<'send_message'>;
  startTyping(chatId: string): null;
  snapshot(chatId: string): ChatSnapshot;
  outbox(): OutboxEntry[];
  status(): ConnectionStatus;
}

export type RemoteCall = {
  [M in keyof RemoteCalls]: { id: number; method: M; args: Parameters<RemoteCalls[M]> };
}[keyof RemoteCalls];

export interface StateChange {
  state: ConnectionState;
  reason?: string;
  /** Epoch ms in the child (same machine, same clock). */
  at: number;
}

/** Lines the child writes on stdout. */
export type RemoteReport =
  | { ready: true }
  | { id: number; result: unknown }
  | { id: number; error: string }
  | { state: StateChange };

/** The variables the child reads. */
export interface RemoteEnv {
  MPI_URL: string;
  MPI_TOKEN: string;
}

const MAIN = resolve(process.cwd(), 'tests/support/remote-sdk-main.ts');
const CALL_TIMEOUT_MS = 30_000;

/**
 * The real SDK (`createSocketService` with its default options) in a Node process of its own, run inside
 * a network namespace, driven over stdin/stdout (one JSON line per call, answer or state change).
 */
export class RemoteSdk {
  readonly states: StateChange[] = [];
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  #nextId = 0;
  #output = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
  }

  /** Starts the child in `ns`, connecting to `url` with `token`; resolves once its SDK exists. */
  static async start(ns: NetworkNamespace, url: string, token: string): Promise<RemoteSdk> {
    const env: RemoteEnv = { MPI_URL: url, MPI_TOKEN: token };
    const child = ns.spawn(process.execPath, ['--conditions=source', '--import', 'tsx', MAIN], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const remote = new RemoteSdk(child);
    child.stderr?.on('data', (chunk) => {
      remote.#output += chunk;
    });
    const ready = new Promise<void>((done, fail) => {
      child.once('exit', (code) => fail(new Error(`remote SDK exited with ${code}:\n${remote.#output}`)));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const report = JSON.parse(line) as RemoteReport;
        if ('ready' in report) done();
        else remote.#receive(report);
      });
    });
    child.once('exit', () => {
      for (const { reject } of remote.#pending.values())
        reject(new Error(`remote SDK exited:\n${remote.#output}`));
      remote.#pending.clear();
    });
    await ready;
    return remote;
  }

  call<M extends keyof RemoteCalls>(
    method: M,
    ...args: Parameters<RemoteCalls[M]>
  ): Promise<ReturnType<RemoteCalls[M]>> {
    const id = ++this.#nextId;
    const message = { id, method, args } as RemoteCall;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`remote ${method} had no answer within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as ReturnType<RemoteCalls[M]>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#child.stdin?.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** The first change to `state` at or after `since` (epoch ms). */
  stateSince(state: ConnectionState, since: number): StateChange | undefined {
    return this.states.find((change) => change.state === state && change.at >= since);
  }

  /** Ends the child (stdin closed: it destroys its service and exits; SIGKILL after 3 s). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }

  #receive(report: Exclude<RemoteReport, { ready: true }>): void {
    if ('state' in report) {
      this.states.push(report.state);
      return;
    }
    const waiter = this.#pending.get(report.id);
    this.#pending.delete(report.id);
    if ('error' in report) waiter?.reject(new Error(report.error));
    else waiter?.resolve(report.result);
  }
}
