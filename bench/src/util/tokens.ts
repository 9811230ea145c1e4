import { SignJWT } from 'jose';

/** HS256 handshake tokens as the server verifies them: `sub` is the user id. */
export function tokenSigner(secret: string, ttlSeconds = 3_600): (userId: string) => Promise<string> {
  const key = new TextEncoder().encode(secret);
  return (userId) => {
    const issuedAt = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .sign(key);
  };
}

/** A development token from a server not in production (`GET /api/dev/token?userId=`). */
export async function devToken(baseUrl: string, userId: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/dev/token?userId=${encodeURIComponent(userId)}`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) {
    throw new Error(
      `GET /api/dev/token answered ${response.status}: development tokens are off in production; pass --secret`,
    );
  }
  const body = (await response.json()) as { token?: string };
  if (!body.token) throw new Error('GET /api/dev/token returned no token');
  return body.token;
}

/** Signs many tokens, a batch at a time. */
export async function signAll(
  sign: (userId: string) => Promise<string>,
  userIds: string[],
): Promise<Map<string, string>> {
  const tokens = new Map<string, string>();
  for (let i = 0; i < userIds.length; i += 500) {
    const batch = userIds.slice(i, i + 500);
    const signed = await Promise.all(batch.map(sign));
    batch.forEach((userId, j) => {
      tokens.set(userId, signed[j] as string);
    });
  }
  return tokens;
}
