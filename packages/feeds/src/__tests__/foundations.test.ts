import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../decimal.js';
import { FeedParseError } from '../errors.js';
import { Frame } from '../fields.js';
import { readHeader, restUrl } from '../http.js';
import { isEpochMs, parseZonelessUtcMs } from '../time.js';

describe('parseDecimal', () => {
  it.each([
    ['28155.10000000', 28155.1],
    ['0', 0],
    ['-0.00002760', -0.0000276],
    ['6E-8', 6e-8],
    ['1e3', 1000],
  ])('accepts %s', (text, value) => {
    expect(parseDecimal(text)).toBe(value);
  });

  it.each(['', ' ', 'abc', 'NaN', 'Infinity', '-Infinity', '1e999', '0x10', ' 1', '1 ', '+1', '1.', '.5', '1,5', '1..2'])(
    'rejects %j',
    (text) => {
      expect(parseDecimal(text)).toBeNull();
    },
  );
});

describe('epoch and date-time checks', () => {
  it('accepts ms epochs from 2009 to 2100 only', () => {
    expect(isEpochMs(1680652800010)).toBe(true);
    expect(isEpochMs(1680652800)).toBe(false); // seconds, not ms
    expect(isEpochMs(-1)).toBe(false);
    expect(isEpochMs(1680652800010.5)).toBe(false);
    expect(isEpochMs(1e20)).toBe(false);
    expect(isEpochMs(Date.UTC(2100, 0, 1))).toBe(false);
  });

  it('reads a zone-less date-time as UTC whatever the host zone (tests run in Asia/Seoul)', () => {
    expect(process.env.TZ).toBe('Asia/Seoul');
    expect(parseZonelessUtcMs('2020-02-20T11:19:00')).toBe(Date.UTC(2020, 1, 20, 11, 19));
  });

  it.each(['2020-02-31T00:00:00', '2020-13-01T00:00:00', '2020-02-20T24:00:00', '2020-02-20 11:19:00', '2020-02-20T11:19:00Z', '1999-01-01T00:00:00', ''])(
    'rejects date-time %j',
    (text) => {
      expect(parseZonelessUtcMs(text)).toBeNull();
    },
  );
});

describe('FeedParseError', () => {
  it('keeps source, reason and the raw frame, truncated when long', () => {
    const long = `{"x":"${'a'.repeat(5000)}"}`;
    const error = new FeedParseError('binance.ws', 'bad', long);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('FeedParseError');
    expect(error.message).toBe('binance.ws: bad');
    expect(error.raw.length).toBeLessThan(1100);
    expect(error.raw.startsWith('{"x":"aaa')).toBe(true);
    expect(error.raw).toMatch(/…\[\+\d+ chars\]$/);
  });

  it('names the failing field path in the reason', () => {
    const frame = new Frame('binance.ws', '{"data":{"p":"abc"}}');
    const fields = frame.object(frame.json()).object('data');
    expect(() => fields.decimal('p')).toThrow(/\$\.data\.p: expected a decimal string, got "abc"/);
  });
});

describe('http helpers', () => {
  it('reads headers case-insensitively from fetch Headers and node header objects', () => {
    expect(readHeader(new Headers({ 'X-MBX-USED-WEIGHT-1M': '12' }), 'x-mbx-used-weight-1m')).toBe('12');
    expect(readHeader({ 'x-mbx-used-weight-1m': ['12', '13'] }, 'X-MBX-USED-WEIGHT-1M')).toBe('12');
    expect(readHeader({}, 'Retry-After')).toBeNull();
  });

  it('joins base, path and query', () => {
    expect(restUrl('https://fapi.binance.com/', { path: '/fapi/v1/openInterest', query: { symbol: 'BTCUSDT' } })).toBe(
      'https://fapi.binance.com/fapi/v1/openInterest?symbol=BTCUSDT',
    );
    expect(restUrl('http://127.0.0.1:9', { path: '/fapi/v1/premiumIndex', query: {} })).toBe('http://127.0.0.1:9/fapi/v1/premiumIndex');
  });
});
