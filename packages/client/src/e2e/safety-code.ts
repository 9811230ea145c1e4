import { utf8 } from './encoding.js';

/** One user's side of a safety code: their id and the public keys of their devices. */
export interface SafetyCodeParty {
  userId: string;
  publicKeys: readonly string[];
}

/**
 * 60 digits in 12 groups of 5 that two users compare (in person, or over a channel they trust): equal
 * codes mean each sees the other's device keys, not keys a server slipped in. SHA-512 over both users'
 * sorted device keys, in user-id order so both sides compute the same; each group is 5 bytes of the
 * digest modulo 100000. It changes when either user adds a device or one publishes a new key.
 */
export async function computeSafetyCode(a: SafetyCodeParty, b: SafetyCodeParty): Promise<string> {
  const parties = [a, b]
    .map((p) => [p.userId, [...p.publicKeys].sort()] as const)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  const digest = new Uint8Array(
    await globalThis.crypto.subtle.digest('SHA-512', utf8(JSON.stringify(['mpi-e2e safety v1', parties]))),
  );
  const groups: string[] = [];
  for (let i = 0; i < 12; i++) {
    let value = 0;
    for (let j = 0; j < 5; j++) value = value * 256 + (digest[i * 5 + j] ?? 0);
    groups.push(String(value % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}
