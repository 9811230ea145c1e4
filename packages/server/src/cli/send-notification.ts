import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Audience, SIGNATURE_HEADERS } from '@mpi/protocol';
import {
  INGEST_NOTIFICATION_TYPES,
  ingestNotificationSchema,
  webhookNotificationSchema,
} from '@mpi/protocol/schemas';
import type { z } from 'zod';
import { signatureHeaders } from '../http/signature.js';

// `npm run notify -- …`: signs and sends one notification to the ingestion API, for operators.
// See docs/notifications.md.

export const USAGE = `Send a signed notification to an MPI Realtime server.

  npm run notify -- --type system:maintenance --message "Down at 22:00" --everyone
  npm run notify -- --type match:scheduled --payload-file match.json --groups team-1
  npm run notify -- --type webhook:notification --source ops --webhook-type deploy \\
                    --title "New version" --message "v2 is live" --users alice,bob

Options
  --url <url>             server (default $MPI_URL or http://127.0.0.1:4000)
  --secret <secret>       signing secret (default $NOTIFY_SIGNING_SECRET, else the first of
                          $NOTIFY_SIGNING_SECRETS)
  --type <type>           ${[...INGEST_NOTIFICATION_TYPES, 'webhook:notification'].join(' | ')}
  --message <text>        system:* and webhook:notification
  --payload <json>        the CalendarEvent / Match / Training of calendar:*, match:*, training:*
  --payload-file <path>   the same, from a JSON file
  --source <name>         webhook:notification: the source in /api/v1/webhooks/<source> (default cli)
  --webhook-type <type>   webhook:notification: its "type" field
  --title <text>          webhook:notification: its "title" field
  --everyone | --users a,b | --groups team-1,team-2   the audience (exactly one)
  --delivery-id <id>      idempotency key (default: a new UUID); send the same id to retry safely
  --dry-run               print the signed request instead of sending it
  --help
Exit status: 0 when the server accepted it, 1 when it refused, 2 on a usage error.`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  fetch: typeof fetch;
  now(): number;
}

class UsageError extends Error {}

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean) ?? [];

function audienceOf(values: { everyone?: boolean; users?: string; groups?: string }): Audience {
  const chosen = [values.everyone, values.users, values.groups].filter((v) => v !== undefined && v !== false);
  if (chosen.length !== 1)
    throw new UsageError('Give exactly one audience: --everyone, --users or --groups.');
  if (values.everyone) return { everyone: true };
  if (values.users !== undefined) return { users: list(values.users) } as Audience;
  return { groups: list(values.groups) } as Audience;
}

function validated<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new UsageError(`The notification is not valid:\n  ${issues.join('\n  ')}`);
  }
  return parsed.data;
}

/** Builds the request path and body from the command line. */
export function buildRequest(values: Record<string, string | boolean | undefined>): {
  path: string;
  body: unknown;
} {
  const type = values.type;
  if (typeof type !== 'string') throw new UsageError('--type is required.');
  const audience = audienceOf(values as { everyone?: boolean; users?: string; groups?: string });
  const message = typeof values.message === 'string' ? values.message : undefined;
  if (type === 'webhook:notification') {
    const source = typeof values.source === 'string' ? values.source : 'cli';
    const body = { type: values['webhook-type'], title: values.title, message, audience };
    return {
      path: `/api/v1/webhooks/${encodeURIComponent(source)}`,
      body: validated(webhookNotificationSchema, body),
    };
  }
  let payload: unknown;
  if (type.startsWith('system:')) payload = { message };
  else if (typeof values['payload-file'] === 'string')
    payload = JSON.parse(readFileSync(values['payload-file'], 'utf8'));
  else if (typeof values.payload === 'string') payload = JSON.parse(values.payload);
  else throw new UsageError(`${type} needs --payload or --payload-file.`);
  return {
    path: '/api/v1/notifications',
    body: validated(ingestNotificationSchema, { type, payload, audience }),
  };
}

/** Runs the tool; resolves with the exit status. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        url: { type: 'string' },
        secret: { type: 'string' },
        type: { type: 'string' },
        message: { type: 'string' },
        payload: { type: 'string' },
        'payload-file': { type: 'string' },
        source: { type: 'string' },
        'webhook-type': { type: 'string' },
        title: { type: 'string' },
        everyone: { type: 'boolean' },
        users: { type: 'string' },
        groups: { type: 'string' },
        'delivery-id': { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const secret = values.secret ?? env.NOTIFY_SIGNING_SECRET ?? list(env.NOTIFY_SIGNING_SECRETS)[0];
    if (!secret) throw new UsageError('--secret is required (or set NOTIFY_SIGNING_SECRET).');
    const { path, body } = buildRequest(values);
    const url = new URL(path, values.url ?? env.MPI_URL ?? 'http://127.0.0.1:4000');
    const raw = JSON.stringify(body);
    const headers = {
      'content-type': 'application/json',
      [SIGNATURE_HEADERS.deliveryId]: values['delivery-id'] ?? randomUUID(),
      ...signatureHeaders(secret, raw, io.now()),
    };
    if (values['dry-run']) {
      io.out(JSON.stringify({ method: 'POST', url: url.href, headers, body }, null, 2));
      return 0;
    }
    const response = await io.fetch(url, { method: 'POST', headers, body: raw });
    const text = await response.text();
    const replayed = response.headers.get('idempotent-replayed') === 'true' ? ' (replayed delivery id)' : '';
    (response.ok ? io.out : io.err)(`${response.status} ${response.statusText}${replayed}\n${text}`);
    return response.ok ? 0 : 1;
  } catch (error) {
    const usage =
      error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.err(
      `${error instanceof Error ? error.message : String(error)}${usage ? '\nRun with --help for usage.' : ''}`,
    );
    return usage || error instanceof SyntaxError ? 2 : 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = { out: console.log, err: console.error, fetch, now: Date.now };
  main(process.argv.slice(2), process.env, io).then((status) => {
    process.exitCode = status;
  });
}
