// Every features item passes on complete snapshots and fails on stale, gappy, null-ridden,
// non-finite, corrupt or future-dated ones — on PostgreSQL and on the embedded store.
import { beforeAll, expect, it } from 'vitest';
import type { CheckItem, CheckReport } from '@cqt/checks';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, SEC, insert, recordQueries, rows, series, setRaw, unindexedReads } from '@cqt/test-support/seed';
import { featureColumns, output, run, type FeaturesOptions } from '../index.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-OK,KRW-STALE' };
const before = (sec: number) => AS_OF - sec * SEC;
const grid = (lastTsMs: number, count: number) => series({ lastTsMs, count, stepSec: 5 });

function item(report: CheckReport, name: string): CheckItem {
  const found = report.items.find((i) => i.name === name);
  if (!found) throw new Error(`no item ${name}`);
  return found;
}

describeBackends('check features', ({ db, backend }) => {
  const check = (options: FeaturesOptions = {}) => run({ db: db(), asOf: AS_OF, env: ENV, ...options });

  beforeAll(async () => {
    const inWindow = grid(before(5), 120); // the 120 points of the default window
    await insert(db(), 'feature_snapshots', [
      // Snapshots keep coming after as-of (created after it): not seen.
      ...rows.feature('KRW-OK', grid(AS_OF + 60 * SEC, 200)),
      ...rows.feature('KRW-NULLS', grid(before(5), 150)),
      ...rows.feature('KRW-STALE', grid(before(200), 150)),
      ...rows.feature('KRW-GAP', grid(before(5), 150).filter((t) => t < before(300) || t >= before(200))),
      ...rows.feature('KRW-NAN', grid(before(5), 150)),
      ...rows.feature('KRW-FUT', grid(before(5), 150)),
      ...rows.feature('KRW-FUT', [AS_OF + 60 * SEC], -61 * SEC),
    ]);
    await setRaw(db(), 'feature_snapshots', 'p_up', 'null', 'KRW-NULLS', inWindow.slice(0, 12)); // 10 %
    await setRaw(db(), 'feature_snapshots', 'spread_bps', 'null', 'KRW-NULLS', inWindow.slice(0, 6)); // exactly 5 %
    await setRaw(db(), 'feature_snapshots', 'liq_5m_notional', 'null', 'KRW-NULLS', [before(50)]);
    await setRaw(db(), 'feature_snapshots', 'ret_5s', `'NaN'::float8`, 'KRW-NAN', [before(100), before(105)]);
    await setRaw(db(), 'feature_snapshots', 'bin_mark_price', `'Infinity'::float8`, 'KRW-NAN', [before(110)]);
    await setRaw(db(), 'feature_snapshots', 'mid_krw', '-1', 'KRW-NAN', [before(20)]);
  });

  it('passes on complete snapshots of the first configured market (exit 0)', async () => {
    const report = await check();
    expect(report.items.every((i) => i.symbol === 'KRW-OK')).toBe(true);
    expect(report.items.filter((i) => i.status !== 'pass')).toEqual([]);
    expect(item(report, 'feature_snapshots.lag[KRW-OK]')).toMatchObject({ observed: 5, threshold: { max: 120, warnAbove: 15 } });
    expect(item(report, 'feature_snapshots.fill[KRW-OK]')).toMatchObject({ observed: 1, detail: '120 of 120 points of the 5 s grid have a snapshot' });
    // One null-rate item per feature column, each naming the column it read.
    for (const column of featureColumns) {
      expect(item(report, `feature_snapshots.null_rate.${column}[KRW-OK]`)).toMatchObject({ status: 'pass', observed: 0, column, table: 'feature_snapshots', windowSec: 600 });
    }
    expect(featureColumns).toContain('liq_5m_notional');
    expect(featureColumns).not.toContain('created_at');
    expect(output(report).exitCode).toBe(0);
  });

  it('lag: stale fails; a non-positive mid or a future ts is corrupt; no rows fails', async () => {
    const report = await check({ symbols: ['KRW-STALE', 'KRW-NAN', 'KRW-FUT', 'KRW-EMPTY'] });
    expect(item(report, 'feature_snapshots.lag[KRW-STALE]')).toMatchObject({ status: 'fail', observed: 200 });
    expect(item(report, 'feature_snapshots.lag[KRW-NAN]')).toMatchObject({ status: 'fail', detail: expect.stringContaining('non-positive price ×1; first: -1') });
    expect(item(report, 'feature_snapshots.lag[KRW-FUT]')).toMatchObject({ status: 'fail', detail: expect.stringContaining('first: 2026-11-23T10:01:00.000Z') });
    expect(item(report, 'feature_snapshots.lag[KRW-EMPTY]')).toMatchObject({ status: 'fail', observed: null, detail: 'hard stale; no rows' });
    expect(output(report).exitCode).toBe(1);
    const lenient = await check({ symbols: ['KRW-STALE'], maxLag: '5m' });
    expect(item(lenient, 'feature_snapshots.lag[KRW-STALE]').status).toBe('warn');
  });

  it('fill rate on the 5 s grid: a gap or a stale end fails', async () => {
    const report = await check({ symbols: ['KRW-GAP', 'KRW-STALE', 'KRW-EMPTY'] });
    expect(item(report, 'feature_snapshots.fill[KRW-GAP]')).toMatchObject({ status: 'fail', detail: '100 of 120 points of the 5 s grid have a snapshot' });
    expect(item(report, 'feature_snapshots.fill[KRW-STALE]')).toMatchObject({ status: 'fail', observed: 81 / 120 });
    expect(item(report, 'feature_snapshots.fill[KRW-EMPTY]')).toMatchObject({ status: 'fail', observed: 0 });
    expect(item(report, 'feature_snapshots.null_rate.p_up[KRW-EMPTY]')).toMatchObject({ status: 'skip', detail: expect.stringContaining('no snapshots in the window') });
    const lenient = await check({ symbols: ['KRW-GAP'], env: { ...ENV, CQT_CHECK_FEATURES_MIN_FILL: '80%' } });
    expect(item(lenient, 'feature_snapshots.fill[KRW-GAP]').status).toBe('pass');
  });

  it('null rate per column: above the threshold fails, at it passes; --ignore-column and --max-null-rate', async () => {
    const report = await check({ symbols: ['KRW-NULLS'] });
    expect(item(report, 'feature_snapshots.null_rate.p_up[KRW-NULLS]')).toMatchObject({ status: 'fail', observed: 0.1, threshold: { max: 0.05 }, detail: '12 of 120 rows null' });
    expect(item(report, 'feature_snapshots.null_rate.spread_bps[KRW-NULLS]')).toMatchObject({ status: 'pass', observed: 0.05 });
    const ignored = await check({ symbols: ['KRW-NULLS'], ignoreColumns: ['p_up'] });
    expect(ignored.items.some((i) => i.name === 'feature_snapshots.null_rate.p_up[KRW-NULLS]')).toBe(false);
    const loose = await check({ symbols: ['KRW-NULLS'], maxNullRate: '0.2' });
    expect(item(loose, 'feature_snapshots.null_rate.p_up[KRW-NULLS]').status).toBe('pass');
    await expect(check({ ignoreColumns: ['nope'] })).rejects.toThrow('invalid --ignore-column "nope"');
    await expect(check({ env: { ...ENV, CQT_CHECK_FEATURES_IGNORE_COLUMNS: 'liq_5m_notional' } })).rejects.toThrow('invalid CQT_CHECK_FEATURES_IGNORE_COLUMNS="liq_5m_notional" (from env)');
    await expect(check({ maxNullRate: '150%' })).rejects.toThrow('invalid --max-null-rate "150%"');
  });

  it('liq_5m_notional is never null: one null fails, whatever the null-rate threshold', async () => {
    const report = await check({ symbols: ['KRW-NULLS', 'KRW-OK'], maxNullRate: 1 });
    expect(item(report, 'feature_snapshots.never_null.liq_5m_notional[KRW-NULLS]')).toMatchObject({ status: 'fail', observed: 1, threshold: { max: 0 } });
    expect(item(report, 'feature_snapshots.null_rate.liq_5m_notional[KRW-NULLS]').status).toBe('pass');
    expect(item(report, 'feature_snapshots.never_null.liq_5m_notional[KRW-OK]')).toMatchObject({ status: 'pass', observed: 0 });
  });

  it('NaN and ±Infinity in any float column fail, naming the columns', async () => {
    const report = await check({ symbols: ['KRW-NAN', 'KRW-OK'] });
    expect(item(report, 'feature_snapshots.non_finite[KRW-NAN]')).toMatchObject({ status: 'fail', observed: 3, detail: 'NaN or ±Infinity in ret_5s ×2, bin_mark_price ×1' });
    expect(item(report, 'feature_snapshots.non_finite[KRW-OK]')).toMatchObject({ status: 'pass', observed: 0 });
  });

  it.runIf(backend === 'postgres')('reads only primary-key ranges: no query needs a sequential scan', async () => {
    const recorded = recordQueries(db());
    await run({ db: recorded.db, asOf: AS_OF, env: ENV });
    expect(recorded.queries.length).toBeGreaterThan(2);
    expect(await unindexedReads(db(), recorded.queries)).toEqual([]);
  });
});
