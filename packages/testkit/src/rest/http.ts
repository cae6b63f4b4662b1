// Shared REST plumbing: a request/response shape the venue handlers use (pure functions of the
// request and the market), and the fixed-window rate limiter with 429 → 418 escalation.

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  ip: string;
  /** Exchange clock. */
  nowMs: number;
}

export interface RestResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** A 429/418 the client earned by exceeding a limit (not an injected fault): counted in stats. */
  violation?: boolean;
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): RestResponse {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: typeof value === 'string' ? value : JSON.stringify(value) };
}

const MAX_BAN_MS = 3 * 86_400_000;

export type LimitOutcome =
  | { kind: 'ok'; used: number }
  | { kind: 'limited'; used: number; retryAfterSec: number }
  | { kind: 'banned'; used: number; retryAfterSec: number; bannedUntilMs: number };

/**
 * Weight per key in fixed windows aligned to the clock (Binance resets its 1-minute weight at
 * the minute). Over the limit → 'limited' (429). If `banMs` is set, a request that arrives while
 * the key is already limited — the client ignored Retry-After — bans the key ('banned', 418).
 * Bans escalate for repeat offenders, as both venues document: each doubles the last, up to 3 days.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { startMs: number; used: number; warned: boolean }>();
  private readonly bans = new Map<string, number>();
  private readonly banCounts = new Map<string, number>();

  constructor(private readonly config: { limit: number; windowMs: number; banMs?: number }) {}

  get limit(): number {
    return this.config.limit;
  }

  /** Current usage without counting a request. */
  used(key: string, nowMs: number): number {
    const w = this.windows.get(key);
    return w && w.startMs === this.windowStart(nowMs) ? w.used : 0;
  }

  private windowStart(nowMs: number): number {
    return Math.floor(nowMs / this.config.windowMs) * this.config.windowMs;
  }

  consume(key: string, weight: number, nowMs: number): LimitOutcome {
    const startMs = this.windowStart(nowMs);
    let w = this.windows.get(key);
    if (!w || w.startMs !== startMs) this.windows.set(key, (w = { startMs, used: 0, warned: false }));
    const bannedUntilMs = this.bans.get(key) ?? 0;
    if (nowMs < bannedUntilMs) return { kind: 'banned', used: w.used, retryAfterSec: Math.ceil((bannedUntilMs - nowMs) / 1000), bannedUntilMs };
    w.used += weight;
    if (w.used <= this.config.limit) return { kind: 'ok', used: w.used };
    const retryAfterSec = Math.max(1, Math.ceil((startMs + this.config.windowMs - nowMs) / 1000));
    if (w.warned && this.config.banMs !== undefined) {
      const count = (this.banCounts.get(key) ?? 0) + 1;
      this.banCounts.set(key, count);
      const banMs = Math.min(this.config.banMs * 2 ** (count - 1), MAX_BAN_MS);
      const until = nowMs + banMs;
      this.bans.set(key, until);
      return { kind: 'banned', used: w.used, retryAfterSec: Math.ceil(banMs / 1000), bannedUntilMs: until };
    }
    w.warned = true;
    return { kind: 'limited', used: w.used, retryAfterSec };
  }
}

/** Integer query parameter; undefined when absent, NaN when present but not an integer. */
export function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  return /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
}

/**
 * Picks rows from an ascending time grid the way Binance does: with startTime the first `limit`
 * rows from it, with only endTime the last `limit` up to it, with neither the latest `limit`.
 * Both bounds inclusive.
 */
export function selectGrid(opts: { stepMs: number; earliestMs: number; latestMs: number; startMs?: number; endMs?: number; limit: number }): number[] {
  const first = (ms: number): number => Math.ceil(ms / opts.stepMs) * opts.stepMs;
  const last = (ms: number): number => Math.floor(ms / opts.stepMs) * opts.stepMs;
  const lo = first(Math.max(opts.earliestMs, opts.startMs ?? opts.earliestMs));
  const hi = last(Math.min(opts.latestMs, opts.endMs ?? opts.latestMs));
  const out: number[] = [];
  if (hi < lo) return out;
  if (opts.startMs !== undefined) {
    for (let t = lo; t <= hi && out.length < opts.limit; t += opts.stepMs) out.push(t);
    return out;
  }
  for (let t = hi; t >= lo && out.length < opts.limit; t -= opts.stepMs) out.push(t);
  return out.reverse();
}
