/**
 * Experiment, not production code: preloaded into the load generators
 * (`--generator-node-args=--import=<this file>`), it makes every `io()` of socket.io-client use
 * socket.io-msgpack-parser, to match a server started with socket-options.mjs and
 * MPI_EXPERIMENT_PARSER=msgpack.
 */
import { register } from 'node:module';

register('./client-parser-hooks.mjs', import.meta.url);
