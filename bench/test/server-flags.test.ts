import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../src/targets/targets.js';

describe('the benchmarked server', () => {
  it('runs with the Node flags that npm start gives the server', async () => {
    const rootPackage = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    const start: string = rootPackage.scripts.start;
    const flags = start.slice(
      start.indexOf('node ') + 'node '.length,
      start.indexOf('packages/server/dist/main.js'),
    );
    expect(flags.trim().split(/\s+/)).toEqual(SERVER_NODE_FLAGS);
  });
});
