// Candle retention per timeframe on both backends: 1 m candles older than 180 days go by default,
// longer timeframes stay; what is deleted becomes `pruned` coverage first, so the gap maths reads
// it as known history (pruned), not unknown; a second prune changes nothing.
import { expect, it } from 'vitest';
import { commitPage, readCoverage, seriesGaps, candleOpen, candleOpenAtOrAfter, type Candle, type Series } from '@cqt/candles';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF } from '@cqt/test-support/seed';
import { run, type PruneOptions, type PruneResult } from '../index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = AS_OF;
const fromMs = candleOpen('1h', NOW - 200 * DAY);
const toMs = candleOpen('1h', NOW - DAY);
/** One candle every 6 hours (Upbit-like: the minutes between had no trade), queried throughout. */
const sparse = (): Candle[] => Array.from({ length: (toMs - fromMs) / (6 * HOUR) }, (_, k) => ({
  openMs: fromMs + k * 6 * HOUR, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3, quoteVolume: 4, tradeCount: null,
}));
const minute: Series = { venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1m' };
const hourly: Series = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1h' };
const byTimeframe = (r: PruneResult) => Object.fromEntries(r.tables.map((t) => [t.timeframe, t]));

describeBackends('candle retention', ({ db }) => {
  const prune = (options: PruneOptions = {}) => run({ db: db(), nowMs: NOW, env: {}, tables: ['candles'], ...options });
  const count = async (tf: string) => Number((await db().sql`select count(*)::int as n from candles where timeframe = ${tf}`)[0].n);

  it('deletes 1m candles older than 180 days, keeps 1h, and records the deleted range as pruned', async () => {
    for (const s of [minute, hourly]) await commitPage(db().sql, s, { candles: sparse(), queried: { fromMs, toMs }, holes: [], recvMs: NOW });
    const total = sparse().length;
    const cutoffMs = NOW - 180 * DAY;
    const old = sparse().filter((c) => c.openMs < cutoffMs).length;
    expect(old).toBeGreaterThan(0);

    const dry = await prune({ dryRun: true });
    expect(byTimeframe(dry)['1m']).toMatchObject({ deleted: old, kept: total - old });
    expect(await readCoverage(db().sql, minute)).toEqual([{ kind: 'queried', fromMs, toMs }]);

    const result = await prune();
    expect(byTimeframe(result)).toMatchObject({
      '1m': { table: 'candles', retentionDays: 180, retentionFrom: 'default (1m)', cutoff: new Date(cutoffMs).toISOString(), deleted: old, kept: total - old },
      '1h': { retentionDays: null, retentionFrom: 'default', cutoff: null, deleted: 0, kept: total },
    });
    expect(await count('1m')).toBe(total - old);
    const prunedTo = candleOpenAtOrAfter('1m', cutoffMs);
    const coverage = await readCoverage(db().sql, minute);
    expect(coverage).toEqual([{ kind: 'queried', fromMs, toMs }, { kind: 'pruned', fromMs, toMs: prunedTo }].sort((a, b) => a.fromMs - b.fromMs || a.kind.localeCompare(b.kind)));
    // Pruned history is known: no unknown range, the pruned part listed as such.
    expect(seriesGaps({ fromMs, toMs }, coverage)).toMatchObject({ unknown: [], pruned: [{ fromMs, toMs: prunedTo }] });
    expect(await readCoverage(db().sql, hourly)).toEqual([{ kind: 'queried', fromMs, toMs }]);

    const again = await prune();
    expect(again.deleted).toBe(0);
    expect(await readCoverage(db().sql, minute)).toEqual(coverage);
  });

  it('--candle-retention names timeframes; the others follow CQT_RETENTION_DAYS_CANDLES', async () => {
    const result = await prune({ candleRetention: '1h=30', env: { CQT_RETENTION_DAYS_CANDLES: 'keep' } });
    const kept1h = sparse().filter((c) => c.openMs >= NOW - 30 * DAY).length;
    expect(byTimeframe(result)).toMatchObject({
      '1h': { retentionDays: 30, retentionFrom: '--candle-retention', deleted: sparse().length - kept1h, kept: kept1h },
      '1m': { retentionDays: null, retentionFrom: 'CQT_RETENTION_DAYS_CANDLES', deleted: 0 },
    });
    expect((await readCoverage(db().sql, hourly)).filter((c) => c.kind === 'pruned')).toEqual([{ kind: 'pruned', fromMs, toMs: candleOpenAtOrAfter('1h', NOW - 30 * DAY) }]);
  });
});
