// Binance REST bodies here are synthetic (no public recordings exist), shaped like the documented
// responses in Binance's USD-M REST documentation; the /futures/data rows are tried with string and number timestamps.
import { describe, expect, it } from 'vitest';
import {
  binanceBasisRequest,
  binanceFundingRateRequest,
  binanceFuturesDataRequest,
  binanceKlinesRequest,
  binanceKlinesWeight,
  binanceOpenInterestRequest,
  binancePremiumIndexRequest,
  binanceRequestCost,
} from '../binance/restRequests.js';
import {
  parseBinanceBasis,
  parseBinanceFundingRates,
  parseBinanceKlines,
  parseBinanceLongShortRatio,
  parseBinanceOpenInterest,
  parseBinanceOpenInterestHist,
  parseBinancePremiumIndex,
  parseBinanceTakerLongShortRatio,
} from '../binance/restResponses.js';
import { classifyBinanceResponse, parseBinanceUsedWeight1m } from '../binance/restStatus.js';
import { expectParseError } from './expectParseError.js';

const OPEN_INTEREST = '{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}';
const OI_HIST = '[{"symbol":"BTCUSDT","sumOpenInterest":"20403.63700000","sumOpenInterestValue":"150570784.07809979","timestamp":"1583127900000"},{"symbol":"BTCUSDT","sumOpenInterest":"20401.36700000","sumOpenInterestValue":"149940752.14464448","timestamp":1583128200000}]';
const LS_ACCOUNT = '[{"symbol":"BTCUSDT","longShortRatio":"0.1960","longAccount":"0.6622","shortAccount":"0.3378","timestamp":1583139600000}]';
const LS_POSITION = '[{"symbol":"BTCUSDT","longShortRatio":"1.4342","longPosition":"0.5891","shortPosition":"0.4108","timestamp":"1583139600000"}]';
const TAKER = '[{"buySellRatio":"1.5586","buyVol":"387.3300","sellVol":"248.5030","timestamp":1585614900000}]';
const BASIS = '[{"indexPrice":"34400.15945055","contractType":"PERPETUAL","basisRate":"0.0004","futuresPrice":"34414.10","annualizedBasisRate":"","basis":"13.94054945","pair":"BTCUSDT","timestamp":1698742800000}]';
const PREMIUM = '{"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970","estimatedSettlePrice":"11781.16138815","lastFundingRate":"0.00038246","interestRate":"0.00010000","nextFundingTime":1597392000000,"time":1597370495002}';
const FUNDING = '[{"symbol":"BTCUSDT","fundingRate":"-0.03750000","fundingTime":1570608000000,"markPrice":""},{"symbol":"BTCUSDT","fundingRate":"0.00010000","fundingTime":1570636800000,"markPrice":"34287.54619963"}]';
const KLINES = '[[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","17928899.62484339"]]';

describe('Binance REST request builders', () => {
  it('builds each endpoint with its documented parameters', () => {
    expect(binanceOpenInterestRequest('btcusdt')).toEqual({ path: '/fapi/v1/openInterest', query: { symbol: 'BTCUSDT' } });
    expect(binanceFuturesDataRequest('openInterestHist', { symbol: 'BTCUSDT', period: '5m', limit: 500, startTimeMs: 1700000000000, endTimeMs: 1700003000000 })).toEqual({
      path: '/futures/data/openInterestHist',
      query: { symbol: 'BTCUSDT', period: '5m', limit: '500', startTime: '1700000000000', endTime: '1700003000000' },
    });
    expect(binanceFuturesDataRequest('topLongShortPositionRatio', { symbol: 'BTCUSDT', period: '1h' }).path).toBe('/futures/data/topLongShortPositionRatio');
    expect(binanceBasisRequest({ pair: 'BTCUSDT', contractType: 'PERPETUAL', period: '5m' })).toEqual({
      path: '/futures/data/basis',
      query: { pair: 'BTCUSDT', contractType: 'PERPETUAL', period: '5m', limit: '30' },
    });
    expect(binancePremiumIndexRequest()).toEqual({ path: '/fapi/v1/premiumIndex', query: {} });
    expect(binancePremiumIndexRequest('BTCUSDT').query).toEqual({ symbol: 'BTCUSDT' });
    expect(binanceFundingRateRequest({ symbol: 'BTCUSDT', limit: 1000 }).query).toEqual({ symbol: 'BTCUSDT', limit: '1000' });
    expect(binanceKlinesRequest({ symbol: 'BTCUSDT', interval: '1m', limit: 1500 })).toEqual({
      path: '/fapi/v1/klines',
      query: { symbol: 'BTCUSDT', interval: '1m', limit: '1500' },
    });
  });

  it.each([
    ['a limit above 500 on /futures/data', () => binanceFuturesDataRequest('takerlongshortRatio', { symbol: 'BTCUSDT', period: '5m', limit: 501 })],
    ['an unknown period', () => binanceFuturesDataRequest('openInterestHist', { symbol: 'BTCUSDT', period: '1m' as '5m' })],
    ['an unknown metric', () => binanceFuturesDataRequest('fundingRate' as 'openInterestHist', { symbol: 'BTCUSDT', period: '5m' })],
    ['a start time in seconds', () => binanceKlinesRequest({ symbol: 'BTCUSDT', interval: '1m', startTimeMs: 1700000000 })],
    ['an inverted window', () => binanceKlinesRequest({ symbol: 'BTCUSDT', interval: '1m', startTimeMs: 1700000060000, endTimeMs: 1700000000000 })],
    ['a klines limit of 1501', () => binanceKlinesRequest({ symbol: 'BTCUSDT', interval: '1m', limit: 1501 })],
    ['a funding limit of 0', () => binanceFundingRateRequest({ limit: 0 })],
    ['a bad symbol', () => binanceOpenInterestRequest('BTC-USDT')],
    ['an unknown contract type', () => binanceBasisRequest({ pair: 'BTCUSDT', contractType: 'QUARTER' as 'PERPETUAL', period: '5m' })],
  ])('rejects %s', (_name, build) => {
    expect(build).toThrow(RangeError);
  });

  it('knows the weight of each request, klines by limit', () => {
    expect([1, 99, 100, 499, 500, 1000, 1001, 1500].map((limit) => binanceKlinesWeight(limit))).toEqual([1, 1, 2, 2, 5, 5, 10, 10]);
    expect(binanceKlinesWeight()).toBe(5); // default limit 500
    expect(binanceRequestCost(binanceKlinesRequest({ symbol: 'BTCUSDT', interval: '1m', limit: 1500 }))).toEqual({ weight: 10, ipLimit: null });
    expect(binanceRequestCost(binanceKlinesRequest({ symbol: 'BTCUSDT', interval: '1m' }))).toEqual({ weight: 5, ipLimit: null });
    expect(binanceRequestCost(binanceOpenInterestRequest('BTCUSDT'))).toEqual({ weight: 1, ipLimit: null });
    expect(binanceRequestCost(binanceFuturesDataRequest('openInterestHist', { symbol: 'BTCUSDT', period: '5m' }))).toEqual({
      weight: 0,
      ipLimit: { requests: 1000, windowSec: 300 },
    });
    expect(binanceRequestCost(binanceBasisRequest({ pair: 'BTCUSDT', contractType: 'PERPETUAL', period: '5m' })).weight).toBe(0);
    expect(binanceRequestCost(binanceFundingRateRequest({}))).toEqual({ weight: 1, ipLimit: { requests: 500, windowSec: 300 } });
    expect(binanceRequestCost(binancePremiumIndexRequest('BTCUSDT')).weight).toBe(1);
    expect(binanceRequestCost(binancePremiumIndexRequest()).weight).toBe(10);
    expect(() => binanceRequestCost({ path: '/fapi/v1/depth', query: {} })).toThrow(RangeError);
  });
});

describe('Binance REST response parsers', () => {
  it('parses open interest and its history, with string or number timestamps', () => {
    expect(parseBinanceOpenInterest(OPEN_INTEREST)).toEqual({ symbol: 'BTCUSDT', openInterest: 10659.509, tsMs: 1589437530011 });
    expect(parseBinanceOpenInterestHist(OI_HIST)).toEqual([
      { symbol: 'BTCUSDT', sumOpenInterest: 20403.637, sumOpenInterestValue: 150570784.07809979, tsMs: 1583127900000 },
      { symbol: 'BTCUSDT', sumOpenInterest: 20401.367, sumOpenInterestValue: 149940752.14464448, tsMs: 1583128200000 },
    ]);
  });

  it('parses long/short ratios with account or position keys', () => {
    expect(parseBinanceLongShortRatio(LS_ACCOUNT)).toEqual([
      { symbol: 'BTCUSDT', longShortRatio: 0.196, longShare: 0.6622, shortShare: 0.3378, tsMs: 1583139600000 },
    ]);
    expect(parseBinanceLongShortRatio(LS_POSITION)).toEqual([
      { symbol: 'BTCUSDT', longShortRatio: 1.4342, longShare: 0.5891, shortShare: 0.4108, tsMs: 1583139600000 },
    ]);
  });

  it('parses taker ratio, basis, premium index, funding rates and klines', () => {
    expect(parseBinanceTakerLongShortRatio(TAKER)).toEqual([{ buySellRatio: 1.5586, buyVol: 387.33, sellVol: 248.503, tsMs: 1585614900000 }]);
    expect(parseBinanceBasis(BASIS)).toEqual([
      {
        pair: 'BTCUSDT',
        contractType: 'PERPETUAL',
        indexPrice: 34400.15945055,
        futuresPrice: 34414.1,
        basis: 13.94054945,
        basisRate: 0.0004,
        annualizedBasisRate: null,
        tsMs: 1698742800000,
      },
    ]);
    const premium = {
      symbol: 'BTCUSDT',
      markPrice: 11793.63104562,
      indexPrice: 11781.8049597,
      estSettlePrice: 11781.16138815,
      lastFundingRate: 0.00038246,
      interestRate: 0.0001,
      nextFundingTsMs: 1597392000000,
      tsMs: 1597370495002,
    };
    expect(parseBinancePremiumIndex(PREMIUM)).toEqual([premium]);
    expect(parseBinancePremiumIndex(`[${PREMIUM}]`)).toEqual([premium]);
    expect(parseBinanceFundingRates(FUNDING)).toEqual([
      { symbol: 'BTCUSDT', fundingRate: -0.0375, fundingTsMs: 1570608000000, markPrice: null },
      { symbol: 'BTCUSDT', fundingRate: 0.0001, fundingTsMs: 1570636800000, markPrice: 34287.54619963 },
    ]);
    expect(parseBinanceKlines(KLINES)).toEqual([
      {
        openTsMs: 1499040000000,
        open: 0.0163479,
        high: 0.8,
        low: 0.015758,
        close: 0.015771,
        volume: 148976.11427815,
        closeTsMs: 1499644799999,
        quoteVolume: 2434.19055334,
        tradeCount: 308,
        takerBuyVolume: 1756.87402397,
        takerBuyQuoteVolume: 28.46694368,
      },
    ]);
  });

  const cases: [string, (body: string) => unknown, string, RegExp][] = [
    ['truncated JSON', parseBinanceOpenInterest, OPEN_INTEREST.slice(0, 20), /invalid JSON/],
    ['an error body where data was expected', parseBinanceOpenInterest, '{"code":-1121,"msg":"Invalid symbol."}', /error body instead of data: code -1121: Invalid symbol\./],
    ['an error body where rows were expected', parseBinanceKlines, '{"code":-1003,"msg":"Too many requests."}', /error body instead of data: code -1003/],
    ['an object where rows were expected', parseBinanceOpenInterestHist, OPEN_INTEREST, /\$: expected an array/],
    ['open interest as a number', parseBinanceOpenInterest, OPEN_INTEREST.replace('"10659.509"', '10659.509'), /\$\.openInterest: expected a decimal string/],
    ['an empty open interest', parseBinanceOpenInterest, OPEN_INTEREST.replace('"10659.509"', '""'), /\$\.openInterest: expected a decimal string, got ""/],
    ['a time in seconds', parseBinanceOpenInterest, OPEN_INTEREST.replace('1589437530011', '1589437530'), /\$\.time: expected epoch ms/],
    ['a fractional string timestamp', parseBinanceOpenInterestHist, OI_HIST.replace('"1583127900000"', '"1583127900000.5"'), /\$\[0\]\.timestamp: expected epoch ms \(integer or integer string/],
    ['a negative timestamp', parseBinanceOpenInterestHist, OI_HIST.replace('1583128200000', '-1583128200000'), /\$\[1\]\.timestamp: expected epoch ms/],
    ['a NaN ratio', parseBinanceLongShortRatio, LS_ACCOUNT.replace('"0.1960"', '"NaN"'), /\$\[0\]\.longShortRatio: expected a decimal string/],
    ['neither account nor position shares', parseBinanceLongShortRatio, LS_ACCOUNT.replace('"longAccount"', '"long"'), /\$\[0\]\.longAccount: expected a decimal string, got nothing/],
    ['a taker row without sell volume', parseBinanceTakerLongShortRatio, TAKER.replace(',"sellVol":"248.5030"', ''), /\$\[0\]\.sellVol: expected a decimal string, got nothing/],
    ['a basis that is not a decimal', parseBinanceBasis, BASIS.replace('"13.94054945"', '"13,94"'), /\$\[0\]\.basis: expected a decimal string/],
    ['a premium index with a text funding time', parseBinancePremiumIndex, PREMIUM.replace('1597392000000', '"soon"'), /\$\.nextFundingTime: expected epoch ms/],
    ['a premium index array holding a string', parseBinancePremiumIndex, '["BTCUSDT"]', /\$\[0\]: expected an object/],
    ['a funding rate of Infinity', parseBinanceFundingRates, FUNDING.replace('"-0.03750000"', '"Infinity"'), /\$\[0\]\.fundingRate: expected a decimal string/],
    ['a kline row that is too short', parseBinanceKlines, '[[1499040000000,"1","1","1","1","1",1499644799999]]', /\$\[0\]: expected at least 12 items, got 7/],
    ['a kline open time as a string', parseBinanceKlines, KLINES.replace('[1499040000000', '["1499040000000"'), /\$\[0\]\[0\]: expected epoch ms/],
    ['a kline with a fractional trade count', parseBinanceKlines, KLINES.replace(',308,', ',30.8,'), /\$\[0\]\[8\]: expected a safe integer/],
  ];
  it.each(cases)('rejects %s', (_name, parse, body, reason) => {
    expectParseError(() => parse(body), 'binance.rest', body, reason);
  });
});

describe('Binance response classification', () => {
  it('reads the used weight header', () => {
    expect(parseBinanceUsedWeight1m({ 'x-mbx-used-weight-1m': '1187' })).toBe(1187);
    expect(parseBinanceUsedWeight1m(new Headers({ 'X-MBX-USED-WEIGHT-1M': '7' }))).toBe(7);
    expect(parseBinanceUsedWeight1m({})).toBeNull();
    expect(parseBinanceUsedWeight1m({ 'x-mbx-used-weight-1m': 'lots' })).toBeNull();
  });

  it('passes 2xx through with the used weight', () => {
    expect(classifyBinanceResponse(200, { 'X-MBX-USED-WEIGHT-1M': '5' }, '[]')).toEqual({ kind: 'ok', usedWeight1m: 5 });
  });

  it('classifies 429 with Retry-After as rate limited', () => {
    expect(
      classifyBinanceResponse(
        429,
        { 'Retry-After': '37', 'X-MBX-USED-WEIGHT-1M': '2401' },
        '{"code":-1003,"msg":"Too much request weight used; current limit is 2400 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API."}',
      ),
    ).toMatchObject({ kind: 'rate_limited', httpStatus: 429, retryAfterSec: 37, bannedUntilMs: null, code: -1003, usedWeight1m: 2401 });
  });

  it('classifies 418 and reads the ban end from the -1003 message', () => {
    expect(
      classifyBinanceResponse(418, {}, '{"code":-1003,"msg":"Way too much request weight used; IP banned until 1785050129644. Please use WebSocket Streams for live updates to avoid bans."}'),
    ).toMatchObject({ kind: 'rate_limited', httpStatus: 418, retryAfterSec: null, bannedUntilMs: 1785050129644, code: -1003 });
  });

  it('turns an error body into a typed error and keeps non-JSON bodies as the message', () => {
    expect(classifyBinanceResponse(400, {}, '{"code":-1121,"msg":"Invalid symbol."}')).toEqual({
      kind: 'error',
      httpStatus: 400,
      code: -1121,
      msg: 'Invalid symbol.',
      usedWeight1m: null,
    });
    expect(classifyBinanceResponse(403, {}, '<html>WAF</html>')).toMatchObject({ kind: 'error', httpStatus: 403, code: null, msg: '<html>WAF</html>' });
    expect(classifyBinanceResponse(503, {}, '')).toMatchObject({ kind: 'error', httpStatus: 503, code: null, msg: '' });
  });

  it('ignores a Retry-After that is not whole seconds and a ban time that is no epoch', () => {
    expect(classifyBinanceResponse(429, { 'Retry-After': 'soon' }, '{"code":-1003,"msg":"IP banned until 12"}')).toMatchObject({
      retryAfterSec: null,
      bannedUntilMs: null,
    });
  });
});
