// Coinglass bodies here are synthetic (no public recordings exist), shaped like the v4 docs;
// the "Upgrade plan" answer is the one third-party code reports from the live API.
import { describe, expect, it } from 'vitest';
import { classifyCoinglassResponse, parseCoinglassRateLimit } from '../coinglass/envelope.js';
import {
  parseCoinglassAggregatedLiquidationHistory,
  parseCoinglassLiquidationHistory,
  parseCoinglassLiquidationMap,
} from '../coinglass/liquidation.js';
import {
  coinglassAggregatedLiquidationHistoryRequest,
  coinglassAggregatedLiquidationMapRequest,
  coinglassLiquidationHistoryRequest,
  coinglassLiquidationMapRequest,
} from '../coinglass/requests.js';
import { expectParseError } from './expectParseError.js';

const HEADERS = { 'CG-API-KEY': 'k3y', accept: 'application/json' };
const MAP =
  '{"code":"0","msg":"success","data":{"data":{"48935":[[48935,1579370.77,25,null],[48935,120.5,100,null]],"47000.5":[[47000.5,99.5,null,null]],"50010":[[50010,3.25,10,null]]}}}';
const PAIR_HISTORY =
  '{"code":"0","msg":"success","data":[{"time":1658880000000,"long_liquidation_usd":"2369935.19562","short_liquidation_usd":"4212673.68914"},{"time":1658894400000,"long_liquidation_usd":"0","short_liquidation_usd":"12.5"}]}';
const AGGREGATED_HISTORY =
  '{"code":"0","msg":"success","data":[{"time":1658880000000,"aggregated_long_liquidation_usd":2369935.19562,"aggregated_short_liquidation_usd":4212673.68914}]}';

describe('Coinglass request builders', () => {
  it('builds the four liquidation requests with the CG-API-KEY header', () => {
    expect(coinglassAggregatedLiquidationMapRequest('k3y', { symbol: 'BTC', range: '1d' })).toEqual({
      path: '/api/futures/liquidation/aggregated-map',
      query: { symbol: 'BTC', range: '1d' },
      headers: HEADERS,
    });
    expect(coinglassLiquidationMapRequest('k3y', { exchange: 'Binance', symbol: 'BTCUSDT', range: '7d' })).toEqual({
      path: '/api/futures/liquidation/map',
      query: { exchange: 'Binance', symbol: 'BTCUSDT', range: '7d' },
      headers: HEADERS,
    });
    expect(
      coinglassLiquidationHistoryRequest('k3y', { exchange: 'Binance', symbol: 'BTCUSDT', interval: '4h', limit: 10, startTimeMs: 1658880000000, endTimeMs: 1658894400000 }),
    ).toEqual({
      path: '/api/futures/liquidation/history',
      query: { exchange: 'Binance', symbol: 'BTCUSDT', interval: '4h', limit: '10', start_time: '1658880000000', end_time: '1658894400000' },
      headers: HEADERS,
    });
    expect(coinglassAggregatedLiquidationHistoryRequest('k3y', { exchanges: ['Binance', 'OKX', 'Bybit'], symbol: 'BTC', interval: '1d' })).toEqual({
      path: '/api/futures/liquidation/aggregated-history',
      query: { exchange_list: 'Binance,OKX,Bybit', symbol: 'BTC', interval: '1d' },
      headers: HEADERS,
    });
  });

  it.each([
    ['an empty key', () => coinglassAggregatedLiquidationMapRequest('', { symbol: 'BTC', range: '1d' })],
    ['an unknown range', () => coinglassAggregatedLiquidationMapRequest('k', { symbol: 'BTC', range: '12h' as '1d' })],
    ['a symbol with a slash', () => coinglassLiquidationMapRequest('k', { exchange: 'Binance', symbol: 'BTC/USDT', range: '1d' })],
    ['a limit above 1000', () => coinglassLiquidationHistoryRequest('k', { exchange: 'Binance', symbol: 'BTCUSDT', interval: '4h', limit: 1001 })],
    ['a start time in seconds', () => coinglassLiquidationHistoryRequest('k', { exchange: 'Binance', symbol: 'BTCUSDT', interval: '4h', startTimeMs: 1658880000 })],
    ['no exchanges', () => coinglassAggregatedLiquidationHistoryRequest('k', { exchanges: [], symbol: 'BTC', interval: '1d' })],
    ['an unknown interval', () => coinglassAggregatedLiquidationHistoryRequest('k', { exchanges: ['OKX'], symbol: 'BTC', interval: '2h' as '1h' })],
  ])('rejects %s', (_name, build) => {
    expect(build).toThrow(RangeError);
  });
});

describe('Coinglass envelope and status', () => {
  const limits = { 'API-KEY-MAX-LIMIT': '30', 'api-key-use-limit': '7' };

  it('reads the rate-limit headers', () => {
    expect(parseCoinglassRateLimit(limits)).toEqual({ maxPerMin: 30, usedInWindow: 7 });
    expect(parseCoinglassRateLimit({})).toEqual({ maxPerMin: null, usedInWindow: null });
  });

  it('succeeds only on HTTP 2xx with code "0"', () => {
    expect(classifyCoinglassResponse(200, limits, MAP)).toEqual({ ok: true, rateLimit: { maxPerMin: 30, usedInWindow: 7 } });
    expect(classifyCoinglassResponse(500, {}, MAP)).toMatchObject({ ok: false, kind: 'server', httpStatus: 500, code: '0' });
    // A numeric 0 is not the documented string "0": not a success, but classification must not throw.
    expect(classifyCoinglassResponse(200, {}, '{"code":0,"msg":"success","data":[]}')).toMatchObject({ ok: false, code: '0', kind: 'other' });
  });

  it.each([
    ['plan gating over HTTP 200', 200, '{"code":"401","msg":"Upgrade plan"}', 'plan_not_permitted'],
    ['plan gating over HTTP 401', 401, '{"code":"401","msg":"Upgrade plan"}', 'plan_not_permitted'],
    ['a v3-style plan code', 200, '{"code":"40001","msg":"Upgrade plan"}', 'plan_not_permitted'],
    ['a bad key', 401, '{"code":"401","msg":"API key invalid"}', 'bad_key'],
    ['a missing key answered with 400', 200, '{"code":"400","msg":"API key missing."}', 'bad_key'],
    ['a bare 401', 401, '', 'bad_key'],
    ['rate limit by HTTP status', 429, '{"code":"429","msg":"Too Many Requests"}', 'rate_limited'],
    ['rate limit by body code', 200, '{"code":"50001","msg":"rate limit"}', 'rate_limited'],
    ['a server error page', 500, '<html>Internal Server Error</html>', 'server'],
    ['a bad parameter', 200, '{"code":"400","msg":"interval not supported"}', 'bad_request'],
    ['a success body that is not JSON', 200, 'not json', 'other'],
  ])('classifies %s', (_name, httpStatus, body, kind) => {
    expect(classifyCoinglassResponse(httpStatus, {}, body)).toMatchObject({ ok: false, kind, httpStatus });
  });
});

describe('Coinglass liquidation parsers', () => {
  it('flattens the liquidation map into levels sorted by price, then leverage', () => {
    expect(parseCoinglassLiquidationMap(MAP)).toEqual([
      { price: 47000.5, liquidationLevel: 99.5, leverage: null },
      { price: 48935, liquidationLevel: 1579370.77, leverage: 25 },
      { price: 48935, liquidationLevel: 120.5, leverage: 100 },
      { price: 50010, liquidationLevel: 3.25, leverage: 10 },
    ]);
    expect(parseCoinglassLiquidationMap('{"code":"0","msg":"success","data":{"data":{}}}')).toEqual([]);
  });

  it('parses pair history (string values) and aggregated history (number values)', () => {
    expect(parseCoinglassLiquidationHistory(PAIR_HISTORY)).toEqual([
      { tsMs: 1658880000000, longLiquidationUsd: 2369935.19562, shortLiquidationUsd: 4212673.68914 },
      { tsMs: 1658894400000, longLiquidationUsd: 0, shortLiquidationUsd: 12.5 },
    ]);
    expect(parseCoinglassAggregatedLiquidationHistory(AGGREGATED_HISTORY)).toEqual([
      { tsMs: 1658880000000, longLiquidationUsd: 2369935.19562, shortLiquidationUsd: 4212673.68914 },
    ]);
  });

  const cases: [string, (body: string) => unknown, string, RegExp][] = [
    ['truncated JSON', parseCoinglassLiquidationMap, MAP.slice(0, 50), /invalid JSON/],
    ['an error envelope', parseCoinglassLiquidationMap, '{"code":"401","msg":"Upgrade plan"}', /envelope code 401: Upgrade plan/],
    ['a numeric code', parseCoinglassLiquidationMap, MAP.replace('"code":"0"', '"code":0'), /\$\.code: expected a non-empty string, got 0/],
    ['a map without data.data', parseCoinglassLiquidationMap, '{"code":"0","msg":"success","data":{}}', /\$\.data\.data: expected an object, got nothing/],
    ['a price bucket that is not a list', parseCoinglassLiquidationMap, MAP.replace('"50010":[[50010,3.25,10,null]]', '"50010":5'), /\$\.data\.data\.50010: expected an array/],
    ['a row that is too short', parseCoinglassLiquidationMap, MAP.replace('[50010,3.25,10,null]', '[50010,3.25]'), /\$\.data\.data\.50010\[0\]: expected at least 3 items, got 2/],
    ['a price as a string', parseCoinglassLiquidationMap, MAP.replace('[50010,3.25', '["50010",3.25'), /\$\.data\.data\.50010\[0\]\[0\]: expected a finite number/],
    ['a leverage that is text', parseCoinglassLiquidationMap, MAP.replace('[50010,3.25,10,', '[50010,3.25,"x",'), /\$\.data\.data\.50010\[0\]\[2\]: expected a finite number/],
    ['history that is not a list', parseCoinglassLiquidationHistory, '{"code":"0","msg":"success","data":{}}', /\$\.data: expected an array/],
    ['a NaN value', parseCoinglassLiquidationHistory, PAIR_HISTORY.replace('"2369935.19562"', '"NaN"'), /\$\.data\[0\]\.long_liquidation_usd: expected a decimal string/],
    ['an empty value', parseCoinglassLiquidationHistory, PAIR_HISTORY.replace('"2369935.19562"', '""'), /\$\.data\[0\]\.long_liquidation_usd: expected a decimal string, got ""/],
    ['a time in seconds', parseCoinglassLiquidationHistory, PAIR_HISTORY.replace('1658880000000', '1658880000'), /\$\.data\[0\]\.time: expected epoch ms/],
    ['aggregated keys missing', parseCoinglassAggregatedLiquidationHistory, PAIR_HISTORY, /\$\.data\[0\]\.aggregated_long_liquidation_usd: expected a finite number, got nothing/],
    ['a boolean value', parseCoinglassAggregatedLiquidationHistory, AGGREGATED_HISTORY.replace('2369935.19562', 'true'), /aggregated_long_liquidation_usd: expected a finite number, got true/],
  ];
  it.each(cases)('rejects %s', (_name, parse, body, reason) => {
    expectParseError(() => parse(body), 'coinglass.rest', body, reason);
  });
});
