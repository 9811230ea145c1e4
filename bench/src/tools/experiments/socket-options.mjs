/**
 * Experiment, not production code: preloaded into the server (`--server-node-args=--import=<this file>`),
 * it changes the options the server gives Socket.IO, so the benchmark can measure them on and off:
 * - MPI_EXPERIMENT_DEFLATE_THRESHOLD=<bytes>: per-message compression (permessage-deflate) for frames of
 *   at least that many bytes (socket.io-client accepts it by default);
 * - MPI_EXPERIMENT_PLAIN_WS=1: Socket.IO's default `ws` server instead of the server's write-coalescing one;
 * - MPI_EXPERIMENT_PARSER=msgpack: socket.io-msgpack-parser instead of the JSON parser (the clients must
 *   use it too: preload client-parser.mjs into the generators).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const socketio = require('socket.io');
const threshold = process.env.MPI_EXPERIMENT_DEFLATE_THRESHOLD;
const parser =
  process.env.MPI_EXPERIMENT_PARSER === 'msgpack' ? require('socket.io-msgpack-parser') : undefined;

const plainWs = process.env.MPI_EXPERIMENT_PLAIN_WS === '1' ? require('ws').Server : undefined;

const Original = socketio.Server;
socketio.Server = class ExperimentServer extends Original {
  constructor(srv, opts = {}) {
    super(srv, {
      ...opts,
      ...(threshold !== undefined && { perMessageDeflate: { threshold: Number(threshold) } }),
      ...(parser && { parser }),
      ...(plainWs && { wsEngine: plainWs }),
    });
  }
};
