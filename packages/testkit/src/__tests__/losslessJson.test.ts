import { describe, expect, it } from 'vitest';
import { JsonNumber, JsonSyntaxError, parseLossless, stringifyLossless } from '../json/lossless.js';
import { toDefaultKeys, toKeyFormat } from '../upbit/keys.js';
import { rebaseSequentialId } from '../replay/source.js';

describe('lossless JSON', () => {
  it('round-trips number text exactly, including integers above 2^53 and trailing zeros', () => {
    const text = '{"tp":127.0,"pcp":123.00000000,"sid":17303368620470001,"neg":-1.5e-7,"s":"a\\"b","n":null,"b":[true,false]}';
    expect(stringifyLossless(parseLossless(text))).toBe(text);
    const value = parseLossless(text) as { sid: JsonNumber };
    expect(value.sid.toBigInt()).toBe(17303368620470001n);
  });

  it('writes bigint values as bare digits', () => {
    expect(stringifyLossless({ sequential_id: 17303368620470003n, p: 1.5 })).toBe('{"sequential_id":17303368620470003,"p":1.5}');
  });

  it('rejects malformed text', () => {
    for (const bad of ['{"a":1', '{"a":}', '[1,]', '{"a":1} x', '01']) expect(() => parseLossless(bad)).toThrow(JsonSyntaxError);
  });
});

describe('Upbit key formats', () => {
  it('translates DEFAULT ↔ SIMPLE, including nested orderbook units, and keeps unknown keys', () => {
    const simple = parseLossless('{"ty":"orderbook","cd":"KRW-BTC","tms":1,"tas":2.0,"tbs":3.0,"obu":[{"ap":1.0,"bp":0.5,"as":1,"bs":2}],"st":"REALTIME","extra":1}');
    const asDefault = toDefaultKeys(simple as never);
    expect(Object.keys(asDefault)).toEqual(['type', 'code', 'timestamp', 'total_ask_size', 'total_bid_size', 'orderbook_units', 'stream_type', 'extra']);
    expect(stringifyLossless(toKeyFormat(asDefault, 'orderbook', 'simple'))).toBe(stringifyLossless(simple));
  });

  it('uses the ticker table for ticker (trade_date → tdt, not td)', () => {
    expect(Object.keys(toKeyFormat({ type: 'ticker', trade_date: '20260101' }, 'ticker', 'simple'))).toEqual(['ty', 'tdt']);
    expect(Object.keys(toKeyFormat({ type: 'trade', trade_date: '2026-01-01' }, 'trade', 'simple'))).toEqual(['ty', 'td']);
  });

  it('rebases sequential ids keeping the recorded scale and per-ms counter', () => {
    expect(rebaseSequentialId(1618678262000003n, 1618678262000, 1800000000123)).toBe(1800000000123003n);
    expect(rebaseSequentialId(17303368620470002n, 1730336862047, 1800000000000)).toBe(18000000000000002n);
  });
});
