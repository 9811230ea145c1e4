import { ChatPairs } from './chat-pairs.js';
import { ChatWorkload } from './chat-workload.js';
import { ConnectWorkload } from './connect-workload.js';
import { FanoutWorkload } from './fanout-workload.js';
import { GeneratorCore } from './generator-core.js';
import {
  type CallMessage,
  GENERATOR_CLIENT_ENV,
  type GeneratorMessage,
  type GeneratorMethods,
} from './protocol.js';
import { StormWorkload } from './storm-workload.js';

// Entry of a load-generator process (forked by the harness or the load-test CLI). It answers calls over
// IPC, reports counters every 250 ms, and exits when its parent goes away.

const core = new GeneratorCore(process.env[GENERATOR_CLIENT_ENV] === 'socket.io' ? 'socket.io' : 'raw');
const fanout = new FanoutWorkload(core);
const connections = new ConnectWorkload(core, fanout);
const chat = new ChatPairs(core);
const chatRuns = new ChatWorkload(core, chat);
const storm = new StormWorkload(core, chat);

function send(message: GeneratorMessage): void {
  if (process.connected) process.send?.(message);
}

type Handlers = {
  [M in keyof GeneratorMethods]: (
    params: Parameters<GeneratorMethods[M]>[0],
  ) => ReturnType<GeneratorMethods[M]> | Promise<ReturnType<GeneratorMethods[M]>>;
};

const methods: Handlers = {
  connect: (p) => connections.connect(p),
  chatPrepare: (p) => chat.prepare(p),
  chatRun: (p) => chatRuns.run(p),
  stormWarmup: (p) => storm.warmup(p),
  stormDisconnect: () => storm.disconnect(),
  stormSend: (p) => storm.send(p),
  stormReconnect: (p) => storm.reconnect(p),
  fanoutCollect: (p) => fanout.collect(p),
  closeAll: () => {
    const closed = core.closeAll();
    chat.clear();
    return closed;
  },
};

process.on('message', (message: CallMessage) => {
  if (message?.kind !== 'call') return;
  const method = methods[message.method] as (params: never) => unknown;
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
  const snapshot = JSON.stringify(core.counters);
  if (snapshot === last) return;
  last = snapshot;
  send({ kind: 'progress', counters: { ...core.counters } });
}, 250).unref();

// The harness is gone (finished, crashed or killed): close everything and leave.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

send({ kind: 'ready', pid: process.pid });
