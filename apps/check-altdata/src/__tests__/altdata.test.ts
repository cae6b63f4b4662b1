// Every altdata item passes on healthy data and fails (or warns) on stale, gappy, corrupt,
// future-dated or missing data — on PostgreSQL and on the embedded store. Rows that arrive after
// as-of are invisible, so the answer at a past as-of does not change as data keeps coming.
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckItem, CheckReport } from '@cqt/checks';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, PLACEHOLDER_KEY, REAL_KEY, SEC, insert, recordQueries, rows, series, setRaw, unindexedReads } from '@cqt/test-support/seed';
import { output, run, type AltdataOptions } from '../index.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-OK', CQT_BINANCE_SYMBOLS: 'OKUSDT' };
const METRICS = ['open_interest', 'open_interest_value', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis'];
const before = (sec: number) => AS_OF - sec * SEC;

function item(report: CheckReport, name: string): CheckItem {
  const found = report.items.find((i) => i.name === name);
  if (!found) throw new Error(`no item ${name} in ${report.items.map((i) => i.name).join(', ')}`);
  return found;
}

function streamEvent(tsMs: number, kind: string, symbol: string, extra: Record<string, unknown> = {}) {
  const s = symbol.toLowerCase();
  return { ts: new Date(tsMs), source: 'binance.ws', kind, detail: { streams: [`${s}@markPrice@1s`, `${s}@forceOrder`], ...extra } };
}

describeBackends('check altdata', ({ db, backend }) => {
  const check = (options: AltdataOptions = {}) => run({ db: db(), asOf: AS_OF, env: ENV, ...options });

  beforeAll(async () => {
    const healthy = (lastTsMs = AS_OF + 100 * SEC) => series({ lastTsMs, count: 800 });
    await insert(db(), 'binance_mark_price_1s', [
      // Rows keep coming after as-of (received after it): the check must not see them.
      ...rows.markPrice('OKUSDT', healthy()),
      ...rows.markPrice('STALEUSDT', series({ lastTsMs: before(120), count: 700 })),
      ...rows.markPrice('WARNUSDT', series({ lastTsMs: before(10), count: 700 })),
      ...rows.markPrice('GAPUSDT', series({ lastTsMs: before(1), count: 700, skip: (t) => t >= before(300) && t < before(240) })),
      ...rows.markPrice('NANUSDT', series({ lastTsMs: before(1), count: 700 })),
      ...rows.markPrice('FUTUSDT', series({ lastTsMs: before(1), count: 700 })),
      // Dated a minute after as-of yet received before it: a clock or unit error.
      ...rows.markPrice('FUTUSDT', [AS_OF + 60 * SEC], -60.5 * SEC),
    ]);
    await setRaw(db(), 'binance_mark_price_1s', 'mark_price', `'NaN'::float8`, 'NANUSDT', [before(5)]);

    const lateTs = series({ lastTsMs: before(1), count: 700 });
    await insert(db(), 'market_1s', [
      ...rows.market1s('KRW-OK', healthy()),
      ...rows.market1s('KRW-GAP', series({ lastTsMs: before(2), count: 700, skip: (t) => t >= before(400) && t < before(300) })),
      ...rows.market1s('KRW-ZERO', series({ lastTsMs: before(2), count: 700 })),
      // The last 30 bars arrived 5 s after as-of: at as-of the newest visible bar is 31 s old.
      ...rows.market1s('KRW-LATE', lateTs.filter((t) => t < before(30))),
      ...lateTs.filter((t) => t >= before(30)).flatMap((t) => rows.market1s('KRW-LATE', [t], AS_OF + 5 * SEC - t)),
    ]);
    await setRaw(db(), 'market_1s', 'mid', '0', 'KRW-ZERO', [before(10)]);

    await insert(db(), 'binance_futures_metrics', [
      ...rows.metric('OKUSDT', 'open_interest', series({ lastTsMs: before(10), count: 20, stepSec: 60 })),
      ...rows.metric('OKUSDT', 'open_interest_value', series({ lastTsMs: before(100), count: 20, stepSec: 300 })),
      ...['global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis'].flatMap((m) =>
        rows.metric('OKUSDT', m, series({ lastTsMs: before(200), count: 20, stepSec: 300 })),
      ),
      ...rows.metric('STALEUSDT', 'open_interest', series({ lastTsMs: before(700), count: 20, stepSec: 60 })),
      ...rows.metric('STALEUSDT', 'global_ls_ratio', series({ lastTsMs: before(1000), count: 20, stepSec: 300 })),
      ...rows.metric('NANUSDT', 'top_ls_ratio', series({ lastTsMs: before(200), count: 5, stepSec: 300 }), -1),
    ]);

    await insert(db(), 'feed_events', [
      ...series({ lastTsMs: before(30), count: 10, stepSec: 60 }).map((t) => streamEvent(t, 'heartbeat', 'OKUSDT')),
      streamEvent(before(500) + 1, 'connect', 'DOWNUSDT'),
      streamEvent(before(100) + 1, 'disconnect', 'DOWNUSDT', { reason: 'remote' }),
      streamEvent(AS_OF + 30 * SEC + 1, 'heartbeat', 'DOWNUSDT'), // after as-of: not seen
      streamEvent(before(550) + 2, 'heartbeat', 'FLAPUSDT'),
      streamEvent(before(400) + 2, 'disconnect', 'FLAPUSDT', { reason: 'remote' }),
      streamEvent(before(399) + 2, 'reconnect', 'FLAPUSDT'),
      ...series({ lastTsMs: before(39), count: 6, stepSec: 60 }).map((t) => streamEvent(t + 2, 'heartbeat', 'FLAPUSDT')),
      streamEvent(before(400) + 3, 'heartbeat', 'SILENTUSDT'),
    ]);

    await insert(db(), 'coinglass_liquidation_map', [
      ...series({ lastTsMs: before(100), count: 5, stepSec: 300 }).map((t) => ({ symbol: 'BTC', range: '1d', ts: new Date(t), levels: [], levelCount: 40, recvTs: new Date(t) })),
      ...series({ lastTsMs: before(4000), count: 5, stepSec: 300 }).map((t) => ({ symbol: 'ETH', range: '1d', ts: new Date(t), levels: [], levelCount: 40, recvTs: new Date(t) })),
    ]);
    await insert(db(), 'coinglass_call_status', [{ ts: new Date(before(50)), endpoint: '/api/futures/liquidation/aggregated-map', ok: false, httpStatus: 500, errorMsg: 'server' }]);
  });

  it('passes on healthy, complete data for the configured symbols (exit 0), Coinglass a stated skip', async () => {
    const report = await check();
    expect(report.items.filter((i) => i.status !== 'pass').map((i) => [i.name, i.status, i.detail])).toEqual([
      ['coinglass_liquidation_map.lag', 'skip', 'skipped: Coinglass is disabled (COINGLASS_ENABLED=false)'],
    ]);
    expect(report).toMatchObject({ check: 'altdata', asOf: '2026-11-23T10:00:00.000Z', windowSec: 600, overall: 'pass' });
    expect(item(report, 'binance_mark_price_1s.lag[OKUSDT]')).toMatchObject({ observed: 1, table: 'binance_mark_price_1s', column: 'ts', symbol: 'OKUSDT' });
    expect(item(report, 'binance_mark_price_1s.fill[OKUSDT]')).toMatchObject({ observed: 1, threshold: { min: 0.95 }, windowSec: 600 });
    // The bar of the last second closes at as-of and arrives just after: 599 of 600.
    expect(item(report, 'market_1s.fill[KRW-OK]')).toMatchObject({ observed: 599 / 600, detail: '599 of 600 seconds have a row' });
    expect(output(report).exitCode).toBe(0);
  });

  it('mark price lag: stale warns, hard stale fails, corrupt (NaN, a future ts) fails', async () => {
    const report = await check({ symbols: ['STALEUSDT,WARNUSDT', 'NANUSDT', 'FUTUSDT'] });
    expect(item(report, 'binance_mark_price_1s.lag[WARNUSDT]')).toMatchObject({ status: 'warn', observed: 10 });
    expect(item(report, 'binance_mark_price_1s.lag[STALEUSDT]')).toMatchObject({ status: 'fail', observed: 120, detail: 'hard stale; lag 120 s > hard stale after 60 s' });
    expect(item(report, 'binance_mark_price_1s.lag[NANUSDT]')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^corrupt; non-finite value ×1; first: NaN at 2026-11-23T09:59:55.000Z/) });
    expect(item(report, 'binance_mark_price_1s.lag[FUTUSDT]')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/corrupt; ts more than 2 s after as-of .* first: 2026-11-23T10:01:00.000Z/) });
    expect(output(report).exitCode).toBe(1);
  });

  it('fill rate: a gap or a stale end fails; --min-fill and CQT_CHECK_ALTDATA_MIN_FILL move the bar', async () => {
    const report = await check({ symbols: ['GAPUSDT', 'STALEUSDT', 'KRW-GAP'] });
    expect(item(report, 'binance_mark_price_1s.fill[GAPUSDT]')).toMatchObject({ status: 'fail', observed: 0.9, detail: '540 of 600 seconds have a row' });
    expect(item(report, 'binance_mark_price_1s.lag[GAPUSDT]').status).toBe('pass');
    expect(item(report, 'binance_mark_price_1s.fill[STALEUSDT]')).toMatchObject({ status: 'fail', detail: '481 of 600 seconds have a row' });
    expect(item(report, 'market_1s.fill[KRW-GAP]')).toMatchObject({ status: 'fail', detail: '499 of 600 seconds have a row' });
    const lenient = await check({ symbols: ['GAPUSDT'], minFill: '85%' });
    expect(item(lenient, 'binance_mark_price_1s.fill[GAPUSDT]')).toMatchObject({ status: 'pass', threshold: { min: 0.85 } });
    const fromEnv = await check({ symbols: ['GAPUSDT'], env: { ...ENV, CQT_CHECK_ALTDATA_MIN_FILL: '0.9' } });
    expect(item(fromEnv, 'binance_mark_price_1s.fill[GAPUSDT]').status).toBe('pass');
    const wider = await check({ symbols: ['GAPUSDT'], window: '1m' });
    expect(item(wider, 'binance_mark_price_1s.fill[GAPUSDT]')).toMatchObject({ status: 'pass', windowSec: 60, detail: '60 of 60 seconds have a row' });
  });

  it('lag thresholds come from --warn-lag/--max-lag or CQT_CHECK_ALTDATA_*, and must be ordered', async () => {
    const report = await check({ symbols: ['STALEUSDT'], env: { ...ENV, CQT_CHECK_ALTDATA_MAX_LAG: '3m' } });
    expect(item(report, 'binance_mark_price_1s.lag[STALEUSDT]')).toMatchObject({ status: 'warn', threshold: { max: 180, warnAbove: 5 } });
    await expect(check({ maxLag: 'soon' })).rejects.toThrow('invalid --max-lag "soon"');
    await expect(check({ env: { ...ENV, CQT_CHECK_ALTDATA_WARN_LAG: '-1' } })).rejects.toThrow('invalid CQT_CHECK_ALTDATA_WARN_LAG="-1" (from env)');
    await expect(check({ warnLag: 90, maxLag: 60 })).rejects.toThrow('the warn lag (90 s) exceeds the max lag (60 s)');
    await expect(check({ window: 'forever' })).rejects.toThrow('invalid --window "forever"');
    await expect(check({ symbols: ['btc/usdt'] })).rejects.toThrow('invalid --symbol "BTC/USDT"');
  });

  it('market_1s: a zero mid is corrupt; bars that arrived after as-of are not counted', async () => {
    const report = await check({ symbols: ['KRW-ZERO', 'KRW-LATE'] });
    expect(item(report, 'market_1s.lag[KRW-ZERO]')).toMatchObject({ status: 'fail', detail: expect.stringContaining('non-positive price ×1; first: 0 at 2026-11-23T09:59:50.000Z') });
    expect(item(report, 'market_1s.lag[KRW-LATE]')).toMatchObject({ status: 'warn', observed: 31 });
    expect(item(report, 'market_1s.fill[KRW-LATE]')).toMatchObject({ status: 'pass', observed: 0.95 });
    // Later, everything has arrived; judged as of 10 s after as-of the bars are all there.
    const later = await check({ symbols: ['KRW-LATE'], asOf: AS_OF + 10 * SEC });
    expect(item(later, 'market_1s.lag[KRW-LATE]')).toMatchObject({ status: 'warn', observed: 11 });
    expect(item(later, 'market_1s.fill[KRW-LATE]')).toMatchObject({ status: 'pass', detail: '590 of 600 seconds have a row' });
  });

  it('futures metrics: each judged against its poll interval; hard stale, missing and negative ratios fail', async () => {
    const ok = await check();
    for (const metric of METRICS) expect(item(ok, `binance_futures_metrics.lag[OKUSDT/${metric}]`).status).toBe('pass');
    expect(item(ok, 'binance_futures_metrics.lag[OKUSDT/global_ls_ratio]')).toMatchObject({ observed: 200, threshold: { max: 3000, warnAbove: 900 } });
    const bad = await check({ symbols: ['STALEUSDT', 'NANUSDT'] });
    expect(item(bad, 'binance_futures_metrics.lag[STALEUSDT/open_interest]')).toMatchObject({ status: 'fail', observed: 700 });
    expect(item(bad, 'binance_futures_metrics.lag[STALEUSDT/global_ls_ratio]')).toMatchObject({ status: 'warn', detail: expect.stringContaining('polled every 300 s') });
    expect(item(bad, 'binance_futures_metrics.lag[STALEUSDT/basis]')).toMatchObject({ status: 'fail', observed: null, detail: 'hard stale; no rows; polled every 300 s' });
    expect(item(bad, 'binance_futures_metrics.lag[NANUSDT/top_ls_ratio]')).toMatchObject({ status: 'fail', detail: expect.stringContaining('negative ratio') });
    const slowPoll = await check({ symbols: ['STALEUSDT'], env: { ...ENV, BINANCE_POLL_SEC: '300' } });
    expect(item(slowPoll, 'binance_futures_metrics.lag[STALEUSDT/open_interest]').status).toBe('pass');
  });

  it('forceOrder stream: heartbeats pass; down, silent or absent fail; a reconnect in the window warns', async () => {
    const report = await check({ symbols: ['OKUSDT', 'DOWNUSDT', 'FLAPUSDT', 'SILENTUSDT', 'NONEUSDT'] });
    const stream = (s: string) => item(report, `feed_events.force_order_stream[${s}]`);
    expect(stream('OKUSDT')).toMatchObject({ status: 'pass', observed: 'up', table: 'feed_events', column: 'detail.streams', windowSec: 600 });
    expect(stream('DOWNUSDT')).toMatchObject({ status: 'fail', observed: 'down', detail: 'disconnect at 2026-11-23T09:58:20.001Z (remote), not reconnected' });
    expect(stream('FLAPUSDT')).toMatchObject({ status: 'warn', observed: 'up' });
    expect(stream('SILENTUSDT')).toMatchObject({ status: 'fail', observed: 'silent' });
    expect(stream('NONEUSDT')).toMatchObject({ status: 'fail', observed: 'no events' });
    // A window shorter than three heartbeats still looks back three heartbeats.
    const short = await check({ symbols: ['OKUSDT'], window: 30 });
    expect(item(short, 'feed_events.force_order_stream[OKUSDT]')).toMatchObject({ status: 'pass', windowSec: 180 });
  });

  describe('coinglass maps', () => {
    const env = (key: string) => ({ ...ENV, COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: key });

    it('skip, stated, when the key is a placeholder', async () => {
      const report = await check({ env: env(PLACEHOLDER_KEY) });
      expect(item(report, 'coinglass_liquidation_map.lag')).toMatchObject({ status: 'skip', observed: 'placeholder', detail: expect.stringContaining('COINGLASS_API_KEY is placeholder') });
      expect(report.overall).toBe('pass');
    });

    it('with a real key: lag per symbol and range; a failed last call marks fresh maps degraded', async () => {
      const report = await check({ env: env(REAL_KEY) });
      expect(item(report, 'coinglass_liquidation_map.lag[BTC/1d]')).toMatchObject({ status: 'pass', observed: 100, detail: expect.stringContaining('degraded') });
      expect(item(report, 'coinglass_liquidation_map.lag[ETH/1d]')).toMatchObject({ status: 'fail', observed: 4000, threshold: { max: 3000, warnAbove: 900 } });
    });
  });

  it.runIf(backend === 'postgres')('reads only primary-key ranges: no query needs a sequential scan', async () => {
    const recorded = recordQueries(db());
    await run({ db: recorded.db, asOf: AS_OF, env: { ...ENV, COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: REAL_KEY } });
    expect(recorded.queries.length).toBeGreaterThan(20);
    expect(await unindexedReads(db(), recorded.queries)).toEqual([]);
  });
});
