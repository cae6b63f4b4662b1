// cqt predict --timeframe: predictions on candle closes from the candle history, both backends.
// The clock is injected (the stand-in for the exchange clock the candle store closes candles by):
// (1) nothing for a candle before it has closed by that clock (+ the store's 1 s grace), even when a
// row for it is in the table; (2) a planted future candle changes no stored value, a changed input
// candle does; (3) each boundary once across restarts; (4) a missing candle → no prediction for the
// boundaries that need it, logged.
import { beforeEach, expect, it } from 'vitest';
import type { Db } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { insert } from '@cqt/test-support/seed';
import { run } from '../index.js';
import type { CandleRunResult } from '../candles.js';

const MIN = 60_000;
const T = Date.UTC(2026, 10, 23, 10, 0, 0);
const SERIES = { venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1m' } as const;
const ENV = { CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' };
const SETTINGS = { timeframe: '1m', symbol: 'KRW-BTC', horizonCandles: 3, lookbackCandles: 5 };

/** A deterministic price path: close of the candle opening at openMs. */
const priceAt = (openMs: number) => 100_000_000 * (1 + 0.002 * Math.sin(openMs / MIN) + 0.001 * Math.cos((openMs / MIN) * 2.7));

function candle(openMs: number, close = priceAt(openMs)) {
  return {
    venue: SERIES.venue,
    symbol: SERIES.symbol,
    timeframe: SERIES.timeframe,
    ts: new Date(openMs),
    open: close,
    high: close,
    low: close,
    close,
    volume: 1,
    closed: true,
    recvTs: new Date(openMs + MIN + 2000),
  };
}

/** Candles opening every minute in [fromMs, toMs), except those in `skip`. */
async function seedCandles(db: Db, fromMs: number, toMs: number, skip: number[] = []): Promise<void> {
  const rows = [];
  for (let t = fromMs; t < toMs; t += MIN) if (!skip.includes(t)) rows.push(candle(t));
  await insert(db, 'candles', rows);
}

interface Row {
  ts: Date;
  close: number;
  sigma: number;
  r_t: number;
  p_up: number;
  p_down: number;
  p_none: number;
  inputs_max_ts: Date;
  computed_at: Date;
}

describeBackends('cqt predict --timeframe', ({ db }) => {
  const rows = () => db().sql<Row[]>`select * from candle_predictions where venue = 'upbit' and symbol = 'KRW-BTC' and timeframe = '1m' order by ts`;
  const times = async () => (await rows()).map((r) => r.ts.toISOString());

  /** One live pass at the given clock (an aborted signal ends the loop after its first pass). */
  async function livePass(clockMs: number, log: string[] = []): Promise<CandleRunResult> {
    const stop = new AbortController();
    stop.abort();
    return (await run({ db: db(), env: ENV, ...SETTINGS, clockMs: () => clockMs, signal: stop.signal, log: (l) => log.push(l) })) as CandleRunResult;
  }

  async function backfill(fromMs: number, toMs: number, log: string[] = []): Promise<CandleRunResult> {
    return (await run({ db: db(), env: ENV, ...SETTINGS, backfill: true, from: fromMs, to: toMs, clockMs: () => T + 10 * 60 * MIN, log: (l) => log.push(l) })) as CandleRunResult;
  }

  beforeEach(async () => {
    await db().sql`delete from candle_predictions`;
    await db().sql`delete from candles`;
  });

  it('writes a boundary only once its candle has closed by the clock, never for a candle still open', async () => {
    // Closed candles up to the one closing at T, and a row for the candle opening at T (still open
    // until T + 1 min) as a writer that broke the closed-candle rule would leave it.
    await seedCandles(db(), T - 30 * MIN, T + MIN);

    const iso = (ms: number) => new Date(ms).toISOString();
    const first = await livePass(T - 1);
    expect(first.written).toBe(1);
    expect(await times()).toEqual([iso(T - MIN)]); // first run: the newest closed candle only; T's closes at T
    await livePass(T + 999);
    expect(await times()).toEqual([iso(T - MIN)]); // closed at T, but not yet by the store's 1 s grace
    await livePass(T + 1000);
    expect(await times()).toEqual([iso(T - MIN), iso(T)]);

    await livePass(T + 30_000);
    expect(await times()).toEqual([iso(T - MIN), iso(T)]); // the open candle (opened at T) is never used
    await livePass(T + MIN + 999);
    expect(await times()).toHaveLength(2);
    await livePass(T + MIN + 1000);
    expect(await times()).toEqual([iso(T - MIN), iso(T), iso(T + MIN)]);

    const row = (await rows())[1];
    expect(row.inputs_max_ts.getTime()).toBe(T - MIN); // the newest input is the candle closing at ts
    expect(row.close).toBeCloseTo(priceAt(T - MIN), 6);
    expect(row.p_up + row.p_down + row.p_none).toBeCloseTo(1, 12);
    expect(row.sigma).toBeGreaterThan(0);
  });

  it('a planted future candle changes nothing; a changed input candle does (the check can fail)', async () => {
    await seedCandles(db(), T - 60 * MIN, T);
    await backfill(T - 20 * MIN, T);
    const before = await rows();
    expect(before).toHaveLength(21);
    const values = (r: Row[]) => r.map(({ ts, close, sigma, r_t, p_up, p_down, p_none, inputs_max_ts }) => ({ ts, close, sigma, r_t, p_up, p_down, p_none, inputs_max_ts }));

    // Future candles: every minute after T, at wild prices; recompute everything from scratch.
    await insert(db(), 'candles', Array.from({ length: 10 }, (_, i) => candle(T + i * MIN, priceAt(T) * (i % 2 ? 3 : 0.3))));
    await db().sql`delete from candle_predictions`;
    await backfill(T - 20 * MIN, T);
    expect(values(await rows())).toEqual(values(before));

    // The same comparison notices a change inside a boundary's inputs: the candle closing at T.
    await db().sql`update candles set close = close * 1.05 where ts = ${new Date(T - MIN)}`;
    await db().sql`delete from candle_predictions`;
    await backfill(T - 20 * MIN, T);
    const changed = values(await rows());
    expect(changed.slice(0, -1)).toEqual(values(before).slice(0, -1));
    expect(changed.at(-1)!.sigma).not.toBe(values(before).at(-1)!.sigma);
  });

  it('writes each boundary once across restarts, leaving earlier rows as they were', async () => {
    await seedCandles(db(), T - 30 * MIN, T + 10 * MIN);
    await livePass(T + 1000);
    await livePass(T + 3 * MIN + 1000); // restart: resumes after T
    const firstRows = await rows();
    expect(firstRows.map((r) => r.ts.getTime())).toEqual([T, T + MIN, T + 2 * MIN, T + 3 * MIN]);

    await livePass(T + 3 * MIN + 5000); // nothing new has closed
    const again = await backfill(T - 10 * MIN, T + 6 * MIN); // a backfill over them keeps what is there
    expect(again.kept).toBe(4);
    expect(again.written).toBe(13); // T − 10 … T + 6 min: 17 boundaries, 4 of them kept
    const after = await rows();
    expect(after.map((r) => r.ts.getTime())).toEqual(Array.from({ length: 17 }, (_, i) => T - 10 * MIN + i * MIN));
    for (const r of firstRows) {
      const same = after.find((a) => a.ts.getTime() === r.ts.getTime())!;
      expect(same.computed_at).toEqual(r.computed_at);
    }
    await livePass(T + 7 * MIN + 1000);
    expect((await rows()).at(-1)!.ts.getTime()).toBe(T + 7 * MIN);
    expect(new Set(await times()).size).toBe((await rows()).length);
  });

  it('a missing candle: no prediction for the boundaries that need it, each logged, none fabricated', async () => {
    const hole = T - 10 * MIN;
    await seedCandles(db(), T - 40 * MIN, T, [hole]);
    const log: string[] = [];
    const result = await backfill(T - 20 * MIN, T, log);
    // The hole's own boundary (hole + 1 min) and the K = 5 after it need the candle: 6 skipped.
    const skipped = Array.from({ length: 6 }, (_, i) => hole + (i + 1) * MIN);
    expect(result.gaps).toBe(6);
    expect(result.written).toBe(21 - 6);
    const written = (await rows()).map((r) => r.ts.getTime());
    for (const ts of skipped) expect(written).not.toContain(ts);
    expect(written).toContain(hole);
    expect(written).toContain(hole + 7 * MIN);
    const gapLines = log.filter((l) => l.includes('skipped'));
    expect(gapLines).toHaveLength(6);
    for (const line of gapLines) expect(line).toContain(`no closed candle opening at ${new Date(hole).toISOString()}`);

    // Live: a restart after the hole resumes past it without fabricating the missing boundaries.
    await db().sql`delete from candle_predictions`;
    await livePass(hole + 1000); // newest closed candle then: the one closing at the hole's open
    const liveLog: string[] = [];
    const live = await livePass(T + 1000, liveLog);
    expect(live.gaps).toBe(6);
    expect((await rows()).map((r) => r.ts.getTime())).toEqual([hole, hole + 7 * MIN, hole + 8 * MIN, hole + 9 * MIN, hole + 10 * MIN]);
  });

  it('many skipped boundaries: 20 lines, then one count', async () => {
    await seedCandles(db(), T - 40 * MIN, T - 30 * MIN);
    const log: string[] = [];
    const result = await backfill(T - 20 * MIN, T, log);
    expect(result.gaps).toBe(21);
    expect(log.filter((l) => l.includes(' skipped: gap: '))).toHaveLength(20);
    expect(log).toContain(`predict: upbit KRW-BTC 1m 1 more boundaries skipped for missing candles, up to ${new Date(T).toISOString()}`);
  });

  it('live: a skipped boundary is logged once, not on every pass', async () => {
    const hole = T - 3 * MIN;
    await seedCandles(db(), T - 40 * MIN, T, [hole]);
    const log: string[] = [];
    const stop = new AbortController();
    let passes = 0;
    // Three passes of one run at the same clock (each pass reads the clock once).
    const clockMs = () => {
      if (++passes >= 3) stop.abort();
      return T + 1000;
    };
    const result = (await run({ db: db(), env: ENV, ...SETTINGS, pollSec: 0.01, clockMs, signal: stop.signal, log: (l) => log.push(l) })) as CandleRunResult;
    expect(passes).toBe(3);
    expect(result.written).toBe(0);
    expect(log.filter((l) => l.includes('skipped'))).toEqual([`predict: upbit KRW-BTC 1m boundary ${new Date(T).toISOString()} skipped: gap: no closed candle opening at ${new Date(hole).toISOString()}`]);
  });

  it('refuses flags of the snapshot modes and unsupported timeframes (one line, a hint)', async () => {
    await expect(run({ db: db(), env: ENV, ...SETTINGS, once: true })).rejects.toThrow('--once does not apply with --timeframe');
    await expect(run({ db: db(), env: ENV, ...SETTINGS, timeframe: '1M' })).rejects.toThrow('--timeframe 1M is not supported for predictions');
    await expect(run({ db: db(), env: ENV, ...SETTINGS, backfill: true, from: T })).rejects.toThrow('--backfill needs --from and --to');
    await expect(run({ db: db(), env: ENV, venue: 'binance', once: true })).rejects.toThrow('--venue needs --timeframe');
  });
});
