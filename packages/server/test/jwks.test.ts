import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from './support/server.js';

let jwksServer: Server;
let t: TestServer;
type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let privateKey: PrivateKey;
let otherKey: PrivateKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  jwksServer = createHttpServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const { port } = jwksServer.address() as AddressInfo;
  t = await startTestServer({
    JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    JWT_ISSUER: 'https://id.example.test',
    JWT_AUDIENCE: 'mpi-realtime',
  });
});
afterAll(async () => {
  await t.stop();
  await new Promise((resolve) => jwksServer.close(resolve));
});

function rs256(key: PrivateKey, claims: { iss?: string; aud?: string } = {}) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
    .setSubject('olivia')
    .setIssuer(claims.iss ?? 'https://id.example.test')
    .setAudience(claims.aud ?? 'mpi-realtime')
    .setExpirationTime('5m')
    .sign(key);
}

describe('RS256 tokens from an identity provider (JWKS)', () => {
  it('accepts a token signed by a key of the JWKS with the right issuer and audience', async () => {
    const client = await t.connect('olivia', { token: await rs256(privateKey) });
    expect(await request(client, 'ping', {})).toMatchObject({ ok: true });
  });

  it('refuses a token signed by another key, or for another audience, as AUTH_INVALID', async () => {
    for (const token of [await rs256(otherKey), await rs256(privateKey, { aud: 'someone-else' })]) {
      const error = await t.connect('olivia', { token }).then(
        () => null,
        (err: Error & { data?: { code: string } }) => err.data?.code,
      );
      expect(error).toBe('AUTH_INVALID');
    }
  });

  it('does not accept HS256 development tokens when a JWKS is configured', async () => {
    const error = await t.connect('olivia').then(
      () => null,
      (err: Error & { data?: { code: string } }) => err.data?.code,
    );
    expect(error).toBe('AUTH_INVALID');
  });
});

describe('development tokens beside a JWKS', () => {
  it('are not offered, since the handshake would refuse them', async () => {
    const response = await t.server.app.inject({ method: 'GET', url: '/api/dev/token?userId=olivia' });
    expect(response.statusCode).toBe(404);
  });
});
