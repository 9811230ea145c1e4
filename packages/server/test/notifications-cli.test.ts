import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliIo, main } from '../src/cli/send-notification.js';
import { verifySignature } from '../src/http/signature.js';
import { type NotifyServer, SECRET, settle, startNotifyServer } from './support/notifications.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

let t: NotifyServer;
beforeAll(async () => {
  t = await startNotifyServer();
});
afterAll(async () => {
  await t.stop();
});

function captureIo(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), fetch, now: Date.now };
}

describe('npm run notify', () => {
  it('signs and sends a system notice that connected users receive', async () => {
    const ops = await t.online('ops-watcher');
    const { stdout } = await run(
      'npm',
      [
        'run',
        '--silent',
        'notify',
        '--',
        '--url',
        t.url,
        '--secret',
        SECRET,
        '--type',
        'system:maintenance',
        '--message',
        'Planned maintenance tonight',
        '--everyone',
      ],
      { cwd: root, timeout: 30_000 },
    );
    expect(stdout).toMatch(/^201 Created/);
    await settle();
    expect(ops.received).toMatchObject([
      { event: 'system:maintenance', payload: { message: 'Planned maintenance tonight' } },
    ]);
  });

  it('sends item notifications and webhooks to users and groups', async () => {
    await t.call('PUT', '/api/v1/groups/team-cli/members', { members: ['cli-user'] });
    const user = await t.online('cli-user');
    const io = captureIo();
    const startsAt = new Date(Date.now() + 86_400_000).toISOString();
    const game = JSON.stringify({ id: 'cli-m1', title: 'Cup final', startsAt });
    const base = ['--url', t.url, '--secret', SECRET];
    expect(
      await main([...base, '--type', 'match:scheduled', '--payload', game, '--groups', 'team-cli'], {}, io),
    ).toBe(0);
    const webhook = ['--type', 'webhook:notification', '--source', 'ci', '--webhook-type', 'deploy'];
    expect(
      await main([...base, ...webhook, '--title', 'v2', '--message', 'live', '--users', 'cli-user'], {}, io),
    ).toBe(0);
    await settle();
    expect(user.received.map((r) => r.event)).toEqual(['match:scheduled', 'webhook:notification']);
    expect(user.received[1]?.payload).toEqual({ type: 'deploy', title: 'v2', message: 'live' });
  });

  it('reports usage errors and refusals with distinct exit codes', async () => {
    const io = captureIo();
    const base = ['--url', t.url, '--type', 'system:update', '--message', 'hi'];
    expect(await main([...base, '--secret', SECRET], {}, io)).toBe(2); // no audience
    expect(await main([...base, '--everyone'], {}, io)).toBe(2); // no secret
    expect(await main([...base, '--secret', SECRET, '--everyone', '--bogus'], {}, io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/exactly one audience[\s\S]*--secret is required[\s\S]*bogus/);
    expect(
      await main([...base, '--secret', 'wrong-secret-0123456789abcdef-0123', '--everyone'], {}, io),
    ).toBe(1);
    expect(io.errors.at(-1)).toMatch(/^401 .*SIGNATURE_INVALID/s);
    expect(await main(['--help'], {}, io)).toBe(0);
    expect(io.lines.at(-1)).toMatch(/npm run notify/);
  });

  it('prints a verifiable signed request with --dry-run, taking the secret from the environment', async () => {
    const io = captureIo();
    const argv = [
      '--type',
      'system:update',
      '--message',
      'hi',
      '--users',
      'a,b',
      '--dry-run',
      '--delivery-id',
      'd-1',
    ];
    expect(await main(argv, { NOTIFY_SIGNING_SECRETS: `${SECRET},other` }, io)).toBe(0);
    const printed = JSON.parse(io.lines[0] ?? '{}');
    expect(printed).toMatchObject({
      method: 'POST',
      url: 'http://127.0.0.1:4000/api/v1/notifications',
      headers: { 'x-mpi-delivery-id': 'd-1' },
      body: { type: 'system:update', payload: { message: 'hi' }, audience: { users: ['a', 'b'] } },
    });
    expect(() =>
      verifySignature(printed.headers, JSON.stringify(printed.body), [SECRET], Date.now()),
    ).not.toThrow();
  });
});
