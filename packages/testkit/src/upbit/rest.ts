// Upbit quotation REST, as Upbit documents it: minute, day, week and month candles newest first,
// `to` exclusive, count ≤ 200, the newest candle still forming, no candle for minutes without
// trades, Remaining-Req on every response, 10 req/s for the candle group with 429 and then a 418
// block for clients that keep going. Recorded 1-minute candle bodies (see loadUpbitCandleFiles)
// replace the synthetic market over the span they cover; 3…240-minute candles wholly inside that
// span are joined from them.
import { readFileSync } from 'node:fs';
import type { SyntheticMarket } from '../market/synthetic.js';
import type { UpbitOptions } from '../options.js';
import { RateLimiter, intParam, jsonResponse, type RestRequest, type RestResponse } from '../rest/http.js';
import { DAY_MS, MINUTE_MS, floorTo, kstDateTime, utcDateTime } from '../time.js';

const MINUTE_UNITS = new Set([1, 3, 5, 10, 15, 30, 60, 240]);
const MAX_COUNT = 200;

type Period = 'days' | 'weeks' | 'months';

/** A recorded candle as Upbit sent it (keys as in the body). */
export type RecordedCandle = Record<string, unknown> & { market: string; candle_date_time_utc: string };

/** Recorded 1-minute candles per market: rows by candle start (ms), and the spans the files cover. */
export type RecordedCandles = Map<string, { rows: Map<number, RecordedCandle>; spans: Array<{ fromMs: number; toMs: number }> }>;

/**
 * Reads bodies of `GET /v1/candles/minutes/1` (JSON arrays). Where files overlap, the row with
 * the later `timestamp` wins: an earlier file caught that candle while it was still forming.
 */
export function loadUpbitCandleFiles(paths: readonly string[]): RecordedCandles {
  const out: RecordedCandles = new Map();
  for (const path of paths) {
    const rows = (JSON.parse(readFileSync(path, 'utf8')) as RecordedCandle[]).filter((row) => row.unit === 1);
    for (const row of rows) {
      const market = out.get(row.market) ?? { rows: new Map<number, RecordedCandle>(), spans: [] };
      out.set(row.market, market);
      const startMs = Date.parse(`${row.candle_date_time_utc}Z`);
      const seen = market.rows.get(startMs);
      if (!seen || Number(row.timestamp) > Number(seen.timestamp)) market.rows.set(startMs, row);
    }
    // A file covers the minutes from its oldest to its newest row: a gap inside it had no trades.
    for (const market of new Set(rows.map((r) => r.market))) {
      const starts = rows.filter((r) => r.market === market).map((r) => Date.parse(`${r.candle_date_time_utc}Z`));
      out.get(market)!.spans.push({ fromMs: Math.min(...starts), toMs: Math.max(...starts) + MINUTE_MS });
    }
  }
  return out;
}

/** True when [fromMs, toMs) lies inside the union of the spans (adjacent files join). */
function withinSpans(spans: ReadonlyArray<{ fromMs: number; toMs: number }>, fromMs: number, toMs: number): boolean {
  let reached = fromMs;
  for (const span of [...spans].sort((a, b) => a.fromMs - b.fromMs)) {
    if (span.fromMs > reached) break;
    reached = Math.max(reached, span.toMs);
    if (reached >= toMs) return true;
  }
  return false;
}

/** The recorded 1-minute rows of [startMs, startMs + unit minutes) joined into one candle body. */
function joinRecorded(market: string, startMs: number, unit: number, rows: Map<number, RecordedCandle>): RecordedCandle | undefined {
  const minutes: RecordedCandle[] = [];
  for (let t = startMs; t < startMs + unit * MINUTE_MS; t += MINUTE_MS) {
    const row = rows.get(t);
    if (row) minutes.push(row);
  }
  if (minutes.length === 0) return undefined;
  const num = (row: RecordedCandle, key: string) => Number(row[key]);
  const sum = (key: string) => Number(minutes.reduce((n, r) => n + num(r, key), 0).toFixed(8));
  return {
    market, candle_date_time_utc: utcDateTime(startMs), candle_date_time_kst: kstDateTime(startMs),
    opening_price: num(minutes[0], 'opening_price'), high_price: Math.max(...minutes.map((r) => num(r, 'high_price'))),
    low_price: Math.min(...minutes.map((r) => num(r, 'low_price'))), trade_price: num(minutes[minutes.length - 1], 'trade_price'),
    timestamp: num(minutes[minutes.length - 1], 'timestamp'), candle_acc_trade_price: sum('candle_acc_trade_price'),
    candle_acc_trade_volume: sum('candle_acc_trade_volume'), unit,
  };
}

/** Start of the period holding tsMs: UTC day, week from Monday, calendar month. */
function periodStart(period: Period, tsMs: number): number {
  if (period === 'days') return floorTo(tsMs, DAY_MS);
  if (period === 'weeks') {
    const day = floorTo(tsMs, DAY_MS);
    return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
  }
  const d = new Date(tsMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function periodNext(period: Period, startMs: number): number {
  if (period === 'days') return startMs + DAY_MS;
  if (period === 'weeks') return startMs + 7 * DAY_MS;
  const d = new Date(startMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

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
    private readonly recorded: RecordedCandles = new Map(),
  ) {
    const group = (): RateLimiter => new RateLimiter({ limit: options.candleRequestsPerSec, windowMs: 1000, banMs: options.blockMs });
    this.limiters = { candle: group(), market: group(), ticker: group() };
  }

  handle(req: RestRequest): RestResponse {
    const candles = /^\/v1\/candles\/minutes\/([^/]+)$/.exec(req.path);
    const period = /^\/v1\/candles\/(days|weeks|months)$/.exec(req.path)?.[1] as Period | undefined;
    const groupName = candles || period ? 'candle' : req.path === '/v1/market/all' ? 'market' : req.path === '/v1/ticker/all' ? 'ticker' : undefined;
    if (!groupName || req.method !== 'GET') return upbitError(404, 404, 'Not found');
    const limiter = this.limiters[groupName];
    const outcome = limiter.consume(req.ip, 1, req.nowMs);
    const remaining = { 'Remaining-Req': `group=${groupName}; min=${limiter.limit * 60}; sec=${Math.max(0, limiter.limit - outcome.used)}` };
    if (outcome.kind !== 'ok') return { ...UpbitRest.rateLimited(outcome.kind === 'banned' ? 418 : 429, outcome.retryAfterSec, remaining), violation: true };
    if (groupName === 'market') {
      return jsonResponse(200, this.market.instruments('upbit').map((i) => ({ market: i.symbol, korean_name: i.base, english_name: i.base })), remaining);
    }
    if (groupName === 'ticker') return this.tickers(req, remaining);
    if (period) return this.periodCandles(req, period, remaining);
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

  /** market, count and `to` (exclusive, capped just past now), or the 400/404 to answer. */
  private window(req: RestRequest, headers: Record<string, string>): { market: string; count: number; toMs: number } | RestResponse {
    const market = req.query.get('market');
    if (!market) return upbitError(400, 'invalid_parameter', 'market is required', headers);
    if (!this.market.instrument('upbit', market)) return upbitError(404, 404, 'Code not found', headers);
    const count = intParam(req.query, 'count') ?? 1;
    if (!(count >= 1 && count <= MAX_COUNT)) return upbitError(400, 'invalid_parameter', `count must be between 1 and ${MAX_COUNT}`, headers);
    const toParam = req.query.get('to');
    const toMs = toParam ? parseUpbitTime(toParam) : req.nowMs + 1;
    if (Number.isNaN(toMs)) return upbitError(400, 'invalid_parameter', `invalid to: ${toParam}`, headers);
    return { market, count, toMs: Math.min(toMs, req.nowMs + 1) };
  }

  /**
   * `GET /v1/ticker/all?quote_currencies=KRW[,BTC…]`: every market of those quotes, with the
   * traded value since 00:00 UTC (`acc_trade_price`) and over the last 24 h (`acc_trade_price_24h`).
   */
  private tickers(req: RestRequest, headers: Record<string, string>): RestResponse {
    const quotes = (req.query.get('quote_currencies') ?? '').split(',').map((q) => q.trim()).filter(Boolean);
    if (quotes.length === 0) return upbitError(400, 'invalid_parameter', 'quote_currencies is required', headers);
    const dayStartMs = floorTo(req.nowMs, DAY_MS);
    const rows = this.market.instruments('upbit').filter((i) => quotes.includes(i.quote)).map((inst) => {
      const price = this.market.priceAt('upbit', inst.symbol, req.nowMs);
      const day = this.market.bar('upbit', inst.symbol, dayStartMs, req.nowMs + 1);
      const last24h = this.market.bar('upbit', inst.symbol, req.nowMs - DAY_MS, req.nowMs + 1);
      const factor = this.options.volume24hFactors[inst.symbol] ?? 1;
      const prevClose = this.market.priceAt('upbit', inst.symbol, dayStartMs - 1);
      const change = price - prevClose;
      const lastTradeMs = last24h?.lastTradeMs ?? req.nowMs;
      return {
        market: inst.symbol,
        trade_date: utcDateTime(lastTradeMs).slice(0, 10).replace(/-/g, ''), trade_time: utcDateTime(lastTradeMs).slice(11).replace(/:/g, ''),
        trade_date_kst: kstDateTime(lastTradeMs).slice(0, 10).replace(/-/g, ''), trade_time_kst: kstDateTime(lastTradeMs).slice(11).replace(/:/g, ''),
        trade_timestamp: lastTradeMs,
        opening_price: day?.open ?? prevClose, high_price: day?.high ?? price, low_price: day?.low ?? price, trade_price: price,
        prev_closing_price: prevClose, change: change > 0 ? 'RISE' : change < 0 ? 'FALL' : 'EVEN',
        change_price: Math.abs(change), change_rate: Number(Math.abs(change / prevClose).toFixed(8)),
        signed_change_price: change, signed_change_rate: Number((change / prevClose).toFixed(8)),
        trade_volume: Number(((inst.profile.medianTradeUsd * inst.quotePerUsd) / price).toFixed(8)),
        acc_trade_price: Number((day?.quoteVolume ?? 0).toFixed(8)), acc_trade_price_24h: Number(((last24h?.quoteVolume ?? 0) * factor).toFixed(8)),
        acc_trade_volume: Number((day?.volume ?? 0).toFixed(8)), acc_trade_volume_24h: Number(((last24h?.volume ?? 0) * factor).toFixed(8)),
        highest_52_week_price: Math.max(price, day?.high ?? price), highest_52_week_date: utcDateTime(dayStartMs).slice(0, 10),
        lowest_52_week_price: Math.min(price, day?.low ?? price), lowest_52_week_date: utcDateTime(dayStartMs).slice(0, 10),
        timestamp: req.nowMs,
      };
    });
    return jsonResponse(200, rows, headers);
  }

  private periodCandles(req: RestRequest, period: Period, headers: Record<string, string>): RestResponse {
    const w = this.window(req, headers);
    if ('status' in w) return w;
    const converting = req.query.get('converting_price_unit') ?? req.query.get('convertingPriceUnit');
    const rows: unknown[] = [];
    // `count` period slots back from `to`; the forming period is cut at now.
    for (let i = 0, startMs = periodStart(period, w.toMs - 1); i < w.count; i++, startMs = periodStart(period, startMs - 1)) {
      const bar = this.market.candle('upbit', w.market, startMs, Math.min(periodNext(period, startMs), req.nowMs + 1));
      if (!bar) continue;
      const row: Record<string, unknown> = {
        market: w.market, candle_date_time_utc: utcDateTime(startMs), candle_date_time_kst: kstDateTime(startMs),
        opening_price: bar.open, high_price: bar.high, low_price: bar.low, trade_price: bar.close,
        timestamp: bar.lastTradeMs, candle_acc_trade_price: Number(bar.quoteVolume.toFixed(8)),
        candle_acc_trade_volume: Number(bar.volume.toFixed(8)),
      };
      if (period === 'days') {
        // UTC midnight is Upbit's day boundary: the previous close is the price just before it.
        const prev = this.market.priceAt('upbit', w.market, startMs - 1);
        const inst = this.market.instrument('upbit', w.market)!;
        const prevClose = Math.round(prev / inst.tickSize(prev)) * inst.tickSize(prev);
        Object.assign(row, {
          prev_closing_price: prevClose, change_price: bar.close - prevClose, change_rate: Number(((bar.close - prevClose) / prevClose).toFixed(8)),
          converted_trade_price: converting === 'KRW' ? bar.close : null,
        });
      } else {
        row.first_day_of_period = utcDateTime(startMs).slice(0, 10);
      }
      rows.push(row);
    }
    return jsonResponse(200, rows, headers);
  }

  private minuteCandles(req: RestRequest, unit: number, headers: Record<string, string>): RestResponse {
    if (!MINUTE_UNITS.has(unit)) return upbitError(400, 'invalid_parameter', `unit must be one of ${[...MINUTE_UNITS].join(', ')}`, headers);
    const w = this.window(req, headers);
    if ('status' in w) return w;
    const { market, count } = w;
    const unitMs = unit * MINUTE_MS;
    const rows: unknown[] = [];
    const recorded = this.recorded.get(market);
    // `to` is exclusive; the window is `count` candle slots and empty slots are simply missing.
    const newestStart = floorTo(w.toMs - 1, unitMs);
    for (let i = 0; i < count; i++) {
      const startMs = newestStart - i * unitMs;
      if (unit === 1 && recorded?.spans.some((span) => startMs >= span.fromMs && startMs < span.toMs)) {
        const row = recorded.rows.get(startMs);
        if (row) rows.push(row);
        continue;
      }
      // A longer candle inside recorded minutes is those minutes joined, as Upbit builds it from
      // the same trades (no recorded 60-minute bodies exist: this one is derived, not recorded).
      if (unit > 1 && recorded && withinSpans(recorded.spans, startMs, startMs + unitMs)) {
        const row = joinRecorded(market, startMs, unit, recorded.rows);
        if (row) rows.push(row);
        continue;
      }
      const bar = this.market.candle('upbit', market, startMs, startMs + unitMs);
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
