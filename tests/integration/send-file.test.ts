import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tusUploader } from '@mpi/client/files';
import { fileFromBuffer, fileFromPath } from '@mpi/client/node';
import { Cleanup, tempDir, waitFor } from '@mpi/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { online, sdk, startTestServer } from './helpers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('SocketService.sendFile in Node', () => {
  it('uploads a file from disk with progress, sends it, and the other user fetches it', async () => {
    const files = tempDir();
    cleanup.add(files, (f) => f.remove());
    const srv = cleanup.add(await startTestServer({ FILES_DIR: files.file('uploads') }), (s) => s.stop());
    const alice = sdk(cleanup, srv.url, srv.token, 'alice', { uploader: tusUploader });
    const bob = sdk(cleanup, srv.url, srv.token, 'bob', { uploader: tusUploader });
    await Promise.all([online(alice, 'alice'), online(bob, 'bob')]);
    const dm = await alice.openDm('bob');
    if (!dm.ok) throw new Error(dm.error.message);

    // 2.5 MiB of varied bytes: three 1 MiB chunks.
    const data = Buffer.from(Array.from({ length: 2.5 * 1024 * 1024 }, (_, i) => (i * 7919) % 251));
    const path = files.file('plan.pdf');
    writeFileSync(path, data);
    const progress: number[] = [];
    const ack = await alice.sendFile(dm.chat.id, fileFromPath(path, 'application/pdf'), {
      text: 'the plan',
      onProgress: (sent) => progress.push(sent),
    });
    if (!ack.ok) throw new Error(ack.error.message);
    expect(progress.at(-1)).toBe(data.length);
    expect(progress.length).toBeGreaterThan(2);
    expect(ack.message).toMatchObject({
      text: 'the plan',
      attachments: [{ name: 'plan.pdf', size: data.length, sha256: sha256(data) }],
    });

    await bob.chats.loadChats();
    await waitFor(() => bob.chats.getChatSnapshot(dm.chat.id).messages.length === 1, 5000, 'bob has it');
    const [received] = bob.chats.getChatSnapshot(dm.chat.id).messages;
    const id = received?.attachments?.[0]?.id ?? '';
    const fetched = await bob.fetchFile(id);
    if (!fetched.ok) throw new Error(fetched.error.message);
    expect(sha256(new Uint8Array(await fetched.blob.arrayBuffer()))).toBe(sha256(data));

    const refused = await alice.sendFile(
      dm.chat.id,
      fileFromBuffer(Buffer.from('MZ'), 'x.exe', 'application/x-msdownload'),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'FILE_TYPE_NOT_ALLOWED' } });
    const mallory = sdk(cleanup, srv.url, srv.token, 'mallory', { uploader: tusUploader });
    expect(await mallory.fetchFile(id)).toMatchObject({ ok: false, error: { code: 'NOT_A_MEMBER' } });
  });
});
