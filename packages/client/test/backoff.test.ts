import { describe, expect, it } from 'vitest';
import { reconnectDelay, WEBSOCKET_CONFIG } from '../src/index.js';

const policy = WEBSOCKET_CONFIG.RECONNECTION;
const noJitter = { ...policy, jitter: 0 };

describe('reconnectDelay', () => {
  it('follows 1000 × 1.5^n without jitter', () => {
    expect([0, 1, 2, 3, 4].map((n) => reconnectDelay(n, noJitter))).toEqual([1000, 1500, 2250, 3375, 5062.5]);
  });

  it('is capped at maxDelay', () => {
    expect(reconnectDelay(5, noJitter)).toBe(7593.75);
    expect(reconnectDelay(6, noJitter)).toBe(10000);
    expect(reconnectDelay(50, noJitter)).toBe(10000);
  });

  it('a random value of 0.5 means no jitter', () => {
    expect(reconnectDelay(2, policy, () => 0.5)).toBe(2250);
  });

  it('spreads by ±jitter and never exceeds maxDelay', () => {
    expect(reconnectDelay(0, policy, () => 0)).toBeCloseTo(800);
    expect(reconnectDelay(0, policy, () => 0.999999)).toBeCloseTo(1200);
    expect(reconnectDelay(10, policy, () => 0)).toBeCloseTo(8000);
    expect(reconnectDelay(10, policy, () => 0.999999)).toBe(10000);
    for (let n = 0; n < 10; n++) {
      const base = reconnectDelay(n, noJitter);
      for (let i = 0; i < 200; i++) {
        const d = reconnectDelay(n, policy);
        expect(d).toBeGreaterThanOrEqual(base * 0.8);
        expect(d).toBeLessThanOrEqual(Math.min(base * 1.2, policy.maxDelay));
      }
    }
  });

  it('treats odd inputs safely', () => {
    expect(reconnectDelay(-3, noJitter)).toBe(1000);
    expect(reconnectDelay(1.7, noJitter)).toBe(1500);
    expect(reconnectDelay(0, { ...policy, jitter: 5 }, () => 0)).toBe(0);
  });
});

describe('WEBSOCKET_CONFIG', () => {
  it('has the spec keys and values, and a local default URL', () => {
    expect(WEBSOCKET_CONFIG.CONNECTION).toEqual({
      transports: ['websocket'],
      autoConnect: false,
      timeout: 20000,
      reconnection: true,
      reconnectionAttempts: 5,
      reconnectionDelay: 1000,
    });
    expect(WEBSOCKET_CONFIG.QUERY).toEqual({ client: 'web', version: '1.0.0' });
    expect(WEBSOCKET_CONFIG.RECONNECTION).toEqual({
      attempts: 5,
      delay: 1000,
      backoff: 1.5,
      maxDelay: 10000,
      jitter: 0.2,
    });
    if (!process.env.VITE_WEBSOCKET_URL) expect(WEBSOCKET_CONFIG.URL).toBe('http://localhost:4000');
    expect(WEBSOCKET_CONFIG.URL).not.toContain('46.202.93.201');
    if (!process.env.VITE_WEBSOCKET_ENABLED) expect(WEBSOCKET_CONFIG.ENABLED).toBe(true);
  });
});
