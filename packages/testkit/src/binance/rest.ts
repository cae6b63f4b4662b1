// Binance USD-M REST market data, as Binance documents it: ascending arrays, decimals as strings,
// Binance error bodies, a per-IP request-weight budget reported in X-MBX-USED-WEIGHT-1M, the
// separate /futures/data and fundingRate request budgets, 429 -1003 + Retry-After, then 418.
// Served from the synthetic market: these responses have no public recordings.
import { emptyBar } from '../market/bars.js';
import { decimalString, type Instrument } from '../market/instruments.js';
import {
  fundingRateAt, longShortRatioAt, openInterestAt, perpetualPremiumAt, takerBuySellRatioAt, type LongShortKind,
} from '../market/metrics.js';
import type { SyntheticMarket } from '../market/synthetic.js';
import type { BinanceOptions } from '../options.js';
import { RateLimiter, intParam, jsonResponse, selectGrid, type LimitOutcome, type RestRequest, type RestResponse } from '../rest/http.js';
import { DAY_MS, HOUR_MS } from '../time.js';
import { BINANCE_DATA_PERIODS_MS, intervalEnd, intervalStart, isKlineInterval } from './intervals.js';
import { formatPrice, formatQty, formatQuote } from './payloads.js';

const ONBOARD_MS = 1569398400000;
const FUNDING_INTERVAL_MS = 8 * HOUR_MS;

class BinanceError extends Error {
  constructor(readonly code: number, message: string, readonly status = 400) {
    super(message);
  }
}

type Limiter = 'weight' | 'futuresData' | 'fundingRate';

interface Endpoint {
  weight: (query: URLSearchParams) => number;
  /** Extra request budget besides the 1-minute weight. */
  limiter?: Exclude<Limiter, 'weight'>;
  run: (req: RestRequest) => unknown;
}

const dec8 = (v: number): string => decimalString(v, 8);
const dec4 = (v: number): string => decimalString(v, 4);

export class BinanceRest {
  private readonly limiters: Record<Limiter, RateLimiter>;
  private readonly endpoints: Record<string, Endpoint>;

  constructor(
    private readonly market: SyntheticMarket,
    private readonly options: BinanceOptions,
  ) {
    this.limiters = {
      weight: new RateLimiter({ limit: options.weightLimitPerMinute, windowMs: options.weightWindowMs, banMs: options.banMs }),
      futuresData: new RateLimiter({ limit: options.futuresDataLimit, windowMs: options.futuresDataWindowMs, banMs: options.banMs }),
      fundingRate: new RateLimiter({ limit: options.fundingRateLimit, windowMs: options.fundingRateWindowMs, banMs: options.banMs }),
    };
    const one = (): number => 1;
    const zero = (): number => 0;
    const data = (run: Endpoint['run']): Endpoint => ({ weight: zero, limiter: 'futuresData', run });
    this.endpoints = {
      '/fapi/v1/ping': { weight: one, run: () => ({}) },
      '/fapi/v1/time': { weight: one, run: (req) => ({ serverTime: req.nowMs }) },
      '/fapi/v1/exchangeInfo': { weight: one, run: (req) => this.exchangeInfo(req.nowMs) },
      '/fapi/v1/openInterest': { weight: one, run: (req) => this.openInterest(req) },
      '/fapi/v1/premiumIndex': { weight: one, run: (req) => this.premiumIndex(req) },
      '/fapi/v1/fundingRate': { weight: one, limiter: 'fundingRate', run: (req) => this.fundingRate(req) },
      // 1 for one symbol, 40 for all (Binance USD-M docs: "40 when the symbol parameter is omitted").
      '/fapi/v1/ticker/24hr': { weight: (q) => (q.get('symbol') === null ? 40 : 1), run: (req) => this.ticker24hr(req) },
      '/fapi/v1/klines': { weight: (q) => klinesWeight(Number(q.get('limit') ?? 500)), run: (req) => this.klines(req) },
      '/futures/data/openInterestHist': data((req) => this.openInterestHist(req)),
      '/futures/data/globalLongShortAccountRatio': data((req) => this.longShortRatio(req, 'global')),
      '/futures/data/topLongShortAccountRatio': data((req) => this.longShortRatio(req, 'topAccount')),
      '/futures/data/topLongShortPositionRatio': data((req) => this.longShortRatio(req, 'topPosition')),
      '/futures/data/takerlongshortRatio': data((req) => this.takerLongShortRatio(req)),
      '/futures/data/basis': data((req) => this.basis(req)),
    };
  }

  handle(req: RestRequest): RestResponse {
    const endpoint = this.endpoints[req.path];
    const usedHeader = (): Record<string, string> => ({ 'X-MBX-USED-WEIGHT-1M': String(this.limiters.weight.used(req.ip, req.nowMs)) });
    if (!endpoint || req.method !== 'GET') {
      return jsonResponse(404, { code: -5000, msg: `Path ${req.path}, Method ${req.method} is invalid` }, usedHeader());
    }
    const checks: Array<[Limiter, LimitOutcome]> = [['weight', this.limiters.weight.consume(req.ip, endpoint.weight(req.query), req.nowMs)]];
    if (endpoint.limiter) checks.push([endpoint.limiter, this.limiters[endpoint.limiter].consume(req.ip, 1, req.nowMs)]);
    for (const [, outcome] of checks) {
      if (outcome.kind === 'banned') return { ...this.rateLimited(418, outcome.retryAfterSec, usedHeader(), outcome.bannedUntilMs), violation: true };
    }
    for (const [limiter, outcome] of checks) {
      if (outcome.kind === 'limited') return { ...this.rateLimited(429, outcome.retryAfterSec, usedHeader(), undefined, limiter), violation: true };
    }
    try {
      return jsonResponse(200, endpoint.run(req), usedHeader());
    } catch (err) {
      if (err instanceof BinanceError) return jsonResponse(err.status, { code: err.code, msg: err.message }, usedHeader());
      throw err;
    }
  }

  /** 429/418 with Binance's -1003 messages and Retry-After; also used by injected faults. */
  rateLimited(status: 429 | 418, retryAfterSec: number, headers: Record<string, string> = {}, bannedUntilMs?: number, limiter: Limiter = 'weight'): RestResponse {
    const perMinutes = (windowMs: number): string => `${Math.max(1, Math.round(windowMs / 60_000))} MINUTE`;
    const { limit } = this.limiters[limiter];
    let msg: string;
    if (status === 418) msg = `Way too much request weight used; IP banned until ${bannedUntilMs ?? Date.now() + retryAfterSec * 1000}. Please use the websocket for live updates to avoid bans.`;
    else if (limiter === 'weight') msg = `Too much request weight used; current limit is ${limit} request weight per ${perMinutes(this.options.weightWindowMs)}. Please use the websocket for live updates to avoid polling the API.`;
    else msg = `Too many requests; current limit of IP is ${limit} requests per ${perMinutes(limiter === 'futuresData' ? this.options.futuresDataWindowMs : this.options.fundingRateWindowMs)}.`;
    return jsonResponse(status, { code: -1003, msg }, { ...headers, 'Retry-After': String(retryAfterSec) });
  }

  /** Body for an injected non-rate-limit failure. */
  static errorBody(status: number): string {
    if (status >= 500) return JSON.stringify({ code: -1001, msg: 'Internal error; unable to process your request. Please try again.' });
    if (status === 403) return JSON.stringify({ code: -1002, msg: 'You are not authorized to execute this request.' });
    if (status === 408) return JSON.stringify({ code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' });
    return JSON.stringify({ code: -1000, msg: 'An unknown error occurred while processing the request.' });
  }

  private symbolParam(req: RestRequest, name = 'symbol'): Instrument {
    const symbol = req.query.get(name);
    if (!symbol) throw new BinanceError(-1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
    const inst = this.market.instrument('binance', symbol);
    if (!inst) throw new BinanceError(-1121, 'Invalid symbol.');
    return inst;
  }

  private limitParam(req: RestRequest, fallback: number, max: number): number {
    const limit = intParam(req.query, 'limit');
    if (limit === undefined) return fallback;
    if (!(limit > 0)) throw new BinanceError(-1130, "Data sent for parameter 'limit' is not valid.");
    return Math.min(limit, max);
  }

  private timeParams(req: RestRequest): { startMs?: number; endMs?: number } {
    const startMs = intParam(req.query, 'startTime');
    const endMs = intParam(req.query, 'endTime');
    for (const [name, v] of [['startTime', startMs], ['endTime', endMs]] as const) {
      if (v !== undefined && !(v >= 0)) throw new BinanceError(-1130, `Data sent for parameter '${name}' is not valid.`);
    }
    if (startMs !== undefined && endMs !== undefined && startMs > endMs) throw new BinanceError(-1128, 'Combination of optional parameters invalid.');
    return { startMs, endMs };
  }

  /** Grid times for /futures/data/*: period, limit ≤ 500 (default 30), last 30 days only. */
  private dataGrid(req: RestRequest): number[] {
    const period = req.query.get('period');
    if (!period) throw new BinanceError(-1102, "Mandatory parameter 'period' was not sent, was empty/null, or malformed.");
    const stepMs = BINANCE_DATA_PERIODS_MS[period];
    if (stepMs === undefined) throw new BinanceError(-1130, "Data sent for parameter 'period' is not valid.");
    return selectGrid({
      stepMs, earliestMs: req.nowMs - this.options.futuresDataHistoryMs, latestMs: req.nowMs, limit: this.limitParam(req, 30, 500), ...this.timeParams(req),
    });
  }

  private openInterest(req: RestRequest): unknown {
    const inst = this.symbolParam(req);
    return { openInterest: formatQty(inst, openInterestAt(this.market, inst.symbol, req.nowMs)), symbol: inst.symbol, time: req.nowMs };
  }

  private openInterestHist(req: RestRequest): unknown {
    const inst = this.symbolParam(req);
    return this.dataGrid(req).map((t) => {
      const oi = openInterestAt(this.market, inst.symbol, t);
      return { symbol: inst.symbol, sumOpenInterest: dec8(oi), sumOpenInterestValue: dec8(oi * this.market.priceAt('binance', inst.symbol, t)), timestamp: t };
    });
  }

  private longShortRatio(req: RestRequest, kind: LongShortKind): unknown {
    const inst = this.symbolParam(req);
    return this.dataGrid(req).map((t) => {
      const longShare = Number(dec4(1 - 1 / (1 + longShortRatioAt(this.market, inst.symbol, kind, t))));
      return { symbol: inst.symbol, longShortRatio: dec4(longShare / (1 - longShare)), longAccount: dec4(longShare), shortAccount: dec4(1 - longShare), timestamp: t };
    });
  }

  private takerLongShortRatio(req: RestRequest): unknown {
    const inst = this.symbolParam(req);
    const stepMs = BINANCE_DATA_PERIODS_MS[req.query.get('period') ?? ''];
    return this.dataGrid(req).map((t) => {
      const volume = this.market.bar('binance', inst.symbol, t, Math.min(t + stepMs, req.nowMs))?.volume ?? 0;
      const ratio = takerBuySellRatioAt(this.market, inst.symbol, t);
      return { buySellRatio: dec4(ratio), buyVol: dec4((volume * ratio) / (1 + ratio)), sellVol: dec4(volume / (1 + ratio)), timestamp: t };
    });
  }

  private basis(req: RestRequest): unknown {
    const inst = this.symbolParam(req, 'pair');
    const contractType = req.query.get('contractType');
    if (!contractType) throw new BinanceError(-1102, "Mandatory parameter 'contractType' was not sent, was empty/null, or malformed.");
    if (!['CURRENT_QUARTER', 'NEXT_QUARTER', 'PERPETUAL'].includes(contractType)) throw new BinanceError(-1130, "Data sent for parameter 'contractType' is not valid.");
    return this.dataGrid(req).map((t) => {
      const futuresPrice = this.market.priceAt('binance', inst.symbol, t);
      let premium = perpetualPremiumAt(this.market, inst.symbol, t);
      let annualized = '';
      if (contractType !== 'PERPETUAL') {
        // Quarterlies trade at a carry of ~8 %/year until expiry.
        const daysToExpiry = (quarterlyExpiry(t, contractType === 'NEXT_QUARTER' ? 1 : 0) - t) / DAY_MS;
        const annualRate = 0.08 + 0.03 * this.market.history.metricNoise(inst.symbol, 'carry', t, 2 * DAY_MS);
        premium = (annualRate * daysToExpiry) / 365;
        annualized = dec4(annualRate);
      }
      const indexPrice = futuresPrice / (1 + premium);
      return {
        indexPrice: dec8(indexPrice), contractType, basisRate: dec4(premium), futuresPrice: formatPrice(inst, futuresPrice),
        annualizedBasisRate: annualized, basis: dec8(futuresPrice - indexPrice), pair: inst.symbol, timestamp: t,
      };
    });
  }

  private premiumIndex(req: RestRequest): unknown {
    const entry = (inst: Instrument): Record<string, unknown> => {
      const mark = this.market.mark(inst.symbol);
      return {
        symbol: inst.symbol, markPrice: dec8(mark.markPrice), indexPrice: dec8(mark.indexPrice), estimatedSettlePrice: dec8(mark.estimatedSettlePrice),
        lastFundingRate: dec8(fundingRateAt(this.market, inst.symbol, mark.nextFundingTimeMs - FUNDING_INTERVAL_MS)),
        interestRate: '0.00010000', nextFundingTime: mark.nextFundingTimeMs, time: req.nowMs,
      };
    };
    if (req.query.get('symbol') === null) return this.market.instruments('binance').map(entry);
    return entry(this.symbolParam(req));
  }

  private fundingRate(req: RestRequest): unknown {
    const instruments = req.query.get('symbol') === null ? this.market.instruments('binance') : [this.symbolParam(req)];
    const limit = this.limitParam(req, 100, 1000);
    const times = this.timeParams(req);
    const grid = selectGrid({ stepMs: FUNDING_INTERVAL_MS, earliestMs: ONBOARD_MS, latestMs: req.nowMs, limit, ...times });
    const rows = grid
      .flatMap((t) => instruments.map((inst) => ({ symbol: inst.symbol, fundingTime: t, fundingRate: dec8(fundingRateAt(this.market, inst.symbol, t)), markPrice: dec8(this.market.priceAt('binance', inst.symbol, t)) })))
      .sort((a, b) => a.fundingTime - b.fundingTime || a.symbol.localeCompare(b.symbol));
    return times.startMs !== undefined ? rows.slice(0, limit) : rows.slice(-limit);
  }

  /** Rolling 24 h statistics per symbol: quoteVolume is the USDT traded over the last 24 h. */
  private ticker24hr(req: RestRequest): unknown {
    const entry = (inst: Instrument): Record<string, unknown> => {
      const openMs = req.nowMs - DAY_MS;
      const factor = this.options.volume24hFactors[inst.symbol] ?? 1;
      const bar = this.market.bar('binance', inst.symbol, openMs, req.nowMs + 1) ?? emptyBar(openMs, this.market.priceAt('binance', inst.symbol, openMs));
      const last = this.market.priceAt('binance', inst.symbol, req.nowMs);
      return {
        symbol: inst.symbol, priceChange: formatPrice(inst, last - bar.open), priceChangePercent: ((100 * (last - bar.open)) / bar.open).toFixed(3),
        weightedAvgPrice: formatPrice(inst, bar.volume > 0 ? bar.quoteVolume / bar.volume : last), lastPrice: formatPrice(inst, last),
        lastQty: formatQty(inst, inst.qtyStep), openPrice: formatPrice(inst, bar.open), highPrice: formatPrice(inst, Math.max(bar.high, last)),
        lowPrice: formatPrice(inst, Math.min(bar.low, last)), volume: formatQty(inst, bar.volume * factor), quoteVolume: formatQuote(inst, bar.quoteVolume * factor),
        openTime: openMs, closeTime: req.nowMs, firstId: bar.firstTradeId, lastId: bar.lastTradeId, count: bar.trades,
      };
    };
    if (req.query.get('symbol') === null) return this.market.instruments('binance').map(entry);
    return entry(this.symbolParam(req));
  }

  private klines(req: RestRequest): unknown[] {
    const inst = this.symbolParam(req);
    const interval = req.query.get('interval');
    if (!interval) throw new BinanceError(-1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.");
    if (!isKlineInterval(interval)) throw new BinanceError(-1120, 'Invalid interval.');
    const limit = this.limitParam(req, 500, 1500);
    const { startMs, endMs } = this.timeParams(req);
    const lastOpenMs = intervalStart(Math.min(endMs ?? req.nowMs, req.nowMs), interval);
    const holes = this.options.klineHoles.filter((h) => h.symbol === undefined || h.symbol === inst.symbol);
    // A maintenance hole has no klines at all: pages skip over it rather than return empty rows.
    const inHole = (t: number): boolean => holes.some((h) => t >= h.fromMs && t < h.toMs);
    const opens: number[] = [];
    if (startMs !== undefined) {
      let t = intervalStart(startMs, interval);
      if (t < startMs) t = intervalEnd(t, interval);
      for (; t <= lastOpenMs && opens.length < limit; t = intervalEnd(t, interval)) if (!inHole(t)) opens.push(t);
    } else {
      for (let t = lastOpenMs; opens.length < limit && t >= ONBOARD_MS; t = intervalStart(t - 1, interval)) if (!inHole(t)) opens.unshift(t);
    }
    return opens.map((openMs) => {
      const closeMs = intervalEnd(openMs, interval);
      const bar = this.market.candle('binance', inst.symbol, openMs, closeMs) ?? emptyBar(openMs, this.market.priceAt('binance', inst.symbol, openMs));
      return [
        openMs, formatPrice(inst, bar.open), formatPrice(inst, bar.high), formatPrice(inst, bar.low), formatPrice(inst, bar.close),
        formatQty(inst, bar.volume), closeMs - 1, formatQuote(inst, bar.quoteVolume), bar.trades,
        formatQty(inst, bar.takerBuyVolume), formatQuote(inst, bar.takerBuyQuoteVolume), '0',
      ];
    });
  }

  private exchangeInfo(nowMs: number): unknown {
    const instruments = this.market.instruments('binance');
    return {
      timezone: 'UTC',
      serverTime: nowMs,
      futuresType: 'U_MARGINED',
      rateLimits: [
        // The weight window actually enforced (tests shrink it), so a client that reads it keeps to it.
        { rateLimitType: 'REQUEST_WEIGHT', ...windowSpec(this.options.weightWindowMs), limit: this.options.weightLimitPerMinute },
        { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
      ],
      exchangeFilters: [],
      assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }],
      symbols: instruments.map((inst) => {
        const tick = decimalString(inst.tickSize(inst.profile.usdPrice), inst.priceDecimals);
        const step = decimalString(inst.qtyStep, inst.qtyDecimals);
        return {
          symbol: inst.symbol, pair: inst.symbol, contractType: 'PERPETUAL', deliveryDate: 4133404800000, onboardDate: ONBOARD_MS,
          status: 'TRADING', maintMarginPercent: '2.5000', requiredMarginPercent: '5.0000', baseAsset: inst.base, quoteAsset: 'USDT',
          marginAsset: 'USDT', pricePrecision: inst.priceDecimals, quantityPrecision: inst.qtyDecimals, baseAssetPrecision: 8,
          quotePrecision: 8, underlyingType: 'COIN', underlyingSubType: [], settlePlan: 0, triggerProtect: '0.0500',
          liquidationFee: '0.012500', marketTakeBound: '0.05',
          filters: [
            { minPrice: tick, maxPrice: '4529764', filterType: 'PRICE_FILTER', tickSize: tick },
            { stepSize: step, filterType: 'LOT_SIZE', maxQty: '1000', minQty: step },
            { stepSize: step, filterType: 'MARKET_LOT_SIZE', maxQty: '120', minQty: step },
            { limit: 200, filterType: 'MAX_NUM_ORDERS' },
            { limit: 10, filterType: 'MAX_NUM_ALGO_ORDERS' },
            { notional: '100', filterType: 'MIN_NOTIONAL' },
            { multiplierDown: '0.9500', multiplierUp: '1.0500', multiplierDecimal: '4', filterType: 'PERCENT_PRICE' },
          ],
          orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
          timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
        };
      }),
    };
  }
}

function windowSpec(windowMs: number): { interval: 'MINUTE' | 'SECOND'; intervalNum: number } {
  return windowMs % 60_000 === 0 ? { interval: 'MINUTE', intervalNum: windowMs / 60_000 } : { interval: 'SECOND', intervalNum: Math.max(1, Math.round(windowMs / 1000)) };
}

/** Kline weight by limit: [1,100) → 1, [100,500) → 2, [500,1000] → 5, > 1000 → 10. */
export function klinesWeight(limit: number): number {
  if (!(limit >= 1)) return 1;
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

/** Expiry of the quarterly contract (last Friday of Mar/Jun/Sep/Dec, 08:00 UTC) after tsMs; `ahead` skips quarters. */
function quarterlyExpiry(tsMs: number, ahead: number): number {
  const d = new Date(tsMs);
  let year = d.getUTCFullYear();
  let month = Math.floor(d.getUTCMonth() / 3) * 3 + 2;
  const expiryOf = (y: number, m: number): number => {
    const lastDay = new Date(Date.UTC(y, m + 1, 0, 8));
    const back = (lastDay.getUTCDay() - 5 + 7) % 7;
    return lastDay.getTime() - back * DAY_MS;
  };
  let expiry = expiryOf(year, month);
  let skip = ahead + (expiry <= tsMs ? 1 : 0);
  while (skip-- > 0) {
    month += 3;
    if (month > 11) {
      month -= 12;
      year++;
    }
    expiry = expiryOf(year, month);
  }
  return expiry;
}
