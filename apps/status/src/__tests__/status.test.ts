// `cqt status`: one row per source with newest ts, age, policy and class; exit 1 only for
// hard_stale or corrupt; corruption in recent values ('NaN' literals, non-positive prices,
// future timestamps) is found on both backends.
import { beforeAll, expect, it } from 'vitest';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, REAL_KEY, SEC, insert, recordQueries, rows, series, setRaw, unindexedReads } from '@cqt/test-support/seed';
import { formatAge } from '@cqt/config';
import { output, run, type StatusOptions, type StatusResult } from '../index.js';

const ENV = { CQT_UPBIT_MARKETS: 'KRW-A', CQT_BINANCE_SYMBOLS: 'AUSDT' };
const METRICS = ['open_interest', 'open_interest_value', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis'];
const before = (sec: number) => AS_OF - sec * SEC;
const ending = (lastSec: number, count = 100, stepSec = 1) => series({ lastTsMs: before(lastSec), count, stepSec });

function row(result: StatusResult, source: string, key: string) {
  const found = result.sources.find((s) => s.source === source && s.key === key);
  if (!found) throw new Error(`no ${source} ${key} in ${result.sources.map((s) => `${s.source} ${s.key}`).join(', ')}`);
  return found;
}

describeBackends('cqt status', ({ db, backend }) => {
  const status = (options: StatusOptions = {}) => run({ db: db(), asOf: AS_OF, env: ENV, ...options });

  beforeAll(async () => {
    await insert(db(), 'market_1s', [...rows.market1s('KRW-A', ending(2)), ...rows.market1s('KRW-Z', ending(2))]);
    await setRaw(db(), 'market_1s', 'mid', '-5', 'KRW-Z', [before(3)]);
    await insert(db(), 'binance_mark_price_1s', [
      ...rows.markPrice('AUSDT', ending(1)),
      ...rows.markPrice('BUSDT', ending(30)),
      ...rows.markPrice('CUSDT', ending(120)),
      ...rows.markPrice('DUSDT', ending(1)),
      ...rows.markPrice('EUSDT', ending(1)),
      ...rows.markPrice('EUSDT', [AS_OF + 3600 * SEC], -3601 * SEC),
    ]);
    await setRaw(db(), 'binance_mark_price_1s', 'mark_price', `'NaN'::float8`, 'DUSDT', [before(1)]);
    await insert(db(), 'binance_futures_metrics', METRICS.flatMap((m) => rows.metric('AUSDT', m, ending(60, 10, 60))));
    await insert(db(), 'feed_events', ending(30, 5, 60).map((t) => ({ ts: new Date(t), source: 'binance.ws', kind: 'heartbeat', detail: { streams: ['ausdt@forceOrder'] } })));
    await insert(db(), 'feature_snapshots', rows.feature('KRW-A', ending(5, 50, 5)));
    await insert(db(), 'coinglass_liquidation_map', [{ symbol: 'BTC', range: '1d', ts: new Date(before(60)), levels: [], levelCount: 12, recvTs: new Date(before(60)) }]);
    await insert(db(), 'coinglass_call_status', [{ ts: new Date(before(10)), endpoint: '/api/futures/liquidation/aggregated-map', ok: false, httpStatus: 500 }]);
  });

  it('every configured source fresh: exit 0, never-written derived tables absent and not gated', async () => {
    const result = await status();
    expect(result.sources.map((s) => `${s.source} ${s.key} ${s.class}`)).toEqual([
      'market_1s KRW-A fresh',
      'binance_mark_price_1s AUSDT fresh',
      ...METRICS.map((m) => `binance_futures_metrics AUSDT/${m} fresh`),
      'feed_events binance.ws heartbeat fresh',
      'feature_snapshots KRW-A fresh',
      'predictions KRW-A absent',
    ]);
    expect(row(result, 'market_1s', 'KRW-A')).toMatchObject({
      newestTs: '2026-11-23T09:59:58.000Z',
      lagSec: 2,
      policy: { staleAfterSec: 5, hardStaleAfterSec: 60, futureToleranceSec: 2 },
      degraded: false,
    });
    expect(result).toMatchObject({ asOf: '2026-11-23T10:00:00.000Z', overall: 'ok', counts: { fresh: 10, absent: 1, hard_stale: 0 } });
    const out = output(result);
    expect(out.exitCode).toBe(0);
    const text = await out.human({ colour: false });
    expect(text).toMatch(/^status as of 2026-11-23T10:00:00.000Z\nsource +key +newest ts \(UTC\) +age +stale \/ hard +class +note\n/);
    expect(text).toMatch(/market_1s +KRW-A +2026-11-23T09:59:58.000Z +2 s +5 s \/ 60 s +fresh/);
    expect(text.trim().split('\n').at(-1)).toBe('OVERALL OK (10 fresh, 1 absent)');
  });

  it('stale is reported but passes; hard_stale fails (exit 1)', async () => {
    const stale = await status({ symbols: ['BUSDT'], sources: ['binance_mark_price_1s'] });
    expect(stale.sources).toMatchObject([{ key: 'BUSDT', class: 'stale', lagSec: 30, reasons: ['lag 30 s > stale after 5 s'] }]);
    expect(output(stale).exitCode).toBe(0);
    const hard = await status({ symbols: ['CUSDT'], sources: ['binance_mark_price_1s'] });
    expect(hard.sources[0]).toMatchObject({ class: 'hard_stale', lagSec: 120 });
    expect(output(hard).exitCode).toBe(1);
    const later = await status({ asOf: AS_OF + 3600 * SEC, sources: ['feed_events'] });
    expect(later.sources[0]).toMatchObject({ key: 'binance.ws heartbeat', class: 'hard_stale', reasons: ['no rows'] });
  });

  it('corrupt: a NaN literal, a non-positive price, a ts in the future (exit 1)', async () => {
    const result = await status({ symbols: ['DUSDT', 'EUSDT', 'KRW-Z'], sources: ['binance_mark_price_1s', 'market_1s'] });
    expect(row(result, 'binance_mark_price_1s', 'DUSDT')).toMatchObject({ class: 'corrupt', reasons: ['non-finite value ×1; first: NaN at 2026-11-23T09:59:59.000Z'] });
    // Received before the rows that follow it, the future row also sends ts backwards.
    expect(row(result, 'binance_mark_price_1s', 'EUSDT')).toMatchObject({
      class: 'corrupt',
      lagSec: 1,
      reasons: [expect.stringMatching(/^ts more than 2 s after as-of .* first: 2026-11-23T11:00:00.000Z$/), expect.stringMatching(/^non-monotonic ts/)],
    });
    expect(row(result, 'market_1s', 'KRW-Z')).toMatchObject({ class: 'corrupt', reasons: ['non-positive price ×1; first: -5 at 2026-11-23T09:59:57.000Z'] });
    expect(result.overall).toBe('fail');
    expect(output(result).exitCode).toBe(1);
  });

  it('Coinglass maps when enabled: a failed last call marks fresh maps degraded', async () => {
    const result = await status({ env: { ...ENV, COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: REAL_KEY }, sources: ['coinglass_liquidation_map'] });
    expect(result.sources).toMatchObject([{ key: 'BTC/1d', class: 'fresh', degraded: true, lagSec: 60, reasons: ['last cycle failed at 2026-11-23T09:59:50.000Z'] }]);
    expect(await output(result).human({ colour: false })).toContain('fresh (degraded)');
  });

  it('derived tables follow --symbol; unknown sources are usage errors', async () => {
    const result = await status({ symbols: ['KRW-B'], sources: ['feature_snapshots', 'market_1s'] });
    expect(result.sources.map((s) => `${s.source} ${s.key} ${s.class}`)).toEqual(['market_1s KRW-B hard_stale', 'feature_snapshots KRW-B absent']);
    await expect(status({ sources: ['nope'] })).rejects.toThrow('unknown --source nope');
  });

  it.runIf(backend === 'postgres')('reads only primary-key ranges: no query needs a sequential scan', async () => {
    const recorded = recordQueries(db());
    await run({ db: recorded.db, asOf: AS_OF, env: { ...ENV, COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: REAL_KEY } });
    expect(recorded.queries.length).toBeGreaterThan(10);
    expect(await unindexedReads(db(), recorded.queries)).toEqual([]);
    // The detector itself: a filter on a non-key column and a max over a non-leading column are caught.
    const fullScans: Array<[string, unknown[]]> = [['select count(*) from market_1s where close > 0', []], ['select max(ts) from market_1s', []]];
    expect(await unindexedReads(db(), fullScans)).toHaveLength(2);
  });
});

it('formats ages in the unit that reads best', () => {
  expect([null, 2, 119.5, 300, 7200, 200_000].map(formatAge)).toEqual(['-', '2 s', '119.5 s', '5.0 min', '2.0 h', '2.3 d']);
});
