// cqt check leak on candle predictions, both backends: honest rows recompute equal; rows computed
// one candle ahead (using the candle that opens at the boundary) or tampered fail the series'
// item, naming the boundary and the column.
import { beforeEach, expect, it } from 'vitest';
import type { CheckReport } from '@cqt/checks';
import { CandlePredictor, writeCandlePredictions, type CandlePredictionRow } from '@cqt/features';
import { describeBackends } from '@cqt/test-support/backends';
import { insert } from '@cqt/test-support/seed';
import { run } from '../index.js';

const MIN = 60_000;
// Recent: the check's window ends now.
const T = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;
const ENV = { CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' };
const SERIES = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m' };
const NAME = 'candle_predictions.recompute[binance BTCUSDT 1m]';
const predictor = new CandlePredictor(SERIES, { horizonCandles: 3, lookbackCandles: 5, kVol: 1, rMin: 0.0005 });
const price = (openMs: number) => 50_000 * (1 + 0.003 * Math.sin(openMs / MIN / 3));

describeBackends('check leak: candle predictions', ({ db }) => {
  const check = async () => (await run({ db: db(), env: ENV, window: '1h', asOf: Date.now() })) as CheckReport;
  const item = (report: CheckReport) => report.items.find((i) => i.name === NAME);

  beforeEach(async () => {
    await db().sql`delete from candle_predictions`;
    await db().sql`delete from candles`;
    const rows = [];
    for (let t = T - 60 * MIN; t < T; t += MIN) {
      const close = price(t);
      rows.push({ ...SERIES, ts: new Date(t), open: close, high: close, low: close, close, volume: 1, closed: true, recvTs: new Date(t + MIN + 1000) });
    }
    await insert(db(), 'candles', rows);
  });

  async function honest(): Promise<CandlePredictionRow[]> {
    const outcomes = await predictor.compute(db(), T - 30 * MIN, T, T + 1000);
    return outcomes.flatMap((o) => (o.ok ? [o.row] : []));
  }

  it('honest rows: the item passes; no candle predictions: no item', async () => {
    expect(item(await check())).toBeUndefined();
    await writeCandlePredictions(db(), await honest());
    const passed = item(await check())!;
    expect(passed.status).toBe('pass');
    expect(passed.detail).toBe('equal in all 20 recomputed boundaries (of 31 in the window)');
  });

  it('rows computed one candle ahead fail, naming the boundary and the column', async () => {
    // A leaky predictor: the row for boundary b uses the candles up to b + 1 min (the one opening at b).
    const ahead = await predictor.compute(db(), T - 29 * MIN, T, T + 1000);
    const leaky = ahead.flatMap((o) => (o.ok ? [{ ...o.row, ts: new Date(o.row.ts.getTime() - MIN) }] : []));
    await writeCandlePredictions(db(), leaky);
    const failed = item(await check())!;
    expect(failed.status).toBe('fail');
    expect(failed.observed).toBe(20);
    expect(failed.detail).toMatch(new RegExp(`^at boundary ${new Date(T - 30 * MIN).toISOString()}: close stored \\S+, recomputed from candles opening before it`));
  });

  it('a tampered probability fails', async () => {
    await writeCandlePredictions(db(), await honest());
    await db().sql`update candle_predictions set p_up = p_up + 0.01 where ts = ${new Date(T)}`;
    const failed = item(await check())!;
    expect([failed.status, failed.observed]).toEqual(['fail', 1]);
    expect(failed.detail).toMatch(new RegExp(`^at boundary ${new Date(T).toISOString()}: p_up stored`));
  });
});
