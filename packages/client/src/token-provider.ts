/**
 * The handshake token, or a function returning it. A function is called before EVERY connection attempt
 * (the first one and each retry), so it can return a freshly refreshed token.
 */
export type TokenProvider = string | (() => string | Promise<string>);
