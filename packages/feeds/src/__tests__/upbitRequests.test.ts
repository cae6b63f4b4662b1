import { describe, expect, it } from 'vitest';
import { parseUpbitMinuteCandles, upbitMinuteCandlesRequest } from '../upbit/restCandles.js';
import { buildUpbitSubscribe } from '../upbit/subscribe.js';
import { expectParseError } from './expectParseError.js';

describe('buildUpbitSubscribe', () => {
  it('builds the documented request array with upper-case codes and snake_case flags', () => {
    const text = buildUpbitSubscribe({
      ticket: 'cqt-1',
      trades: ['krw-btc', 'KRW-ETH'],
      orderbook: { codes: ['krw-btc'], depth: 15 },
      format: 'SIMPLE',
      isOnlyRealtime: true,
    });
    expect(JSON.parse(text)).toEqual([
      { ticket: 'cqt-1' },
      { type: 'trade', codes: ['KRW-BTC', 'KRW-ETH'], is_only_realtime: true },
      { type: 'orderbook', codes: ['KRW-BTC.15'], is_only_realtime: true },
      { format: 'SIMPLE' },
    ]);
  });

  it('adds tickers, candles, level and defaults the format to DEFAULT', () => {
    expect(
      JSON.parse(
        buildUpbitSubscribe({
          ticket: 't',
          orderbook: { codes: ['KRW-BTC'], level: 10000 },
          tickers: ['KRW-BTC'],
          candles: { interval: '1s', codes: ['KRW-BTC'] },
          isOnlySnapshot: true,
        }),
      ),
    ).toEqual([
      { ticket: 't' },
      { type: 'orderbook', codes: ['KRW-BTC'], level: 10000, is_only_snapshot: true },
      { type: 'ticker', codes: ['KRW-BTC'], is_only_snapshot: true },
      { type: 'candle.1s', codes: ['KRW-BTC'], is_only_snapshot: true },
      { format: 'DEFAULT' },
    ]);
  });

  it.each([
    ['no data type', { ticket: 't' }, /at least one of/],
    ['an empty ticket', { ticket: ' ', trades: ['KRW-BTC'] }, /ticket/],
    ['empty codes', { ticket: 't', trades: [] }, /codes must not be empty/],
    ['a malformed code', { ticket: 't', trades: ['BTC'] }, /market code must be QUOTE-BASE/],
    ['a depth suffix inside the code', { ticket: 't', trades: ['KRW-BTC.15'] }, /market code/],
    ['an unsupported depth', { ticket: 't', orderbook: { codes: ['KRW-BTC'], depth: 10 as 15 } }, /depth must be one of 1, 5, 15, 30/],
    ['a negative level', { ticket: 't', orderbook: { codes: ['KRW-BTC'], level: -1 } }, /level must be a finite number/],
    ['both flags', { ticket: 't', trades: ['KRW-BTC'], isOnlyRealtime: true, isOnlySnapshot: true }, /exclude each other/],
    ['an unknown format', { ticket: 't', trades: ['KRW-BTC'], format: 'XML' as 'SIMPLE' }, /format must be one of/],
  ])('rejects %s', (_name, subscription, message) => {
    expect(() => buildUpbitSubscribe(subscription)).toThrow(RangeError);
    expect(() => buildUpbitSubscribe(subscription)).toThrow(message);
  });
});

describe('upbitMinuteCandlesRequest', () => {
  it('builds path and query, `to` as whole-second UTC rounded up', () => {
    expect(upbitMinuteCandlesRequest({ unit: 1, market: 'krw-btc' })).toEqual({
      path: '/v1/candles/minutes/1',
      query: { market: 'KRW-BTC', count: '200' },
    });
    expect(upbitMinuteCandlesRequest({ unit: 5, market: 'KRW-BTC', count: 10, toMs: Date.UTC(2025, 5, 24, 4, 56, 53, 1) }).query).toEqual({
      market: 'KRW-BTC',
      count: '10',
      to: '2025-06-24T04:56:54Z',
    });
  });

  it.each([
    [{ unit: 2 as 1, market: 'KRW-BTC' }, /unit must be one of/],
    [{ unit: 1 as const, market: 'KRW-BTC', count: 201 }, /count must be an integer in 1..200/],
    [{ unit: 1 as const, market: 'KRW-BTC', toMs: 1700000000 }, /toMs must be epoch ms/],
  ])('rejects %j', (params, message) => {
    expect(() => upbitMinuteCandlesRequest(params)).toThrow(message);
  });
});

const CANDLE =
  '{"market":"KRW-BTC","candle_date_time_utc":"2020-02-20T11:19:00","candle_date_time_kst":"2020-02-20T20:19:00","opening_price":11509000.0,"high_price":11511000.0,"low_price":11489000.0,"trade_price":11498000.0,"timestamp":1582197598691,"candle_acc_trade_price":30279009.54681,"candle_acc_trade_volume":2.63267824,"unit":1}';

describe('parseUpbitMinuteCandles', () => {
  it('returns candles oldest first, keyed by their UTC start', () => {
    const older = CANDLE.replace('11:19:00', '11:18:00').replace('20:19:00', '20:18:00');
    const candles = parseUpbitMinuteCandles(`[${CANDLE},${older}]`);
    expect(candles.map((c) => c.candleStartMs)).toEqual([Date.UTC(2020, 1, 20, 11, 18), Date.UTC(2020, 1, 20, 11, 19)]);
    expect(candles[1]).toEqual({
      market: 'KRW-BTC',
      unit: 1,
      candleStartMs: Date.UTC(2020, 1, 20, 11, 19),
      openingPrice: 11509000,
      highPrice: 11511000,
      lowPrice: 11489000,
      tradePrice: 11498000,
      lastTradeTsMs: 1582197598691,
      candleAccTradePrice: 30279009.54681,
      candleAccTradeVolume: 2.63267824,
    });
  });

  const cases: [string, string, RegExp][] = [
    ['truncated body', `[${CANDLE}`, /invalid JSON/],
    ['an object instead of an array', CANDLE, /\$: expected an array/],
    ['an Upbit error body', '{"error":{"name":"too_many_requests","message":"Too many API requests."}}', /\$: expected an array/],
    ['start with a Z', `[${CANDLE.replace('11:19:00"', '11:19:00Z"')}]`, /\$\[0\]\.candle_date_time_utc: expected a UTC date-time/],
    ['start off the minute grid', `[${CANDLE.replace('11:19:00"', '11:19:30"')}]`, /aligned to 1 minute/],
    ['unknown unit', `[${CANDLE.replace('"unit":1', '"unit":2')}]`, /\$\[0\]\.unit: expected 1\|3\|5/],
    ['price as a string', `[${CANDLE.replace('"trade_price":11498000.0', '"trade_price":"11498000"')}]`, /\$\[0\]\.trade_price: expected a finite number/],
    ['missing volume', `[${CANDLE.replace(',"candle_acc_trade_volume":2.63267824', '')}]`, /candle_acc_trade_volume: expected a finite number, got nothing/],
    ['timestamp in seconds', `[${CANDLE.replace('1582197598691', '1582197598')}]`, /\$\[0\]\.timestamp: expected epoch ms/],
    ['empty market', `[${CANDLE.replace('"market":"KRW-BTC"', '"market":""')}]`, /\$\[0\]\.market: expected a non-empty string/],
  ];
  it.each(cases)('rejects %s', (_name, body, reason) => {
    expectParseError(() => parseUpbitMinuteCandles(body), 'upbit.rest', body, reason);
  });
});
