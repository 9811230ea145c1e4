// http_ece (the aes128gcm content coding of Web Push, RFC 8188/8291) ships no types: what the tests use.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  export function decrypt(
    buffer: Buffer,
    params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: string },
  ): Buffer;
}
