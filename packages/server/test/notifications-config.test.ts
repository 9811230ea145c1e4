import { describe, expect, it } from 'vitest';
import { ConfigError, testConfig } from '../src/config.js';
import { formatIsoDuration, parseLeadTimes } from '../src/durations.js';

const secret = (c: string) => c.repeat(32);

describe('notification settings', () => {
  it('defaults: ingestion off, reminders 24 h and 1 h before, polled every 5 s, kept 90 days', () => {
    expect(testConfig().notifications).toEqual({
      signingSecrets: [],
      reminderLeadTimesMs: [86_400_000, 3_600_000],
      reminderPollMs: 5000,
      retentionDays: 90,
    });
  });

  it('reads one or two signing secrets and lead times', () => {
    const config = testConfig({
      NOTIFY_SIGNING_SECRETS: `${secret('a')}, ${secret('b')}`,
      REMINDER_LEAD_TIMES: '30m,2d,90s',
      REMINDER_POLL_MS: '250',
      NOTIFICATION_RETENTION_DAYS: '0',
    });
    expect(config.notifications).toEqual({
      signingSecrets: [secret('a'), secret('b')],
      reminderLeadTimesMs: [172_800_000, 1_800_000, 90_000],
      reminderPollMs: 250,
      retentionDays: 0, // kept forever
    });
    expect(testConfig({ REMINDER_LEAD_TIMES: 'none' }).notifications.reminderLeadTimesMs).toEqual([]);
  });

  it.each([
    ['NOTIFY_SIGNING_SECRETS', 'too-short'],
    ['NOTIFY_SIGNING_SECRETS', `${secret('a')},${secret('b')},${secret('c')}`],
    ['REMINDER_LEAD_TIMES', '24x'],
    ['REMINDER_LEAD_TIMES', '1h,60m'],
    ['REMINDER_LEAD_TIMES', '0h'],
    ['REMINDER_POLL_MS', '5'],
    ['NOTIFICATION_RETENTION_DAYS', '-1'],
    ['NOTIFICATION_RETENTION_DAYS', '1.5'],
  ])('refuses %s=%s and names the variable', (name, value) => {
    expect(() => testConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => testConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('formats ISO 8601 durations', () => {
    expect(formatIsoDuration(86_400_000)).toBe('P1D');
    expect(formatIsoDuration(3_600_000)).toBe('PT1H');
    expect(formatIsoDuration(50 * 60_000 + 999)).toBe('PT50M');
    expect(formatIsoDuration(90_061_000)).toBe('P1DT1H1M1S');
    expect(formatIsoDuration(-5)).toBe('PT0S');
    expect(parseLeadTimes('1h, 24h')).toEqual([86_400_000, 3_600_000]);
  });
});
