import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Attachment, UserDataExport } from '@mpi/protocol';
import { forEachDialect, tempDir } from '@mpi/test-kit';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, request, startTestServer, type TestServer } from './support/server.js';
import { statusOf, uploadFile } from './support/uploads.js';

const MAX_BYTES = 2_000_000;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const png = (width: number, height: number) =>
  // Noise, so that the PNG is as big as a photo and spans several chunks.
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .png()
    .toBuffer();
const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

forEachDialect('files and attachments on %s', (db) => {
  let t: TestServer;
  const files = tempDir();
  beforeAll(async () => {
    t = await startTestServer({
      DATABASE_URL: db.url(),
      FILES_DIR: files.path,
      FILE_MAX_BYTES: String(MAX_BYTES),
      FILE_ALLOWED_TYPES: 'image/*,application/pdf,audio/webm,text/html',
      VOICE_MAX_SECONDS: '60',
    });
  });
  afterAll(async () => {
    await t?.stop();
    files.remove();
  });

  async function dm(a: string, b: string) {
    const client = await t.connect(a);
    const opened = await request(client, 'open_dm', { userId: b });
    if (!opened.ok) throw new Error(opened.error.message);
    return { client, chat: opened.chat, token: await t.token(a) };
  }

  const download = async (id: string, userId: string | undefined, variant = '') =>
    fetch(`${t.url}/api/files/${id}${variant}`, {
      headers: userId ? { authorization: `Bearer ${await t.token(userId)}` } : {},
    });

  it('sends an image and a PDF; the other member receives their metadata and downloads them', async () => {
    const { client: alice, chat, token } = await dm('alice', 'bob');
    const bob = await t.connect('bob');
    const image = await png(640, 480);
    const up = await uploadFile(
      t.url,
      token,
      image,
      { chatId: chat.id, filename: 'match.png', filetype: 'image/png' },
      { chunkSize: 64 * 1024 },
    );
    expect(up.progress.at(-1)).toBe(image.length);
    expect(up.progress.length).toBeGreaterThan(1);
    const doc = await uploadFile(t.url, token, pdf, {
      chatId: chat.id,
      filename: 'training plan.pdf',
      filetype: 'application/pdf',
    });

    const received = nextEvent(bob, 'receive_message');
    const ack = await request(alice, 'send_message', {
      chatId: chat.id,
      text: '',
      clientMessageId: 'files-1',
      attachments: [up.id, doc.id],
    });
    if (!ack.ok) throw new Error(ack.error.message);
    const expected: Attachment[] = [
      {
        id: up.id,
        name: 'match.png',
        size: image.length,
        type: 'image/png',
        sha256: sha256(image),
        width: 640,
        height: 480,
        thumbnail: true,
      },
      {
        id: doc.id,
        name: 'training plan.pdf',
        size: pdf.length,
        type: 'application/pdf',
        sha256: sha256(pdf),
      },
    ];
    expect(ack.message.attachments).toEqual(expected);
    expect((await received).attachments).toEqual(expected);

    const history = await request(bob, 'get_history', { chatId: chat.id, limit: 10 });
    expect(history.ok && history.messages[0]?.attachments).toEqual(expected);
    const chats = await request(bob, 'list_chats', {});
    expect(chats.ok && chats.chats.find((c) => c.id === chat.id)?.lastMessage?.attachments).toEqual(expected);
    const range = await t.server.storage.chat.getMessageRange(chat.id, 0, 1);
    expect(range[0]?.attachments).toEqual(expected);

    const original = await download(up.id, 'bob');
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(original.headers.get('x-content-type-options')).toBe('nosniff');
    expect(original.headers.get('content-disposition')).toBe('inline; filename=match.png');
    expect(sha256(Buffer.from(await original.arrayBuffer()))).toBe(sha256(image));

    const thumbnail = await download(up.id, 'bob', '?variant=thumbnail');
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 240]);

    const plan = await download(doc.id, 'bob');
    expect(plan.headers.get('content-type')).toBe('application/pdf');
    expect(plan.headers.get('content-disposition')).toContain('filename="training plan.pdf"');
    expect((await download(doc.id, 'bob', '?variant=thumbnail')).status).toBe(404);
  });

  it('is idempotent by clientMessageId: the same message, one attachment row, and a file goes with one message only', async () => {
    const { client: alice, chat, token } = await dm('alice', 'erin');
    const up = await uploadFile(t.url, token, pdf, {
      chatId: chat.id,
      filename: 'a.pdf',
      filetype: 'application/pdf',
    });
    const send = (clientMessageId: string) =>
      request(alice, 'send_message', {
        chatId: chat.id,
        text: 'plan',
        clientMessageId,
        attachments: [up.id],
      });
    const first = await send('once');
    const retry = await send('once');
    if (!first.ok || !retry.ok) throw new Error('send failed');
    expect(retry).toMatchObject({ duplicate: true, message: first.message });
    const rows = await t.server.storage.files.getFile(up.id);
    expect(rows?.messageId).toBe(first.message.id);
    const history = await t.server.storage.chat.getHistory(chat.id, { limit: 10 });
    expect(history.messages).toHaveLength(1);

    const other = await send('another');
    expect(other).toMatchObject({ ok: false, error: { code: 'ATTACHMENT_INVALID' } });
    expect((await t.server.storage.chat.getHistory(chat.id, { limit: 10 })).messages).toHaveLength(1);
  });

  /** Starts an upload of `data` and cuts it after its first chunk (as a dropped connection would). */
  const cutUpload = (token: string, data: Buffer, metadata: Record<string, string>) =>
    uploadFile(t.url, token, data, metadata, { chunkSize: 16 * 1024, cutAfterFirstChunk: true });

  it('refuses attachments that are not complete uploads of the sender for this chat', async () => {
    const { client: alice, chat, token } = await dm('alice', 'frank');
    const { chat: otherChat } = await dm('alice', 'gina');
    const gina = await dm('gina', 'alice');
    const forOther = await uploadFile(t.url, token, pdf, {
      chatId: otherChat.id,
      filename: 'x.pdf',
      filetype: 'application/pdf',
    });
    const ginas = await uploadFile(t.url, gina.token, pdf, {
      chatId: otherChat.id,
      filename: 'g.pdf',
      filetype: 'application/pdf',
    });
    const partial = await cutUpload(token, await png(600, 600), {
      chatId: chat.id,
      filename: 'p.png',
      filetype: 'image/png',
    });
    for (const id of [forOther.id, ginas.id, partial.id, '0'.repeat(32)]) {
      const ack = await request(alice, 'send_message', {
        chatId: chat.id,
        text: 'x',
        clientMessageId: `bad-${id}`,
        attachments: [id],
      });
      expect(ack).toMatchObject({ ok: false, error: { code: 'ATTACHMENT_INVALID' } });
    }
    const blank = await request(alice, 'send_message', {
      chatId: chat.id,
      text: ' ',
      clientMessageId: 'blank',
    });
    expect(blank).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect((await t.server.storage.chat.getHistory(chat.id, { limit: 10 })).messages).toHaveLength(0);
  });

  it('resumes a cut upload where the server stopped, with the real tus client', async () => {
    const { client: alice, chat, token } = await dm('alice', 'hugo');
    const image = await png(700, 700);
    expect(image.length).toBeGreaterThan(32 * 1024);
    const cut = await cutUpload(token, image, {
      chatId: chat.id,
      filename: 'big.png',
      filetype: 'image/png',
    });
    const resumed = await uploadFile(t.url, token, image, {}, { uploadUrl: cut.url, chunkSize: 16 * 1024 });
    expect(resumed.id).toBe(cut.id);
    // The resumed upload started past the bytes already stored, not from 0.
    expect(resumed.progress[0]).toBeGreaterThanOrEqual(16 * 1024);
    const ack = await request(alice, 'send_message', {
      chatId: chat.id,
      text: 'resumed',
      clientMessageId: 'r-1',
      attachments: [cut.id],
    });
    expect(ack.ok && ack.message.attachments?.[0]).toMatchObject({
      sha256: sha256(image),
      width: 700,
      height: 700,
    });
  });

  it('authorises every route: token, chat membership, ownership of the upload', async () => {
    const { client: alice, chat, token } = await dm('alice', 'ivan');
    const meta = { chatId: chat.id, filename: 'a.pdf', filetype: 'application/pdf' };
    expect(statusOf(await uploadFile(t.url, undefined, pdf, meta).catch((e) => e))).toBe(401);
    expect(statusOf(await uploadFile(t.url, 'not-a-token', pdf, meta).catch((e) => e))).toBe(401);
    const outsider = await t.token('mallory');
    expect(statusOf(await uploadFile(t.url, outsider, pdf, meta).catch((e) => e))).toBe(403);

    const up = await uploadFile(t.url, token, pdf, meta);
    // Before it is sent, only its uploader sees it.
    expect((await download(up.id, 'ivan')).status).toBe(404);
    expect((await download(up.id, 'alice')).status).toBe(200);
    await request(alice, 'send_message', {
      chatId: chat.id,
      text: 'doc',
      clientMessageId: 'auth-1',
      attachments: [up.id],
    });
    expect((await download(up.id, 'ivan')).status).toBe(200);
    const refused = await download(up.id, 'mallory');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'NOT_A_MEMBER' } });
    expect((await download(up.id, undefined)).status).toBe(401);
    expect((await download('not-an-id', 'alice')).status).toBe(400);

    // Someone else's upload cannot be inspected, resumed or cancelled.
    const cut = await cutUpload(token, await png(500, 500), meta);
    for (const method of ['HEAD', 'PATCH', 'DELETE']) {
      const answer = await fetch(cut.url, {
        method,
        headers: {
          authorization: `Bearer ${await t.token('ivan')}`,
          'tus-resumable': '1.0.0',
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
        },
        ...(method === 'PATCH' && { body: Buffer.from('x') }),
      });
      expect(answer.status, method).toBe(404);
    }
    // tus's own GET (which would serve the bytes unchecked) is not routed.
    expect((await fetch(cut.url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });

  it('enforces the size limit and the type allowlist, and never serves an active type as itself', async () => {
    const { client: alice, chat, token } = await dm('alice', 'jade');
    const tooBig = Buffer.alloc(MAX_BYTES + 1, 1);
    const big = await uploadFile(t.url, token, tooBig, {
      chatId: chat.id,
      filename: 'big.pdf',
      filetype: 'application/pdf',
    }).catch((e) => e);
    expect(statusOf(big)).toBe(413);
    const exe = await uploadFile(t.url, token, pdf, {
      chatId: chat.id,
      filename: 'run.exe',
      filetype: 'application/x-msdownload',
    }).catch((e) => e);
    expect(statusOf(exe)).toBe(415);
    expect(String(exe)).toContain('FILE_TYPE_NOT_ALLOWED');

    const html = Buffer.from('<script>alert(document.cookie)</script>');
    const page = await uploadFile(t.url, token, html, {
      chatId: chat.id,
      filename: 'page.html',
      filetype: 'text/html',
    });
    await request(alice, 'send_message', {
      chatId: chat.id,
      text: 'page',
      clientMessageId: 'html-1',
      attachments: [page.id],
    });
    const served = await download(page.id, 'jade');
    expect(served.headers.get('content-type')).toBe('application/octet-stream');
    expect(served.headers.get('content-disposition')).toBe('attachment; filename=page.html');
    expect(served.headers.get('content-security-policy')).toContain('sandbox');

    // A name is only a label: path parts and quotes stay in the header, escaped; controls are refused.
    const odd = await uploadFile(t.url, token, pdf, {
      chatId: chat.id,
      filename: '../../etc/"passwd".pdf',
      filetype: 'application/pdf',
    });
    await request(alice, 'send_message', {
      chatId: chat.id,
      text: 'odd',
      clientMessageId: 'odd-1',
      attachments: [odd.id],
    });
    expect((await download(odd.id, 'jade')).headers.get('content-disposition')).toBe(
      'inline; filename="../../etc/\\"passwd\\".pdf"',
    );
    const bidi = await uploadFile(t.url, token, pdf, {
      chatId: chat.id,
      filename: 'invoice\u202Efdp.exe',
      filetype: 'application/pdf',
    }).catch((e) => e);
    expect(statusOf(bidi)).toBe(400);
  });

  it('stores a voice message with its duration and waveform, within the length limit', async () => {
    const { client: alice, chat, token } = await dm('alice', 'kim');
    const audio = Buffer.from('\x1aE\xdf\xa3 fake webm bytes');
    const voice = await uploadFile(t.url, token, audio, {
      chatId: chat.id,
      filename: 'voice.webm',
      filetype: 'audio/webm',
      durationMs: '4200',
      waveform: '0,40,255,120',
    });
    const ack = await request(alice, 'send_message', {
      chatId: chat.id,
      text: '',
      clientMessageId: 'v-1',
      attachments: [voice.id],
    });
    expect(ack.ok && ack.message.attachments?.[0]).toMatchObject({
      type: 'audio/webm',
      durationMs: 4200,
      waveform: [0, 40, 255, 120],
    });
    const long = await uploadFile(t.url, token, audio, {
      chatId: chat.id,
      filename: 'v.webm',
      filetype: 'audio/webm',
      durationMs: '61000',
    }).catch((e) => e);
    expect(statusOf(long)).toBe(400);
    const badWave = await uploadFile(t.url, token, audio, {
      chatId: chat.id,
      filename: 'v.webm',
      filetype: 'audio/webm',
      waveform: '1,999',
    }).catch((e) => e);
    expect(statusOf(badWave)).toBe(400);
  });

  it("exports a user's files and erases them from the disk with the user", async () => {
    const { chat, token } = await dm('leo', 'alice');
    const up = await uploadFile(t.url, token, await png(100, 100), {
      chatId: chat.id,
      filename: 'l.png',
      filetype: 'image/png',
    });
    expect(existsSync(join(files.path, up.id))).toBe(true);
    expect(existsSync(join(files.path, 'thumbnails', `${up.id}.webp`))).toBe(true);
    const exported = await fetch(`${t.url}/api/me/export`, { headers: { authorization: `Bearer ${token}` } });
    const data = (await exported.json()) as UserDataExport;
    expect(data.files).toEqual([
      expect.objectContaining({
        id: up.id,
        chatId: chat.id,
        name: 'l.png',
        type: 'image/png',
        status: 'complete',
      }),
    ]);
    // The user's erasure (their own request) takes the files with it: rows, bytes, thumbnail.
    const erased = await fetch(`${t.url}/api/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ confirm: 'leo' }),
    });
    expect(erased.status).toBe(200);
    expect(existsSync(join(files.path, up.id))).toBe(false);
    expect(existsSync(join(files.path, `${up.id}.json`))).toBe(false);
    expect(existsSync(join(files.path, 'thumbnails', `${up.id}.webp`))).toBe(false);
    // Gone for the other member too (leo's own tokens are refused now: ACCOUNT_ERASED).
    expect((await download(up.id, 'alice')).status).toBe(404);
  });

  // Last: it deletes every message of this suite's database.
  it('retention removes uploads never sent and the files of deleted messages, from the disk too', async () => {
    const { client: alice, chat, token } = await dm('alice', 'mona');
    const meta = { chatId: chat.id, filename: 'r.pdf', filetype: 'application/pdf' };
    const unsent = await uploadFile(t.url, token, pdf, meta);
    const sent = await uploadFile(t.url, token, pdf, meta);
    await request(alice, 'send_message', {
      chatId: chat.id,
      text: 'r',
      clientMessageId: 'ret-1',
      attachments: [sent.id],
    });
    const present = async () =>
      (await Promise.all([unsent.id, sent.id].map((id) => t.server.storage.files.getFile(id)))).map(Boolean);

    await t.server.files.pruneFiles();
    expect(await present()).toEqual([true, true]);
    // A day later the unsent upload is abandoned; the sent one stays while its message does.
    await t.server.files.pruneFiles(Date.now() + 25 * 3600_000);
    expect(await present()).toEqual([false, true]);
    expect(existsSync(join(files.path, unsent.id))).toBe(false);

    await t.server.storage.chat.pruneMessages(new Date(Date.now() + 1000));
    await t.server.files.pruneFiles();
    expect(await present()).toEqual([false, false]);
    expect(existsSync(join(files.path, sent.id))).toBe(false);
  });
});

describe('upload rate limit', () => {
  it('a new upload draws on the user’s actions budget: past it, 429 RATE_LIMITED with retryAfterMs', async () => {
    const files = tempDir();
    const t = await startTestServer({ FILES_DIR: files.path, RATE_LIMIT_EVENTS: '8' });
    try {
      const alice = await t.connect('alice');
      const opened = await request(alice, 'open_dm', { userId: 'bob' });
      if (!opened.ok) throw new Error(opened.error.message);
      const token = await t.token('alice');
      const meta = { chatId: opened.chat.id, filename: 'a.pdf', filetype: 'application/pdf' };
      const outcomes = [];
      for (let i = 0; i < 4; i++) {
        outcomes.push(
          await uploadFile(t.url, token, pdf, meta).then(
            () => 201,
            (error) => error,
          ),
        );
      }
      // 4 per window: open_dm took one.
      expect(outcomes.slice(0, 3)).toEqual([201, 201, 201]);
      expect(statusOf(outcomes[3])).toBe(429);
      expect(String(outcomes[3])).toMatch(/"code":"RATE_LIMITED".*"retryAfterMs":\d+/);
      // Refused uploads reach the audit trail and its counters, as other refusals do.
      const metrics = (await t.server.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(
        /mpi_security_refusals_total\{[^}]*kind="rate_limit"[^}]*code="RATE_LIMITED"[^}]*\} [1-9]/,
      );
    } finally {
      await t.stop();
      files.remove();
    }
  });
});
