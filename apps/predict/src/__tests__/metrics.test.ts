// `predict --metrics-port 0` (the live loop, in-process) on both stores: a scrape over real HTTP
// shows snapshot compute times and written ticks; an event loop held past a boundary shows as a
// late-start overrun; the server is gone once the loop stops.
import { expect, it } from 'vitest';
import { parseMetrics } from '@cqt/metrics';
import { describeBackends } from '@cqt/test-support/backends';
import { waitFor } from '@cqt/test-support/wait';
import { run, type RunResult } from '../index.js';
import { LATE_START_SEC } from '../observe.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' };

describeBackends('predict --metrics-port', ({ db }) => {
  it('serves compute times, ticks and overruns while the live loop runs', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const done = run({ db: db(), env: ENV, intervalSec: 1, delaySec: 0, metricsPort: 0, signal: controller.signal, log: (l) => lines.push(l) });
    try {
      const url = await waitFor('the metrics URL in the log', async () => lines.map((l) => /^predict: metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(l)?.[1]).find(Boolean));
      const scrape = async () => parseMetrics(await (await fetch(url)).text());
      const first = await waitFor('a written tick', async () => {
        const m = await scrape();
        return (m.get('cqt_predict_snapshots_total{outcome="written"}') ?? 0) >= 1 ? m : null;
      }, { timeoutMs: 30_000, detail: () => lines.join('\n') });
      expect(first.get('cqt_predict_snapshot_compute_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(first.get('cqt_predict_snapshot_compute_seconds_sum')).toBeGreaterThan(0);
      expect(first.get('cqt_predict_tick_duration_seconds_count{outcome="written"}')).toBeGreaterThanOrEqual(1);
      expect(first.get('cqt_predict_snapshots_total{outcome="failed"}')).toBe(0);
      expect(first.get('cqt_predict_last_snapshot_timestamp_seconds')! % 1).toBe(0);
      expect(Date.now() / 1000 - first.get('cqt_predict_last_snapshot_timestamp_seconds')!).toBeLessThan(60);
      const lateBefore = first.get('cqt_predict_overruns_total{reason="late_start"}')!;

      // Hold the event loop over the next boundaries: the tick due meanwhile starts late.
      const heldUntil = Date.now() + (LATE_START_SEC + 1.5) * 1000;
      while (Date.now() < heldUntil) {
        // busy on purpose
      }
      const after = await waitFor('the late tick counted', async () => {
        const m = await scrape();
        return m.get('cqt_predict_overruns_total{reason="late_start"}')! > lateBefore ? m : null;
      });
      expect(after.get('cqt_predict_tick_start_delay_seconds_count')).toBeGreaterThan(first.get('cqt_predict_tick_start_delay_seconds_count')!);
      expect(after.get(`cqt_predict_tick_start_delay_seconds_bucket{le="${LATE_START_SEC}"}`)).toBeLessThan(after.get('cqt_predict_tick_start_delay_seconds_count')!);
      controller.abort();
      const result = (await done) as RunResult;
      expect(result.written).toBeGreaterThanOrEqual(after.get('cqt_predict_snapshots_total{outcome="written"}')!);
      await expect(fetch(url)).rejects.toThrow();
    } finally {
      controller.abort();
      await done.catch(() => {});
    }
  }, 60_000);
});
