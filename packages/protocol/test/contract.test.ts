import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_EVENT_NAMES, ERROR_CATALOGUE, ERROR_CODES, LIMITS } from '../src/index.js';
import { CLIENT_EVENT_SCHEMAS, sendMessageSchema } from '../src/schemas-entry.js';

const protocolDoc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const errorTable = protocolDoc.slice(protocolDoc.indexOf('## Error codes'));

describe('the error catalogue', () => {
  it('documents every code in docs/protocol.md with its HTTP status', () => {
    const undocumented = ERROR_CODES.filter(
      (code) =>
        !new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${ERROR_CATALOGUE[code].status}\\s*\\|`).test(errorTable),
    );
    expect(undocumented).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const documented = [...errorTable.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((match) => match[1]);
    expect(documented.filter((code) => !ERROR_CODES.includes(code as never))).toEqual([]);
    expect(documented).toHaveLength(ERROR_CODES.length);
  });
});

describe('the event maps', () => {
  it('documents every client event', () => {
    const missing = CLIENT_EVENT_NAMES.filter((event) => !protocolDoc.includes(`\`${event}\``));
    expect(missing).toEqual([]);
  });

  it('keeps the spec names of the SocketService events', () => {
    expect(Object.keys(CLIENT_EVENT_SCHEMAS)).toEqual(
      expect.arrayContaining([
        'setup_user',
        'join_chat',
        'leave_chat',
        'send_message',
        'typing_start',
        'typing_stop',
      ]),
    );
  });
});

describe('send_message schema', () => {
  const valid = { chatId: 'c1', text: 'hello', clientMessageId: 'm1' };

  it('accepts a valid payload', () => {
    expect(sendMessageSchema.parse(valid)).toEqual(valid);
  });

  it.each([
    ['missing chatId', { text: 'hi', clientMessageId: 'm1' }],
    ['non-string text', { ...valid, text: 5 }],
    ['blank text', { ...valid, text: '   ' }],
    ['text over the limit', { ...valid, text: 'x'.repeat(LIMITS.messageTextMaxLength + 1) }],
    ['an unknown field', { ...valid, extra: true }],
    ['an id with spaces', { ...valid, chatId: 'a b' }],
  ])('rejects %s', (_name, payload) => {
    expect(sendMessageSchema.safeParse(payload).success).toBe(false);
  });
});

describe('the server events', () => {
  it('documents every server event, notifications included', async () => {
    const { SERVER_EVENT_NAMES, NOTIFICATION_EVENT_NAMES } = await import('../src/index.js');
    const documented = (event: string) =>
      protocolDoc.includes(`\`${event}\``) ||
      // Grouped rows such as `calendar:event-created` / `-updated` / `-cancelled`.
      protocolDoc.includes(`\`-${event.split('-').at(-1)}\``) ||
      protocolDoc.includes(`\`:${event.split(':').at(-1)}\``);
    const missing = [...SERVER_EVENT_NAMES, ...NOTIFICATION_EVENT_NAMES].filter(
      (event) => !documented(event),
    );
    expect(missing).toEqual([]);
  });
});
