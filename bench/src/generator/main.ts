import { Engine } from './engine.js';
import type { CallMessage, GeneratorMessage, MethodName } from './protocol.js';

/**
 * Entry of a load-generator process (forked by the harness or the load-test CLI). It answers calls over
 * IPC, reports counters every 250 ms, and exits when its parent goes away.
 */

const engine = new Engine();

function send(message: GeneratorMessage): void {
  if (process.connected) process.send?.(message);
}

const methods: Record<MethodName, (params: never) => unknown> = {
  connect: (p) => engine.connect(p),
  chatPrepare: (p) => engine.chatPrepare(p),
  chatRun: (p) => engine.chatRun(p),
  stormWarmup: (p) => engine.stormWarmup(p),
  stormDisconnect: () => engine.stormDisconnect(),
  stormSend: (p) => engine.stormSend(p),
  stormReconnect: (p) => engine.stormReconnect(p),
  fanoutCollect: (p) => engine.fanoutCollect(p),
  closeAll: () => engine.closeAll(),
};

process.on('message', (message: CallMessage) => {
  if (message?.kind !== 'call') return;
  const method = methods[message.method];
  Promise.resolve()
    .then(() => method(message.params as never))
    .then(
      (value) => send({ kind: 'result', id: message.id, ok: true, value }),
      (error: unknown) =>
        send({
          kind: 'result',
          id: message.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    );
});

let last = '';
setInterval(() => {
  const snapshot = JSON.stringify(engine.counters);
  if (snapshot === last) return;
  last = snapshot;
  send({ kind: 'progress', counters: { ...engine.counters } });
}, 250).unref();

// The harness is gone (finished, crashed or killed): close everything and leave.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

send({ kind: 'ready', pid: process.pid });
