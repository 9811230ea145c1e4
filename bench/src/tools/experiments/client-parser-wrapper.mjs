/** socket.io-client with socket.io-msgpack-parser as every connection's parser (see client-parser.mjs). */
import { createRequire } from 'node:module';
import { io as realIo } from 'socket.io-client';

export * from 'socket.io-client';

const parser = createRequire(import.meta.url)('socket.io-msgpack-parser');

export function io(uri, opts) {
  return typeof uri === 'object' ? realIo({ ...uri, parser }) : realIo(uri, { ...opts, parser });
}
