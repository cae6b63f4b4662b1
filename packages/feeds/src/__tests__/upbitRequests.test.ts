import { describe, expect, it } from 'vitest';
import { parseUpbitMinuteCandles, upbitMinuteCandlesRequest } from '../upbit/restCandles.js';
import { buildUpbitSubscribe } from '../upbit/subscribe.js';
import { expectParseError } from './expectParseError.js';
import { UPBIT_MINUTE_CANDLE, UPBIT_MINUTE_CANDLE_EVENT } from './recordedExamples.js';

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

describe('parseUpbitMinuteCandles', () => {
  it('returns candles oldest first, keyed by their UTC start', () => {
    const older = UPBIT_MINUTE_CANDLE.replace('11:19:00', '11:18:00').replace('20:19:00', '20:18:00');
    const candles = parseUpbitMinuteCandles(`[${UPBIT_MINUTE_CANDLE},${older}]`);
    expect(candles.map((c) => c.candleStartMs)).toEqual([Date.UTC(2020, 1, 20, 11, 18), Date.UTC(2020, 1, 20, 11, 19)]);
    expect(candles[1]).toEqual(UPBIT_MINUTE_CANDLE_EVENT);
  });

  const cases: [string, string, RegExp][] = [
    ['truncated body', `[${UPBIT_MINUTE_CANDLE}`, /invalid JSON/],
    ['an object instead of an array', UPBIT_MINUTE_CANDLE, /\$: expected an array/],
    ['an Upbit error body', '{"error":{"name":"too_many_requests","message":"Too many API requests."}}', /\$: expected an array/],
    ['start with a Z', `[${UPBIT_MINUTE_CANDLE.replace('11:19:00"', '11:19:00Z"')}]`, /\$\[0\]\.candle_date_time_utc: expected a UTC date-time/],
    ['start off the minute grid', `[${UPBIT_MINUTE_CANDLE.replace('11:19:00"', '11:19:30"')}]`, /aligned to 1 minute/],
    ['unknown unit', `[${UPBIT_MINUTE_CANDLE.replace('"unit":1', '"unit":2')}]`, /\$\[0\]\.unit: expected 1\|3\|5/],
    ['price as a string', `[${UPBIT_MINUTE_CANDLE.replace('"trade_price":11498000.0', '"trade_price":"11498000"')}]`, /\$\[0\]\.trade_price: expected a finite number/],
    ['missing volume', `[${UPBIT_MINUTE_CANDLE.replace(',"candle_acc_trade_volume":2.63267824', '')}]`, /candle_acc_trade_volume: expected a finite number, got nothing/],
    ['timestamp in seconds', `[${UPBIT_MINUTE_CANDLE.replace('1582197598691', '1582197598')}]`, /\$\[0\]\.timestamp: expected epoch ms/],
    ['empty market', `[${UPBIT_MINUTE_CANDLE.replace('"market":"KRW-BTC"', '"market":""')}]`, /\$\[0\]\.market: expected a non-empty string/],
  ];
  it.each(cases)('rejects %s', (_name, body, reason) => {
    expectParseError(() => parseUpbitMinuteCandles(body), 'upbit.rest', body, reason);
  });
});
