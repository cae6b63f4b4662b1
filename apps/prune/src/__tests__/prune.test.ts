// `cqt prune` over a seeded 10-day range on both backends: exact rows deleted and kept per
// table, dry run deletes nothing, per-table retention, batches, one prune at a time, and a
// writer inserting during a prune is neither blocked nor loses rows.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriter, type Db, type RowOf, type TableName } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, SEC, insert } from '@cqt/test-support/seed';
import { tempDir } from '@cqt/test-support/tmp';
import { acquireLockFile, withPruneLock } from '../lock.js';
import { output, prunableTables, resolveRetention, run, type PruneOptions, type PruneResult } from '../index.js';

const HOUR = 3600 * SEC;
const NOW = AS_OF;
const DAYS = 10;
/** One row per hour for 10 days, half past each hour: with 7 days kept, 168 stay and 72 go. */
const hours = Array.from({ length: DAYS * 24 }, (_, k) => NOW - (k + 0.5) * HOUR);
const at = (t: number) => new Date(t);

/** Rows per table: prefixes × 240 hourly rows (ingest_state: 2 cursors, never pruned). */
const seeded: Record<TableName, number> = {
  market_1s: 2 * 240,
  binance_mark_price_1s: 240,
  binance_futures_metrics: 2 * 240,
  binance_force_orders: 240,
  coinglass_liquidation_map: 240,
  coinglass_call_status: 240,
  feed_events: 240,
  predictions: 240,
  feature_snapshots: 240,
  candles: 240,
  ingest_state: 2,
  candle_coverage: 0,
};

async function seed(db: Db): Promise<void> {
  const recv = (t: number) => ({ recvTs: at(t + 200) });
  await insert(db, 'market_1s', ['KRW-BTC', 'KRW-ETH'].flatMap((symbol) => hours.map((t) => ({ symbol, ts: at(t), close: 1, ...recv(t) }))));
  await insert(db, 'binance_mark_price_1s', hours.map((t) => ({ symbol: 'BTCUSDT', ts: at(t), markPrice: 9e4, ...recv(t) })));
  await insert(db, 'binance_futures_metrics', ['open_interest', 'basis'].flatMap((metric) => hours.map((t) => ({ symbol: 'BTCUSDT', metric, ts: at(t), value: 1, ...recv(t) }))));
  await insert(db, 'binance_force_orders', hours.map((t) => ({ symbol: 'BTCUSDT', ts: at(t), side: 'SELL', price: 9e4, origQty: 0.1, ...recv(t) })));
  await insert(db, 'coinglass_liquidation_map', hours.map((t) => ({ symbol: 'BTC', range: '1d', ts: at(t), levels: [], levelCount: 0, ...recv(t) })));
  await insert(db, 'coinglass_call_status', hours.map((t) => ({ ts: at(t), endpoint: '/x', ok: true })));
  await insert(db, 'feed_events', hours.map((t) => ({ ts: at(t), source: 'binance.ws', kind: 'heartbeat' })));
  await insert(db, 'predictions', hours.map((t) => ({ symbol: 'KRW-BTC', ts: at(t), horizonSec: 60 })));
  await insert(db, 'feature_snapshots', hours.map((t) => ({ symbol: 'KRW-BTC', ts: at(t) })));
  await insert(db, 'candles', hours.map((t) => ({ venue: 'upbit', symbol: 'KRW-BTC', timeframe: '1h', ts: at(t), open: 1, high: 1, low: 1, close: 1, volume: 1, closed: true, ...recv(t) })));
  await insert(db, 'ingest_state', [
    { source: 'upbit', symbol: 'KRW-BTC', timeframe: '1h', lastClosedTs: at(hours[239]) },
    { source: 'binance', symbol: 'BTCUSDT', timeframe: '1m', lastClosedTs: at(hours[239]) },
  ]);
}

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of Object.keys(seeded)) out[table] = Number((await db.sql.unsafe(`select count(*)::int as n from ${table}`))[0].n);
  return out;
}

const byTable = (result: PruneResult) => Object.fromEntries(result.tables.map((t) => [t.table, [t.deleted, t.kept]]));

describeBackends('cqt prune', ({ db }) => {
  const prune = (options: PruneOptions = {}) => run({ db: db(), nowMs: NOW, env: {}, ...options });

  beforeAll(async () => seed(db()));

  it('--dry-run counts exactly what would go and deletes nothing', async () => {
    const result = await prune({ dryRun: true });
    expect(result.dryRun).toBe(true);
    const expected = Object.fromEntries(prunableTables.map((t) => [t, [(seeded[t] / 240) * 72, (seeded[t] / 240) * 168]]));
    // Candles follow their own retention per timeframe, not --days: 1h candles are kept by default.
    expect(byTable(result)).toEqual({ ...expected, candles: [0, 240] });
    expect(result.tables.find((t) => t.table === 'candles')).toMatchObject({ timeframe: '1h', retentionDays: null, retentionFrom: 'default' });
    expect(result.tables[0]).toMatchObject({ retentionDays: 7, retentionFrom: 'CQT_RETENTION_DAYS', cutoff: '2026-11-16T10:00:00.000Z' });
    expect(await counts(db())).toEqual(seeded);
    expect(await output(result).human({ colour: false })).toContain('prune (dry run: nothing deleted)');
  });

  it('refuses what it must: --days 0 without --force, ingest_state, unknown tables, bad numbers', async () => {
    await expect(prune({ days: 0 })).rejects.toThrow('--days 0 deletes every row of 9 tables up to now');
    await expect(prune({ candleRetention: '1h=0', tables: ['candles'] })).rejects.toThrow('--candle-retention 1h=0 deletes every row of candles[1h] up to now');
    await expect(prune({ candleRetention: '1m=30,1x=3' })).rejects.toThrow('invalid --candle-retention "1m=30,1x=3"');
    await expect(prune({ candleRetention: '2d=3' })).rejects.toThrow('invalid --candle-retention "2d=3": unknown timeframe 2d');
    await expect(prune({ env: { CQT_RETENTION_CANDLES: '1m=soon' } })).rejects.toThrow('invalid CQT_RETENTION_CANDLES="1m=soon" (from env)');
    await expect(prune({ env: { CQT_RETENTION_DAYS_FEED_EVENTS: '0' } })).rejects.toThrow('CQT_RETENTION_DAYS_FEED_EVENTS=0 deletes every row of feed_events');
    await expect(prune({ tables: ['ingest_state'] })).rejects.toThrow('ingest_state is never pruned');
    await expect(prune({ tables: ['market_1s,nope'] })).rejects.toThrow('unknown --table nope');
    await expect(prune({ days: 'a week' })).rejects.toThrow('invalid --days "a week"');
    await expect(prune({ batchRows: 0 })).rejects.toThrow('invalid --batch-rows "0"');
    await expect(prune({ env: { CQT_RETENTION_DAYS_CANDLES: 'forever' } })).rejects.toThrow('invalid CQT_RETENTION_DAYS_CANDLES="forever" (from env)');
    expect(await counts(db())).toEqual(seeded);
  });

  it('one prune at a time: a second one fails while the first holds the lock', async () => {
    await withPruneLock(db(), async () => {
      await expect(prune({ days: 7 })).rejects.toThrow(/^another prune is running/);
    });
    expect(await counts(db())).toEqual(seeded);
  });

  it('deletes in batches, exact per table; per-table retention beats --days; ingest_state untouched', async () => {
    const result = await prune({ days: 7, batchRows: 25, env: { CQT_RETENTION_DAYS_CANDLES: 'keep', CQT_RETENTION_DAYS_FEED_EVENTS: '2' } });
    expect(byTable(result)).toEqual({
      market_1s: [144, 336],
      binance_mark_price_1s: [72, 168],
      binance_futures_metrics: [144, 336],
      binance_force_orders: [72, 168],
      coinglass_liquidation_map: [72, 168],
      coinglass_call_status: [72, 168],
      feed_events: [240 - 48, 48],
      predictions: [72, 168],
      feature_snapshots: [72, 168],
      candles: [0, 240],
    });
    const t = Object.fromEntries(result.tables.map((r) => [r.table, r]));
    expect(t.market_1s).toMatchObject({ retentionDays: 7, retentionFrom: '--days', batches: 2 * 3 }); // 72 per symbol: 25 + 25 + 22
    expect(t.candles).toMatchObject({ retentionDays: null, retentionFrom: 'CQT_RETENTION_DAYS_CANDLES', cutoff: null, batches: 0 });
    expect(t.feed_events).toMatchObject({ retentionDays: 2, cutoff: '2026-11-21T10:00:00.000Z' });
    expect(result).toMatchObject({ deleted: 144 * 2 + 72 * 6 + 192, kept: 336 * 2 + 168 * 6 + 48 + 240 });
    expect(await counts(db())).toEqual({ ...seeded, ...Object.fromEntries(result.tables.map((r) => [r.table, r.kept])) });
    const [oldest] = await db().sql`select min(ts) as ts from market_1s`;
    expect(oldest.ts.getTime()).toBe(hours[167]);
    expect(await output(result).human({ colour: false })).toMatch(/candles\[1h\] +keep +CQT_RETENTION_DAYS_CANDLES +- +0 +240/);
    // Nothing left to do: a second run deletes nothing.
    expect((await prune({ days: 7, env: { CQT_RETENTION_DAYS_CANDLES: 'keep', CQT_RETENTION_DAYS_FEED_EVENTS: '2' } })).deleted).toBe(0);
  });

  let written = 0;
  it('a writer inserting during a prune is not blocked and loses nothing', async () => {
    // 20 000 old seconds to delete in 400 batches of 50, while a writer keeps flushing new rows.
    await db().sql`insert into market_1s (symbol, ts, recv_ts)
      select 'KRW-CONC', ${at(NOW - 30 * 24 * HOUR)}::timestamptz + g * interval '1 second', now() from generate_series(1, 20000) g`;
    const batchAtMs: number[] = [];
    const flushedAtMs: number[] = [];
    let pruning = true;
    const writer = createWriter(db(), 'market_1s');
    const writing = (async () => {
      for (let i = 0; pruning || i < 5; i++) {
        const fresh: RowOf<'market_1s'>[] = Array.from({ length: 100 }, (_, j) => ({ symbol: 'KRW-CONC', ts: at(NOW + (i * 100 + j) * SEC), close: 1, recvTs: at(NOW) }));
        await writer.write(fresh);
        await writer.flush();
        flushedAtMs.push(performance.now());
        written += fresh.length;
      }
      await writer.close();
    })();
    const result = await prune({ days: 7, tables: ['market_1s'], batchRows: 50, onProgress: () => batchAtMs.push(performance.now()) }).finally(() => {
      pruning = false;
    });
    await writing;
    expect(result.tables[0]).toMatchObject({ deleted: 20_000, batches: 400 });
    const [{ n }] = await db().sql`select count(*)::int as n from market_1s where symbol = 'KRW-CONC'`;
    expect(n).toBe(written);
    // Flushes kept landing between the prune's batches: the writer was never held up behind it.
    const during = flushedAtMs.filter((t) => t > batchAtMs[0] && t < batchAtMs.at(-1)!);
    expect(during.length).toBeGreaterThan(0);
  });

  it('--days 0 --force deletes everything older than now, and only that', async () => {
    const result = await prune({ days: 0, force: true, tables: ['market_1s', 'binance_mark_price_1s'] });
    expect(byTable(result)).toEqual({ market_1s: [336, written], binance_mark_price_1s: [168, 0] });
  });
});

describe('retention and the lock file', () => {
  const dir = tempDir('cqt-prune-');
  afterAll(() => dir.remove());

  it('resolves retention: the table variable, then --days, then CQT_RETENTION_DAYS', () => {
    expect(resolveRetention('candles', 3, { CQT_RETENTION_DAYS_CANDLES: '30' }, 7)).toEqual({ days: 30, from: 'CQT_RETENTION_DAYS_CANDLES' });
    expect(resolveRetention('candles', 3, { CQT_RETENTION_DAYS_CANDLES: 'KEEP' }, 7)).toEqual({ days: null, from: 'CQT_RETENTION_DAYS_CANDLES' });
    expect(resolveRetention('candles', 3, {}, 7)).toEqual({ days: 3, from: '--days' });
    expect(resolveRetention('candles', undefined, { CQT_RETENTION_DAYS_MARKET_1S: '1' }, 7)).toEqual({ days: 7, from: 'CQT_RETENTION_DAYS' });
  });

  it('a held lock file refuses, a dead holder is taken over, release removes only its own', () => {
    const path = join(dir.path, 'prune.lock');
    const release = acquireLockFile(path);
    expect(() => acquireLockFile(path)).toThrow(/^another prune is running \(pid \d+ since /);
    release();
    expect(existsSync(path)).toBe(false);

    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), startedAtMs: 1 }));
    const again = acquireLockFile(path);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    again();
    expect(existsSync(path)).toBe(false);
  });
});
