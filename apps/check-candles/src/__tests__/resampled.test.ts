// candles.resampled: native 1 h / 1 d candles against the stored 1 m candles of the same span
// (decision 91). The maths on hand-made minutes (no-trade minutes, unknown and pruned minutes,
// tolerances), then the check on both backends over pages committed through the engine: consistent
// data passes, a 1 h high above the minutes' max fails naming it, an unanswered minute makes the
// hour unknown (warn), never a pass.
import { beforeAll, describe, expect, it } from 'vitest';
import { RESAMPLE_TOLERANCE, commitPage, compareWithMinutes, resample, type Candle, type Series } from '@cqt/candles';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF } from '@cqt/test-support/seed';
import { output, run } from '../index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Minutes of [fromMs, toMs) on a deterministic walk; `quiet` minutes had no trade (no row). */
function minutesOf(fromMs: number, toMs: number, quiet: (t: number) => boolean = () => false): Candle[] {
  const out: Candle[] = [];
  let price = 1000;
  for (let t = fromMs; t < toMs; t += MIN) {
    const k = (t / MIN) % 97;
    const open = price;
    const close = Math.round(open * (1 + ((k % 7) - 3) / 1000) * 100) / 100;
    price = close;
    if (quiet(t)) continue;
    const volume = Math.round((0.5 + (k % 11) / 10) * 1e8) / 1e8;
    out.push({ openMs: t, open, high: Math.max(open, close) + (k % 5), low: Math.min(open, close) - (k % 3), close, volume, quoteVolume: Math.round(volume * close * 1e8) / 1e8, tradeCount: null });
  }
  return out;
}

/** The venue's own aggregate of those minutes, one candle per `stepMs`. */
function natives(minutes: Candle[], fromMs: number, toMs: number, stepMs: number): Candle[] {
  const out: Candle[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) {
    const j = resample(minutes.filter((m) => m.openMs >= t && m.openMs < t + stepMs));
    if (j) out.push({ openMs: t, open: j.open, high: j.high, low: j.low, close: j.close, volume: j.volume, quoteVolume: j.quoteVolume, tradeCount: j.tradeCount });
  }
  return out;
}

describe('compareWithMinutes', () => {
  const h0 = Date.UTC(2026, 0, 1, 5);
  const quiet = (t: number) => t === h0 + 7 * MIN || t === h0 + 59 * MIN;
  const minutes = minutesOf(h0, h0 + HOUR, quiet);
  const [hour] = natives(minutes, h0, h0 + HOUR, HOUR);
  const queried = [{ kind: 'queried' as const, fromMs: h0, toMs: h0 + HOUR }];

  it('agrees when the minutes join to the hour; missing minutes inside a queried range are no-trade minutes', () => {
    expect(minutes).toHaveLength(58);
    expect(compareWithMinutes('1h', h0, hour, minutes, queried)).toEqual({ kind: 'agree' });
    // The close is the last traded minute's (58), not the quiet 59th's.
    expect(hour.close).toBe(minutes[57].close);
  });

  it('names the field that disagrees: high above the minutes\' max, close, volume beyond the tolerance', () => {
    expect(compareWithMinutes('1h', h0, { ...hour, high: hour.high + 1 }, minutes, queried)).toEqual({ kind: 'disagree', field: 'high', native: hour.high + 1, resampled: hour.high });
    expect(compareWithMinutes('1h', h0, { ...hour, close: hour.close * 1.001 }, minutes, queried)).toMatchObject({ kind: 'disagree', field: 'close' });
    const slack = RESAMPLE_TOLERANCE.volumeRel * hour.volume + RESAMPLE_TOLERANCE.volumeAbsPerMinute * 58;
    expect(compareWithMinutes('1h', h0, { ...hour, volume: hour.volume + slack * 0.9 }, minutes, queried)).toEqual({ kind: 'agree' });
    expect(compareWithMinutes('1h', h0, { ...hour, volume: hour.volume + slack * 1.1 }, minutes, queried)).toMatchObject({ kind: 'disagree', field: 'volume' });
  });

  it('a minute never answered, or pruned, makes the hour unknown, not a pass', () => {
    const partly = [{ kind: 'queried' as const, fromMs: h0, toMs: h0 + 50 * MIN }];
    expect(compareWithMinutes('1h', h0, hour, minutes.filter((m) => m.openMs < h0 + 50 * MIN), partly)).toEqual({ kind: 'unknown', unknownMinutes: 10 });
    // Even a hour that would disagree is unknown then: its missing minutes could hold the high.
    expect(compareWithMinutes('1h', h0, { ...hour, high: hour.high + 1 }, [], [])).toEqual({ kind: 'unknown', unknownMinutes: 60 });
    expect(compareWithMinutes('1h', h0, hour, minutes, [...queried, { kind: 'pruned', fromMs: h0 - DAY, toMs: h0 + 2 * MIN }])).toEqual({ kind: 'unknown', unknownMinutes: 2 });
  });

  it('no native candle (no trade that hour) agrees with minutes that did not trade, and disagrees with minutes that did', () => {
    expect(compareWithMinutes('1h', h0, null, [], queried)).toEqual({ kind: 'agree' });
    expect(compareWithMinutes('1h', h0, null, minutes, queried)).toMatchObject({ kind: 'disagree', field: 'candle' });
    // Binance: klines of minutes without trades (volume 0) join as nothing.
    const idle = minutes.map((m) => ({ ...m, volume: 0, quoteVolume: 0, tradeCount: 0 }));
    expect(compareWithMinutes('1h', h0, { ...hour, volume: 0, quoteVolume: 0, tradeCount: 0 }, idle, queried)).toEqual({ kind: 'agree' });
    expect(compareWithMinutes('1h', h0, hour, idle, queried)).toMatchObject({ kind: 'disagree', field: 'volume' });
  });
});

describeBackends('cqt check candles: native against resampled 1 m', ({ db }) => {
  const upbitM: Series = { venue: 'upbit', symbol: 'KRW-ETH', timeframe: '1m' };
  const binanceM: Series = { venue: 'binance', symbol: 'ETHUSDT', timeframe: '1m' };
  const h0 = AS_OF - 3 * HOUR;
  const badHourMs = h0 + HOUR;
  beforeAll(async () => {
    const commit = (s: Series, candles: Candle[], fromMs: number, toMs: number) => commitPage(db().sql, s, { candles, queried: { fromMs, toMs }, holes: [], recvMs: AS_OF - 10_000 });
    // Upbit: 3 hours of minutes with no-trade minutes (one whole quiet hour's worth is not needed:
    // every 13th minute), and the venue's 1 h candles of them; yesterday's day candle too, whose
    // minutes were never fetched (unknown).
    const quiet = (t: number) => (t / MIN) % 13 === 0;
    const upbitMinutes = minutesOf(h0, AS_OF, quiet);
    await commit(upbitM, upbitMinutes, h0, AS_OF);
    await commit({ ...upbitM, timeframe: '1h' }, natives(upbitMinutes, h0, AS_OF, HOUR), h0, AS_OF);
    const yesterday = AS_OF - (AS_OF % DAY) - DAY;
    await commit({ ...upbitM, timeframe: '1d' }, [{ openMs: yesterday, open: 1, high: 2, low: 1, close: 2, volume: 5, quoteVolume: 7, tradeCount: null }], yesterday, yesterday + DAY);
    // Binance: the same, but the second hour's high is above its minutes' max (a bad feed).
    const binanceMinutes = minutesOf(h0, AS_OF).map((m) => ({ ...m, tradeCount: 3 }));
    await commit(binanceM, binanceMinutes, h0, AS_OF);
    const hours = natives(binanceMinutes, h0, AS_OF, HOUR).map((c) => (c.openMs === badHourMs ? { ...c, high: c.high + 25 } : c));
    await commit({ ...binanceM, timeframe: '1h' }, hours, h0, AS_OF);
  });

  it('consistent Upbit hours pass (no-trade minutes included); the Binance hour whose high disagrees fails; the unfetched day is unknown', async () => {
    const report = await run({ db: db(), env: {}, asOf: AS_OF + 5 * MIN, window: 6 * HOUR / 1000 });
    const resampled = Object.fromEntries(report.items.filter((i) => i.name.startsWith('candles.resampled')).map((i) => [i.name, [i.status, i.observed]]));
    expect(resampled).toEqual({
      'candles.resampled[binance ETHUSDT 1h]': ['fail', 1],
      'candles.resampled[upbit KRW-ETH 1d]': ['skip', 0],
      'candles.resampled[upbit KRW-ETH 1h]': ['pass', 0],
    });
    const bad = report.items.find((i) => i.name === 'candles.resampled[binance ETHUSDT 1h]')!;
    expect(bad.detail).toMatch(new RegExp(`^2 agree, 1 disagree, 0 unknown .*first ${new Date(badHourMs).toISOString()}: 1h high \\d+(\\.\\d+)? vs 1 m joined`));
    expect(report.items.find((i) => i.name === 'candles.resampled[upbit KRW-ETH 1h]')!.detail).toMatch(/^3 agree, 0 disagree, 0 unknown/);
    expect(output(report).exitCode).toBe(1);

    // A 2-day window holds yesterday's day candle: its minutes were never fetched → unknown, a warning.
    const wide = await run({ db: db(), env: {}, asOf: AS_OF + 5 * MIN, window: 2 * DAY / 1000, symbols: ['KRW-ETH'] });
    const day = wide.items.find((i) => i.name === 'candles.resampled[upbit KRW-ETH 1d]')!;
    expect([day.status, day.observed]).toEqual(['warn', 0]);
    expect(day.detail).toMatch(/^0 agree, 0 disagree, 1 unknown/);
  });

  it('a minute the 1 m series never answered turns a bad hour into unknown, never a pass', async () => {
    // Forget the bad hour's minutes' coverage: nothing in it may be judged from them now.
    await db().sql`delete from candle_coverage where venue = 'binance' and symbol = 'ETHUSDT' and timeframe = '1m'`;
    await commitPage(db().sql, binanceM, { candles: [], queried: { fromMs: h0, toMs: badHourMs + 30 * MIN }, holes: [], recvMs: AS_OF });
    await commitPage(db().sql, binanceM, { candles: [], queried: { fromMs: badHourMs + 31 * MIN, toMs: AS_OF }, holes: [], recvMs: AS_OF });
    const report = await run({ db: db(), env: {}, asOf: AS_OF + 5 * MIN, window: 6 * HOUR / 1000, symbols: ['ETHUSDT'] });
    const item = report.items.find((i) => i.name === 'candles.resampled[binance ETHUSDT 1h]')!;
    expect([item.status, item.observed]).toEqual(['warn', 0]);
    expect(item.detail).toMatch(/^2 agree, 0 disagree, 1 unknown/);
  });
});
