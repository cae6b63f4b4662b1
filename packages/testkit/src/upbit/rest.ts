// Upbit quotation REST, as Upbit documents it: minute candles newest first, `to` exclusive,
// count ≤ 200, no candle for minutes without trades, Remaining-Req on every response, 10 req/s
// for the candle group with 429 and then a 418 block for clients that keep going.
import type { SyntheticMarket } from '../market/synthetic.js';
import type { UpbitOptions } from '../options.js';
import { RateLimiter, intParam, jsonResponse, type RestRequest, type RestResponse } from '../rest/http.js';
import { MINUTE_MS, floorTo, kstDateTime, utcDateTime } from '../time.js';

const MINUTE_UNITS = new Set([1, 3, 5, 10, 15, 30, 60, 240]);
const MAX_COUNT = 200;

const upbitError = (status: number, name: string | number, message: string, headers: Record<string, string> = {}): RestResponse =>
  jsonResponse(status, { error: { name, message } }, headers);

/** Parses Upbit's `to`: ISO-8601 with Z or offset, or `yyyy-MM-dd HH:mm:ss` (taken as UTC). */
export function parseUpbitTime(value: string): number {
  const text = value.trim().replace(' ', 'T');
  const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  return Date.parse(zoned);
}

export class UpbitRest {
  private readonly limiters: Record<string, RateLimiter>;

  constructor(
    private readonly market: SyntheticMarket,
    private readonly options: UpbitOptions,
  ) {
    const group = (): RateLimiter => new RateLimiter({ limit: options.candleRequestsPerSec, windowMs: 1000, banMs: options.blockMs });
    this.limiters = { candle: group(), market: group() };
  }

  handle(req: RestRequest): RestResponse {
    const candles = /^\/v1\/candles\/minutes\/([^/]+)$/.exec(req.path);
    const groupName = candles ? 'candle' : req.path === '/v1/market/all' ? 'market' : undefined;
    if (!groupName || req.method !== 'GET') return upbitError(404, 404, 'Not found');
    const limiter = this.limiters[groupName];
    const outcome = limiter.consume(req.ip, 1, req.nowMs);
    const remaining = { 'Remaining-Req': `group=${groupName}; min=${limiter.limit * 60}; sec=${Math.max(0, limiter.limit - outcome.used)}` };
    if (outcome.kind !== 'ok') return UpbitRest.rateLimited(outcome.kind === 'banned' ? 418 : 429, outcome.retryAfterSec, remaining);
    if (groupName === 'market') {
      return jsonResponse(200, this.market.instruments('upbit').map((i) => ({ market: i.symbol, korean_name: i.base, english_name: i.base })), remaining);
    }
    return this.minuteCandles(req, Number(candles![1]), remaining);
  }

  /** 429/418 responses (also used by injected faults). Upbit documents no Retry-After. */
  static rateLimited(status: 429 | 418, blockSec: number, headers: Record<string, string> = {}): RestResponse {
    return status === 429
      ? upbitError(429, 'too_many_requests', 'Too many API requests.', headers)
      : upbitError(418, 'blocked', `Too many API requests after 429. Blocked for ${blockSec} seconds.`, headers);
  }

  static errorBody(status: number): string {
    return JSON.stringify({ error: { name: status >= 500 ? 'server_error' : 'bad_request', message: `HTTP ${status}` } });
  }

  private minuteCandles(req: RestRequest, unit: number, headers: Record<string, string>): RestResponse {
    if (!MINUTE_UNITS.has(unit)) return upbitError(400, 'invalid_parameter', `unit must be one of ${[...MINUTE_UNITS].join(', ')}`, headers);
    const market = req.query.get('market');
    if (!market) return upbitError(400, 'invalid_parameter', 'market is required', headers);
    const inst = this.market.instrument('upbit', market);
    if (!inst) return upbitError(404, 404, 'Code not found', headers);
    const count = intParam(req.query, 'count') ?? 1;
    if (!(count >= 1 && count <= MAX_COUNT)) return upbitError(400, 'invalid_parameter', `count must be between 1 and ${MAX_COUNT}`, headers);
    const toParam = req.query.get('to');
    const toMs = toParam ? parseUpbitTime(toParam) : req.nowMs + 1;
    if (Number.isNaN(toMs)) return upbitError(400, 'invalid_parameter', `invalid to: ${toParam}`, headers);
    const unitMs = unit * MINUTE_MS;
    const rows: unknown[] = [];
    // `to` is exclusive; the window is `count` candle slots and empty slots are simply missing.
    const newestStart = floorTo(Math.min(toMs, req.nowMs + 1) - 1, unitMs);
    for (let i = 0; i < count; i++) {
      const startMs = newestStart - i * unitMs;
      const bar = this.market.bar('upbit', market, startMs, startMs + unitMs);
      if (!bar) continue;
      rows.push({
        market, candle_date_time_utc: utcDateTime(startMs), candle_date_time_kst: kstDateTime(startMs),
        opening_price: bar.open, high_price: bar.high, low_price: bar.low, trade_price: bar.close,
        timestamp: bar.lastTradeMs, candle_acc_trade_price: Number(bar.quoteVolume.toFixed(8)),
        candle_acc_trade_volume: Number(bar.volume.toFixed(8)), unit,
      });
    }
    return jsonResponse(200, rows, headers);
  }
}
