import type { RestRequest } from '../http.js';
import { addTimeWindow, choiceParam, integerParam } from '../requestParams.js';
import {
  FUTURES_DATA_PERIODS,
  KLINE_INTERVALS,
  type BinanceFuturesDataPeriod,
  type BinanceKlineInterval,
} from './intervals.js';
import { symbolParam } from './symbol.js';

/** The /futures/data statistics endpoints that share one parameter set. */
export const FUTURES_DATA_METRICS = [
  'openInterestHist',
  'globalLongShortAccountRatio',
  'topLongShortAccountRatio',
  'topLongShortPositionRatio',
  'takerlongshortRatio',
] as const;
export type BinanceFuturesDataMetric = (typeof FUTURES_DATA_METRICS)[number];

export const BASIS_CONTRACT_TYPES = ['PERPETUAL', 'CURRENT_QUARTER', 'NEXT_QUARTER'] as const;
export type BinanceContractType = (typeof BASIS_CONTRACT_TYPES)[number];

/** Optional time window; Binance treats both ends as inclusive. */
export interface TimeWindow {
  startTimeMs?: number;
  endTimeMs?: number;
}

const FUTURES_DATA_MAX_LIMIT = 500;
const FUNDING_RATE_MAX_LIMIT = 1000;
const KLINES_MAX_LIMIT = 1500;
const TIME_PARAMS = { start: 'startTime', end: 'endTime' };

/** GET /fapi/v1/openInterest — current open interest. */
export function binanceOpenInterestRequest(symbol: string): RestRequest {
  return { path: '/fapi/v1/openInterest', query: { symbol: symbolParam(symbol) } };
}

/** GET /futures/data/<metric> — 30 days of history at most; no window → latest `limit` rows. */
export function binanceFuturesDataRequest(
  metric: BinanceFuturesDataMetric,
  params: { symbol: string; period: BinanceFuturesDataPeriod; limit?: number } & TimeWindow,
): RestRequest {
  choiceParam('metric', metric, FUTURES_DATA_METRICS);
  const query: Record<string, string> = {
    symbol: symbolParam(params.symbol),
    period: choiceParam('period', params.period, FUTURES_DATA_PERIODS),
  };
  if (params.limit !== undefined) query.limit = integerParam('limit', params.limit, 1, FUTURES_DATA_MAX_LIMIT);
  addTimeWindow(query, TIME_PARAMS, params);
  return { path: `/futures/data/${metric}`, query };
}

/** GET /futures/data/basis — takes `pair`, and `limit` is mandatory (default 30). */
export function binanceBasisRequest(
  params: { pair: string; contractType: BinanceContractType; period: BinanceFuturesDataPeriod; limit?: number } & TimeWindow,
): RestRequest {
  const query: Record<string, string> = {
    pair: symbolParam(params.pair, 'pair'),
    contractType: choiceParam('contractType', params.contractType, BASIS_CONTRACT_TYPES),
    period: choiceParam('period', params.period, FUTURES_DATA_PERIODS),
    limit: integerParam('limit', params.limit ?? 30, 1, FUTURES_DATA_MAX_LIMIT),
  };
  addTimeWindow(query, TIME_PARAMS, params);
  return { path: '/futures/data/basis', query };
}

/** GET /fapi/v1/premiumIndex — mark/index price and funding; all symbols when none is given. */
export function binancePremiumIndexRequest(symbol?: string): RestRequest {
  return { path: '/fapi/v1/premiumIndex', query: symbol === undefined ? {} : { symbol: symbolParam(symbol) } };
}

/** GET /fapi/v1/fundingRate — funding history, ascending. */
export function binanceFundingRateRequest(params: { symbol?: string; limit?: number } & TimeWindow): RestRequest {
  const query: Record<string, string> = {};
  if (params.symbol !== undefined) query.symbol = symbolParam(params.symbol);
  if (params.limit !== undefined) query.limit = integerParam('limit', params.limit, 1, FUNDING_RATE_MAX_LIMIT);
  addTimeWindow(query, TIME_PARAMS, params);
  return { path: '/fapi/v1/fundingRate', query };
}

/** GET /fapi/v1/klines — bars keyed by open time, ascending. */
export function binanceKlinesRequest(
  params: { symbol: string; interval: BinanceKlineInterval; limit?: number } & TimeWindow,
): RestRequest {
  const query: Record<string, string> = {
    symbol: symbolParam(params.symbol),
    interval: choiceParam('interval', params.interval, KLINE_INTERVALS),
  };
  if (params.limit !== undefined) query.limit = integerParam('limit', params.limit, 1, KLINES_MAX_LIMIT);
  addTimeWindow(query, TIME_PARAMS, params);
  return { path: '/fapi/v1/klines', query };
}

/**
 * What a request costs. `weight` counts against REQUEST_WEIGHT (2400/min per IP, reported in
 * X-MBX-USED-WEIGHT-1M); some endpoints also have their own per-IP request limit.
 */
export interface BinanceRequestCost {
  weight: number;
  ipLimit: { requests: number; windowSec: number } | null;
}

/** Klines weight by limit (default 500): [1,100) → 1, [100,500) → 2, [500,1000] → 5, above → 10. */
export function binanceKlinesWeight(limit = 500): number {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

const FUTURES_DATA_IP_LIMIT = { requests: 1000, windowSec: 300 };
const FUNDING_RATE_IP_LIMIT = { requests: 500, windowSec: 300 };

/** Cost of a request built by this module. */
export function binanceRequestCost(request: RestRequest): BinanceRequestCost {
  const { path, query } = request;
  if (path.startsWith('/futures/data/')) return { weight: 0, ipLimit: FUTURES_DATA_IP_LIMIT };
  switch (path) {
    case '/fapi/v1/openInterest':
      return { weight: 1, ipLimit: null };
    // Docs say 1; a docs clone says 10 without a symbol, so budget the larger figure then.
    case '/fapi/v1/premiumIndex':
      return { weight: query.symbol === undefined ? 10 : 1, ipLimit: null };
    case '/fapi/v1/fundingRate':
      return { weight: 1, ipLimit: FUNDING_RATE_IP_LIMIT };
    case '/fapi/v1/klines':
      return { weight: binanceKlinesWeight(query.limit === undefined ? undefined : Number(query.limit)), ipLimit: null };
    default:
      throw new RangeError(`no weight known for ${path}`);
  }
}
