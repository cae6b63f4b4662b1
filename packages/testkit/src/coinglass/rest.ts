// Coinglass v4 liquidation endpoints (as Coinglass's v4 API documentation describes them): CG-API-KEY required, envelope
// {"code":"0","msg":"success","data":…} with a string code, per-plan requests per minute with
// API-KEY-MAX-LIMIT / API-KEY-USE-LIMIT headers, 429 on excess (with Retry-After only when
// configured: undocumented), plan gating → 401 + reason.
import type { SyntheticMarket } from '../market/synthetic.js';
import { COINGLASS_PLAN_REQUESTS_PER_MIN, type CoinglassOptions, type CoinglassPlan } from '../options.js';
import { RateLimiter, intParam, jsonResponse, selectGrid, type RestRequest, type RestResponse } from '../rest/http.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../time.js';
import { KNOWN_EXCHANGES, liquidationBucket, liquidationMap } from './liquidations.js';

const PLAN_RANK: Record<CoinglassPlan, number> = { Hobbyist: 0, Startup: 1, Standard: 2, Professional: 3, Enterprise: 4 };
const INTERVALS_MS: Record<string, number> = {
  '1m': MINUTE_MS, '3m': 3 * MINUTE_MS, '5m': 5 * MINUTE_MS, '15m': 15 * MINUTE_MS, '30m': 30 * MINUTE_MS, '1h': HOUR_MS,
  '4h': 4 * HOUR_MS, '6h': 6 * HOUR_MS, '8h': 8 * HOUR_MS, '12h': 12 * HOUR_MS, '1d': DAY_MS, '1w': 7 * DAY_MS,
};
// Smallest interval per plan for pair history (Hobbyist ≥ 4h, Startup ≥ 30m).
const MIN_HISTORY_INTERVAL_MS: Partial<Record<CoinglassPlan, number>> = { Hobbyist: 4 * HOUR_MS, Startup: 30 * MINUTE_MS };
const MAP_RANGES = new Set(['1d', '7d', '30d']);
const HISTORY_DEPTH_MS = 365 * DAY_MS;

class CoinglassError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const envelope = (data: unknown): unknown => ({ code: '0', msg: 'success', data });
const usdString = (v: number): string => String(Number(v.toFixed(5)));
const usdNumber = (v: number): number => Number(v.toFixed(2));

export class CoinglassRest {
  private readonly limiter: RateLimiter;
  private readonly routes: Record<string, { minPlan?: CoinglassPlan; run: (req: RestRequest) => unknown }>;

  constructor(
    private readonly market: SyntheticMarket,
    private readonly options: CoinglassOptions,
  ) {
    this.limiter = new RateLimiter({ limit: options.requestsPerMinute ?? COINGLASS_PLAN_REQUESTS_PER_MIN[options.plan], windowMs: options.windowMs });
    this.routes = {
      '/api/futures/liquidation/history': { run: (req) => this.history(req) },
      '/api/futures/liquidation/aggregated-history': { run: (req) => this.aggregatedHistory(req) },
      '/api/futures/liquidation/map': { minPlan: 'Professional', run: (req) => this.map(req, true) },
      '/api/futures/liquidation/aggregated-map': { minPlan: 'Professional', run: (req) => this.map(req, false) },
    };
  }

  handle(req: RestRequest): RestResponse {
    const key = req.headers['cg-api-key'];
    if (!key) return CoinglassRest.error(401, 'API key missing: send your key in the CG-API-KEY header.');
    if (!this.options.apiKeys.includes(key)) return CoinglassRest.error(401, 'Invalid API key.');
    const outcome = this.limiter.consume(key, 1, req.nowMs);
    const headers = { 'API-KEY-MAX-LIMIT': String(this.limiter.limit), 'API-KEY-USE-LIMIT': String(Math.min(outcome.used, this.limiter.limit)) };
    if (outcome.kind !== 'ok') {
      const retryAfter: Record<string, string> = this.options.retryAfterOn429 ? { 'Retry-After': String(outcome.retryAfterSec) } : {};
      return CoinglassRest.error(429, 'Too Many Requests', { ...headers, ...retryAfter });
    }
    const route = this.routes[req.path];
    if (!route) return CoinglassRest.error(404, 'Not Found', headers);
    if (req.method !== 'GET') return CoinglassRest.error(405, 'Method Not Allowed', headers);
    if (route.minPlan && PLAN_RANK[this.options.plan] < PLAN_RANK[route.minPlan]) {
      return CoinglassRest.error(401, `Upgrade plan: ${req.path} requires the ${route.minPlan} plan or above (current plan: ${this.options.plan}).`, headers);
    }
    try {
      return jsonResponse(200, envelope(route.run(req)), headers);
    } catch (err) {
      if (err instanceof CoinglassError) return CoinglassRest.error(err.status, err.message, headers);
      throw err;
    }
  }

  /** Error response: HTTP status and the same number as a string body code. */
  static error(status: number, msg: string, headers: Record<string, string> = {}): RestResponse {
    return jsonResponse(status, { code: String(status), msg }, headers);
  }

  static errorBody(status: number): string {
    const msg = status === 401 ? 'Invalid API key.' : status === 429 ? 'Too Many Requests' : status >= 500 ? 'Internal Server Error' : 'Bad Request';
    return JSON.stringify({ code: String(status), msg });
  }

  private required(req: RestRequest, name: string): string {
    const value = req.query.get(name);
    if (!value) throw new CoinglassError(400, `Missing required parameter: ${name}`);
    return value;
  }

  private interval(req: RestRequest): number {
    const interval = this.required(req, 'interval');
    const ms = INTERVALS_MS[interval];
    if (ms === undefined) throw new CoinglassError(400, `Invalid interval: ${interval}`);
    return ms;
  }

  /** Coinglass pair (`BTCUSDT`) or coin (`BTC`) → a simulated Binance symbol, if any. */
  private pairOf(symbol: string, isCoin: boolean): string | undefined {
    const pair = isCoin ? `${symbol}USDT` : symbol;
    return this.market.instrument('binance', pair) ? pair : undefined;
  }

  private grid(req: RestRequest, stepMs: number): number[] {
    const limit = intParam(req.query, 'limit') ?? 1000;
    if (!(limit > 0)) throw new CoinglassError(400, 'Invalid limit');
    return selectGrid({
      stepMs, earliestMs: req.nowMs - HISTORY_DEPTH_MS, latestMs: req.nowMs, limit: Math.min(limit, 1000),
      startMs: intParam(req.query, 'start_time'), endMs: intParam(req.query, 'end_time'),
    });
  }

  private history(req: RestRequest): unknown {
    const exchange = this.required(req, 'exchange');
    const symbol = this.required(req, 'symbol');
    const stepMs = this.interval(req);
    const minMs = MIN_HISTORY_INTERVAL_MS[this.options.plan];
    if (minMs !== undefined && stepMs < minMs) throw new CoinglassError(401, `Upgrade plan: interval ${req.query.get('interval')} is not available on the ${this.options.plan} plan.`);
    if (!KNOWN_EXCHANGES.includes(exchange)) throw new CoinglassError(400, `Unsupported exchange: ${exchange}`);
    const pair = this.pairOf(symbol, false);
    if (!pair) return [];
    return this.grid(req, stepMs).map((t) => {
      const b = liquidationBucket(this.market, pair, exchange, t, stepMs);
      return { time: t, long_liquidation_usd: usdString(b.longUsd), short_liquidation_usd: usdString(b.shortUsd) };
    });
  }

  private aggregatedHistory(req: RestRequest): unknown {
    const exchanges = this.required(req, 'exchange_list').split(',').map((e) => e.trim()).filter(Boolean);
    const symbol = this.required(req, 'symbol');
    const stepMs = this.interval(req);
    const pair = this.pairOf(symbol, true);
    if (!pair) return [];
    return this.grid(req, stepMs).map((t) => {
      let longUsd = 0;
      let shortUsd = 0;
      for (const exchange of exchanges) {
        const b = liquidationBucket(this.market, pair, exchange, t, stepMs);
        longUsd += b.longUsd;
        shortUsd += b.shortUsd;
      }
      return { time: t, aggregated_long_liquidation_usd: usdNumber(longUsd), aggregated_short_liquidation_usd: usdNumber(shortUsd) };
    });
  }

  private map(req: RestRequest, perExchange: boolean): unknown {
    if (perExchange) this.required(req, 'exchange');
    const symbol = this.required(req, 'symbol');
    const range = this.required(req, 'range');
    if (!MAP_RANGES.has(range)) throw new CoinglassError(400, `Invalid range: ${range} (expected 1d, 7d or 30d)`);
    const pair = this.pairOf(symbol, !perExchange);
    const levels: Record<string, Array<[number, number, number | null, null]>> = {};
    if (pair) {
      for (const level of liquidationMap(this.market, pair, range, perExchange)) {
        (levels[String(level.price)] ??= []).push([level.price, level.liquidationUsd, level.leverage, null]);
      }
    }
    return { data: levels };
  }
}
