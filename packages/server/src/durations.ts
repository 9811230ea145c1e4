// Lead times (`24h`, `90m`) in configuration, and ISO 8601 durations (`PT1H`, `P1D`) on the wire.

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_LEAD_MS = 366 * UNIT_MS.d;

/** `30s`, `15m`, `24h`, `7d` → milliseconds; throws on anything else. */
function parseLeadTime(text: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration like 24h, 90m, 30s or 7d`);
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms <= 0 || ms > MAX_LEAD_MS) throw new Error(`"${text}" must be more than 0 and at most 366d`);
  return ms;
}

/** A comma-separated list of lead times, longest first; `none` (or `off`) is the empty list. */
export function parseLeadTimes(text: string): number[] {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === 'none' || trimmed === 'off') return [];
  const leads = trimmed.split(',').map(parseLeadTime);
  if (new Set(leads).size !== leads.length) throw new Error('lead times must be distinct');
  if (leads.length > 5) throw new Error('at most 5 lead times');
  return leads.sort((a, b) => b - a);
}

/**
 * Milliseconds as an ISO 8601 duration, to the second (rounded down): whole days as `P1D`, otherwise
 * hours, minutes and seconds (`PT1H`, `PT59M30S`, `P1DT2H`); zero or less is `PT0S`.
 */
export function formatIsoDuration(ms: number): string {
  let seconds = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  if (days === 0 && time === '') return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}
