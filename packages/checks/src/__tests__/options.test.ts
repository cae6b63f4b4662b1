import { describe, expect, it } from 'vitest';
import { UsageError } from '@cqt/config';
import { resolveFlag } from '@cqt/config/command';
import { parseColumnList, parseRatio, parseSeconds, type ThresholdSpec } from '../command.js';
import { parseSymbols, predictorConfig, resolveAsOfMs, resolveScope, resolveWindowSec } from '../options.js';
import { gridWindow } from '../probe.js';

const minFill: ThresholdSpec<number> = { flag: '--min-fill', describe: 'minimum fill', env: 'CQT_CHECK_X_MIN_FILL', default: 0.95, expected: 'a ratio', parse: parseRatio };

describe('thresholds: flag > env > default, bad values name their origin', () => {
  it.each([
    { name: 'the flag wins', given: '0.5', env: { CQT_CHECK_X_MIN_FILL: '0.7' }, value: 0.5 },
    { name: 'a number flag', given: 0.25, env: {}, value: 0.25 },
    { name: 'env without the flag', given: undefined, env: { CQT_CHECK_X_MIN_FILL: '70%' }, value: 0.7 },
    { name: 'an empty env value is unset', given: undefined, env: { CQT_CHECK_X_MIN_FILL: '' }, value: 0.95 },
    { name: 'the default', given: undefined, env: {}, value: 0.95 },
  ])('$name', ({ given, env, value }) => {
    expect(resolveFlag(minFill, given, env)).toBe(value);
  });

  it.each([
    { given: 'most', env: {}, message: 'invalid --min-fill "most"' },
    { given: undefined, env: { CQT_CHECK_X_MIN_FILL: '1.5' }, message: 'invalid CQT_CHECK_X_MIN_FILL="1.5" (from env)' },
  ])('rejects $message', ({ given, env, message }) => {
    let error: unknown;
    try {
      resolveFlag(minFill, given, env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ message, hint: 'expected a ratio', exitCode: 2 });
  });
});

describe('parsers', () => {
  it.each([
    ['0.95', 0.95],
    ['95%', 0.95],
    ['0', 0],
    ['1', 1],
    ['100%', 1],
    ['1.01', undefined],
    ['-0.1', undefined],
    ['ninety', undefined],
  ])('ratio %s → %s', (text, value) => expect(parseRatio(text)).toBe(value));

  it.each([
    ['90', 90],
    ['90s', 90],
    ['10m', 600],
    ['24h', 86_400],
    ['7d', 604_800],
    ['soon', undefined],
  ])('seconds %s → %s', (text, value) => expect(parseSeconds(text)).toBe(value));

  it('column lists', () => {
    expect(parseColumnList('p_up, p_down')).toEqual(['p_up', 'p_down']);
    expect(parseColumnList('p_up;drop table')).toBeUndefined();
  });
});

describe('window, as-of and symbols', () => {
  it('window: default 600, durations, positive only', () => {
    expect(resolveWindowSec(undefined)).toBe(600);
    expect(resolveWindowSec('10m')).toBe(600);
    expect(resolveWindowSec(90)).toBe(90);
    expect(() => resolveWindowSec('0')).toThrow('invalid --window "0"');
    expect(() => resolveWindowSec('ten')).toThrow('invalid --window "ten"');
  });

  it('as-of: ISO with a zone or epoch ms; now by default', () => {
    expect(resolveAsOfMs('2026-11-23T10:00:00Z')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(resolveAsOfMs('2026-11-23T19:00:00+09:00')).toBe(Date.UTC(2026, 10, 23, 10));
    expect(resolveAsOfMs(String(Date.UTC(2026, 10, 23, 10)))).toBe(Date.UTC(2026, 10, 23, 10));
    expect(resolveAsOfMs(undefined, 42)).toBe(42);
    expect(() => resolveAsOfMs('2026-11-23T10:00:00')).toThrow('invalid --as-of');
  });

  it('symbols: repeats and comma lists, upper-cased, split by venue; unnamed venues keep their config', () => {
    expect(parseSymbols(['krw-btc,BTCUSDT', ' KRW-ETH ', 'KRW-BTC'])).toEqual(['KRW-BTC', 'BTCUSDT', 'KRW-ETH']);
    expect(() => parseSymbols(['BTC/USDT'])).toThrow('invalid --symbol "BTC/USDT"');
    const configured = { upbitMarkets: ['KRW-BTC', 'KRW-ETH'], binanceSymbols: ['BTCUSDT'] };
    expect(resolveScope({ symbols: ['ETHUSDT'] }, configured)).toMatchObject({ upbit: ['KRW-BTC', 'KRW-ETH'], binance: ['ETHUSDT'], windowSec: 600 });
    expect(resolveScope({}, predictorConfig(configured)).upbit).toEqual(['KRW-BTC']);
    expect(resolveScope({ symbols: ['KRW-XRP'] }, predictorConfig(configured)).upbit).toEqual(['KRW-XRP']);
  });
});

describe('gridWindow', () => {
  const asOf = Date.UTC(2026, 10, 23, 10, 0, 0, 300);
  it('1 s grid: the 600 closed seconds before as-of, rows in [lo, hi)', () => {
    const g = gridWindow(asOf, 600, 1);
    expect(g.expected).toBe(600);
    expect(new Date(g.loMs).toISOString()).toBe('2026-11-23T09:50:00.000Z');
    expect(new Date(g.hiMs).toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect((g.hiMs - g.loMs) / 1000).toBe(g.expected);
  });

  it('5 s grid: the point at as-of is not expected yet', () => {
    const g = gridWindow(Date.UTC(2026, 10, 23, 10), 600, 5);
    expect(g.expected).toBe(120);
    expect(new Date(g.loMs).toISOString()).toBe('2026-11-23T09:50:00.000Z');
    expect(new Date(g.hiMs).toISOString()).toBe('2026-11-23T10:00:00.000Z');
  });
});
