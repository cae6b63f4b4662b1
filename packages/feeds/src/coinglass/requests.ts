import type { RestRequest } from '../http.js';
import { addTimeWindow, choiceParam, integerParam, textParam } from '../requestParams.js';

export const MAP_RANGES = ['1d', '7d', '30d'] as const;
export type CoinglassMapRange = (typeof MAP_RANGES)[number];

export const HISTORY_INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '4h', '6h', '8h', '12h', '1d', '1w'] as const;
export type CoinglassHistoryInterval = (typeof HISTORY_INTERVALS)[number];

const HISTORY_MAX_LIMIT = 1000;
const TIME_PARAMS = { start: 'start_time', end: 'end_time' };
const NAME = /^[A-Za-z0-9]+$/;

/** Every call carries the key in CG-API-KEY. */
function request(apiKey: string, path: string, query: Record<string, string>): RestRequest {
  textParam('apiKey', apiKey, /^\S+$/, 'a non-empty key without spaces');
  return { path, query, headers: { 'CG-API-KEY': apiKey, accept: 'application/json' } };
}

function nameParam(name: string, value: string): string {
  return textParam(name, value, NAME, 'letters and digits, e.g. BTC, BTCUSDT or Binance');
}

interface HistoryParams {
  symbol: string;
  interval: CoinglassHistoryInterval;
  /** Default 1000, max 1000. */
  limit?: number;
  startTimeMs?: number;
  endTimeMs?: number;
}

function historyQuery(params: HistoryParams): Record<string, string> {
  const query: Record<string, string> = {
    symbol: nameParam('symbol', params.symbol),
    interval: choiceParam('interval', params.interval, HISTORY_INTERVALS),
  };
  if (params.limit !== undefined) query.limit = integerParam('limit', params.limit, 1, HISTORY_MAX_LIMIT);
  addTimeWindow(query, TIME_PARAMS, params);
  return query;
}

/** Liquidation map of a coin across exchanges (symbol is the coin, e.g. BTC). */
export function coinglassAggregatedLiquidationMapRequest(apiKey: string, params: { symbol: string; range: CoinglassMapRange }): RestRequest {
  return request(apiKey, '/api/futures/liquidation/aggregated-map', {
    symbol: nameParam('symbol', params.symbol),
    range: choiceParam('range', params.range, MAP_RANGES),
  });
}

/** Liquidation map of one exchange pair (symbol is the pair, e.g. BTCUSDT). */
export function coinglassLiquidationMapRequest(
  apiKey: string,
  params: { exchange: string; symbol: string; range: CoinglassMapRange },
): RestRequest {
  return request(apiKey, '/api/futures/liquidation/map', {
    exchange: nameParam('exchange', params.exchange),
    symbol: nameParam('symbol', params.symbol),
    range: choiceParam('range', params.range, MAP_RANGES),
  });
}

/** Liquidation history of one exchange pair (symbol is the pair, e.g. BTCUSDT). */
export function coinglassLiquidationHistoryRequest(apiKey: string, params: HistoryParams & { exchange: string }): RestRequest {
  return request(apiKey, '/api/futures/liquidation/history', {
    exchange: nameParam('exchange', params.exchange),
    ...historyQuery(params),
  });
}

/** Liquidation history of a coin summed over exchanges (symbol is the coin, e.g. BTC). */
export function coinglassAggregatedLiquidationHistoryRequest(
  apiKey: string,
  params: HistoryParams & { exchanges: string[] },
): RestRequest {
  if (params.exchanges.length === 0) throw new RangeError('exchanges must not be empty');
  return request(apiKey, '/api/futures/liquidation/aggregated-history', {
    exchange_list: params.exchanges.map((exchange) => nameParam('exchange', exchange)).join(','),
    ...historyQuery(params),
  });
}
