// When a REST poller may call again, as pure functions of the response and the clock: the
// RestPoller base applies them, the venue decides which fallback fits its rate-limit windows.
import { readHeader, readIntegerHeader, type HeaderSource } from '../http.js';
import { isEpochMs } from '../time.js';

const MINUTE_MS = 60_000;
/**
 * The longest delay one setTimeout holds; a longer one fires after 1 ms. A pause named by the
 * server (Retry-After, a ban end) can be longer: wait in steps of at most this. (@cqt/config has
 * the same bound for user durations; feeds depends on nothing of ours.)
 */
export const MAX_TIMER_STEP_MS = 2 ** 31 - 1;

/** What a 429/418 said about waiting. */
export interface RateLimitHint {
  retryAfterSec: number | null;
  /** The end of an IP ban, when the response names it (Binance 418). */
  bannedUntilMs?: number | null;
}

/** An HTTP date in its one modern form, e.g. `Wed, 21 Oct 2015 07:28:00 GMT`. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Retry-After in delay-seconds, the form Binance sends; given `nowMs`, an HTTP date too (seconds
 * from `nowMs`, rounded up, 0 when past). Null when absent or malformed.
 */
export function readRetryAfterSec(headers: HeaderSource, nowMs?: number): number | null {
  const seconds = readIntegerHeader(headers, 'Retry-After');
  if (seconds !== null || nowMs === undefined) return seconds;
  const text = readHeader(headers, 'Retry-After')?.trim() ?? '';
  if (!HTTP_DATE.test(text)) return null;
  return Math.max(0, Math.ceil((Date.parse(text) - nowMs) / 1000));
}

/** The end of an IP ban named in a Binance -1003 message ("… IP banned until 1785050129644 …"), else null. */
export function readBannedUntilMs(msg: string): number | null {
  const match = /banned until (\d+)/i.exec(msg);
  const ms = match === null ? null : Number(match[1]);
  return ms !== null && isEpochMs(ms) ? ms : null;
}

/** The next whole minute strictly after `nowMs` (Binance weight windows reset on the minute). */
export function nextMinuteMs(nowMs: number): number {
  return Math.ceil((nowMs + 1) / MINUTE_MS) * MINUTE_MS;
}

/**
 * When calls may resume after a rate limit: the ban end, else Retry-After from now, else
 * `fallbackMs` (null: the venue gives no reason to wait).
 */
export function resumeAtMs<F extends number | null>(hint: RateLimitHint, nowMs: number, fallbackMs: F): number | F {
  if (hint.bannedUntilMs != null) return hint.bannedUntilMs;
  return hint.retryAfterSec !== null ? nowMs + hint.retryAfterSec * 1000 : fallbackMs;
}
