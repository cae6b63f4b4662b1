// When a REST poller may call again, as pure functions of the response and the clock: the
// RestPoller base applies them, the venue decides which fallback fits its rate-limit windows.
import { readIntegerHeader, type HeaderSource } from '../http.js';

const MINUTE_MS = 60_000;

/** What a 429/418 said about waiting. */
export interface RateLimitHint {
  retryAfterSec: number | null;
  /** The end of an IP ban, when the response names it (Binance 418). */
  bannedUntilMs?: number | null;
}

/** Retry-After in delay-seconds, the form Binance sends; null when absent or malformed. */
export function readRetryAfterSec(headers: HeaderSource): number | null {
  return readIntegerHeader(headers, 'Retry-After');
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
