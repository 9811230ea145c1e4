import { execFileSync } from 'node:child_process';
import { createECDH, type ECDH, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import type { PushMessage } from '@mpi/protocol';
import { tempDir } from '@mpi/test-kit';
import { decrypt } from 'http_ece';
import { decodeJwt, importJWK, jwtVerify } from 'jose';

/** One push as the push service received it: decrypted, with its VAPID identity checked. */
interface ReceivedPush {
  /** The subscription it was for (the `name` given to `subscribe`). */
  name: string;
  message: PushMessage;
  /** The VAPID public key (`k=`) the request was signed with. */
  vapidKey: string;
  subject: string;
  ttl: number;
  urgency: string | undefined;
  topic: string | undefined;
}

interface Receiver {
  ecdh: ECDH;
  auth: string;
  /** Answer with this status instead of 201 (404 or 410: the subscription is gone). */
  status: number;
}

/** The base64url uncompressed P-256 point (`k=` of VAPID, `p256dh` of subscriptions) as a JWK. */
function p256Jwk(point: string) {
  const raw = Buffer.from(point, 'base64url');
  return {
    kty: 'EC',
    crv: 'P-256',
    x: raw.subarray(1, 33).toString('base64url'),
    y: raw.subarray(33, 65).toString('base64url'),
  };
}

/**
 * A Web Push service on 127.0.0.1 (HTTPS with a certificate made for the test): what FCM or Mozilla's
 * service do for a browser, minus the browser. Each `subscribe` makes a receiver's key pair and secret as a
 * browser would; a push to its endpoint must carry a valid VAPID JWT (ES256, audience = this origin, not
 * expired) and decrypt (aes128gcm) with the receiver's keys, or it is refused with 400/401.
 */
export async function startPushService() {
  const dir = tempDir('mpi-push-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      dir.file('key.pem'),
      '-out',
      dir.file('cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(dir.file('cert.pem'));
  const receivers = new Map<string, Receiver>();
  const received: ReceivedPush[] = [];
  const refused: string[] = [];
  let origin = '';

  const server: Server = createServer({ key: readFileSync(dir.file('key.pem')), cert }, (request, reply) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const name = decodeURIComponent(request.url?.replace(/^\/push\//, '') ?? '');
        const receiver = receivers.get(name);
        if (request.method !== 'POST' || !receiver) return [404, 'no such subscription'] as const;
        const vapid = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(request.headers.authorization ?? '');
        if (!vapid?.[1] || !vapid[2]) return [401, 'no VAPID authorization'] as const;
        const key = await importJWK(p256Jwk(vapid[2]), 'ES256');
        try {
          const { payload } = await jwtVerify(vapid[1], key, { audience: origin, algorithms: ['ES256'] });
          // RFC 8292: an expiry, at most 24 hours ahead.
          if (!payload.exp || payload.exp > Date.now() / 1000 + 24 * 3600) throw new Error('exp');
        } catch (error) {
          return [401, `VAPID JWT refused: ${String(error)}`] as const;
        }
        if (request.headers['content-encoding'] !== 'aes128gcm') return [400, 'not aes128gcm'] as const;
        const plain = decrypt(Buffer.concat(chunks), {
          version: 'aes128gcm',
          privateKey: receiver.ecdh,
          authSecret: receiver.auth,
        });
        if (receiver.status !== 201) return [receiver.status, 'gone'] as const;
        received.push({
          name,
          message: JSON.parse(plain.toString('utf8')) as PushMessage,
          vapidKey: vapid[2],
          subject: String(decodeJwt(vapid[1]).sub),
          ttl: Number(request.headers.ttl),
          urgency: request.headers.urgency as string | undefined,
          topic: request.headers.topic as string | undefined,
        });
        return [201, ''] as const;
      })()
        .catch((error: unknown) => [400, `cannot decrypt: ${String(error)}`] as const)
        .then(([status, body]) => {
          if (status >= 400 && status !== 404 && status !== 410) refused.push(body);
          reply.writeHead(status).end(body);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    origin,
    /** What the server's Web Push requests trust: this service's certificate only. */
    agent: new Agent({ ca: cert }),
    received,
    /** Requests refused for a bad signature or payload: a correct server leaves this empty. */
    refused,
    /** A browser's subscription to this service, as `PushSubscription.toJSON()` gives it. */
    subscribe(name: string) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16).toString('base64url');
      receivers.set(name, { ecdh, auth, status: 201 });
      return {
        endpoint: `${origin}/push/${encodeURIComponent(name)}`,
        expirationTime: null,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth },
      };
    },
    /** From now on the service answers this subscription's pushes with 410 Gone (unsubscribed browser). */
    expire(name: string) {
      const receiver = receivers.get(name);
      if (receiver) receiver.status = 410;
    },
    pushesFor: (name: string) => received.filter((push) => push.name === name),
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      dir.remove();
    },
  };
}

export type PushService = Awaited<ReturnType<typeof startPushService>>;
