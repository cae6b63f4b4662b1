// Durations and instants as the CLI contract spells them: `90`, `90s`, `10m`, `24h`, `7d`;
// times as ISO 8601 with a zone, or epoch milliseconds. All UTC; never the host's zone.
import { UsageError } from './errors.js';

const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds in a duration such as "90", "90s", "10m", "24h", "7d", "1.5h". */
export function parseDurationSec(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(text);
  if (!m) {
    throw new UsageError(`invalid ${what} "${text}"`, 'use a number of seconds or a value such as 90s, 10m, 24h, 7d');
  }
  const sec = Number(m[1]) * UNIT_SEC[(m[2] || 's').toLowerCase()];
  if (!Number.isFinite(sec)) throw new UsageError(`invalid ${what} "${text}"`, 'the value is too large');
  return sec;
}

/** Epoch ms of an ISO 8601 time with a zone (Z or ±hh:mm) or of an epoch-ms integer. */
export function parseTimeMs(text: string, what = 'time'): number {
  const t = text.trim();
  if (/^\d{12,14}$/.test(t)) return Number(t);
  // A zone-less ISO time would be read in the host's zone: refuse rather than guess.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T00:00:00Z`);
    if (Number.isFinite(ms)) return ms;
  }
  throw new UsageError(
    `invalid ${what} "${text}"`,
    'use ISO 8601 with a zone (2026-11-23T10:00:00Z), a UTC date (2026-11-23) or epoch milliseconds',
  );
}
