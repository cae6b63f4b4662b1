// Export throughput and memory.
// 1. 24 h of 1 s data (86,400 market rows, 86,400 mark prices, 17,280 snapshots + predictions,
//    futures metrics) exported with raw columns, vs a naive path in the same run: per snapshot one
//    query for its label window and one as-of query per raw source, joined in JS (the shape of a
//    script that loops over rows). The naive path runs on the first 1,728 snapshots (10 %); both
//    are reported as rows/s.
// 2. Peak RSS of a whole export in a child process at 24 h and at 7 days (should stay flat).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWriter, type Db, type RowOf } from '@cqt/db';
import { labelNaive, pricePath } from '@cqt/labeling';
import { run as runExport } from '@cqt/export';
import { sized, withBenchDatabase, type BenchRow, type BenchSuite } from './harness.js';

const T0 = Date.UTC(2026, 10, 1);
const H = 120;
// Days of data (an hour and two under --quick).
const DAY = sized(1, 1 / 24);
const WEEK = sized(7, 2 / 24);
const span = (days: number) => (days === 1 ? '24 h' : days > 1 ? `${days} days` : `${Math.round(days * 24)} h`);
const child = fileURLToPath(new URL('./exportChild.js', import.meta.url));

async function seed(db: Db, days: number): Promise<void> {
  const seconds = days * 86_400;
  const writers = {
    market: createWriter(db, 'market_1s', { batchRows: 20_000 }),
    marks: createWriter(db, 'binance_mark_price_1s', { batchRows: 20_000 }),
    snaps: createWriter(db, 'feature_snapshots', { batchRows: 10_000 }),
    preds: createWriter(db, 'predictions', { batchRows: 10_000 }),
    metrics: createWriter(db, 'binance_futures_metrics', { batchRows: 10_000 }),
  };
  let mid = 1e8;
  let x = 12345;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let start = 0; start < seconds; start += 3600) {
    const market: RowOf<'market_1s'>[] = [];
    const marks: RowOf<'binance_mark_price_1s'>[] = [];
    const snaps: RowOf<'feature_snapshots'>[] = [];
    const preds: RowOf<'predictions'>[] = [];
    const metrics: RowOf<'binance_futures_metrics'>[] = [];
    for (let i = start; i < start + 3600; i++) {
      const t = T0 + i * 1000;
      mid *= 1 + (rand() - 0.5) * 0.0016;
      market.push({ symbol: 'KRW-BTC', ts: new Date(t), mid, close: mid, volume: 0.1, spreadBps: 0.1, recvTs: new Date(t + 1800) });
      marks.push({ symbol: 'BTCUSDT', ts: new Date(t + 10), markPrice: mid / 1400, indexPrice: mid / 1400, fundingRate: 0.0001, recvTs: new Date(t + 300) });
      if (i % 5 === 0) {
        snaps.push({ symbol: 'KRW-BTC', ts: new Date(t), midKrw: mid, spreadBps: 0.1, ret60s: 0, liq5mNotional: 0, rT: 0.0015, sigma: 0.0002, inputsMaxRecvTs: new Date(t - 200) });
        preds.push({ symbol: 'KRW-BTC', ts: new Date(t), horizonSec: H, rT: 0.0015, kVolEff: 2, rMinEff: 0.001, costRoundtripEst: 0.0011 });
      }
      if (i % 300 === 0) {
        for (const metric of ['open_interest', 'open_interest_value', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis']) {
          metrics.push({ symbol: 'BTCUSDT', metric, ts: new Date(t), value: rand(), recvTs: new Date(t + 2000) });
        }
      }
    }
    await writers.market.write(market);
    await writers.marks.write(marks);
    await writers.snaps.write(snaps);
    await writers.preds.write(preds);
    await writers.metrics.write(metrics);
  }
  for (const w of Object.values(writers)) await w.close();
}

/** A bench database seeded with `days` of data and analysed (a collector's tables would be). */
function withSeededDatabase<T>(days: number, fn: (url: string, db: Db) => Promise<T>): Promise<T> {
  return withBenchDatabase(`export_${Math.round(days * 24)}h`, async (db, url) => {
    await seed(db, days);
    await db.sql`analyze`;
    return fn(url, db);
  });
}

/** Row by row: the label window and each raw as-of value fetched per snapshot, joined in JS. */
async function naiveRowsPerSec(db: Db, snapshotCount: number): Promise<number> {
  const start = performance.now();
  const snaps = await db.sql`select * from feature_snapshots where symbol = 'KRW-BTC' order by ts limit ${snapshotCount}`;
  const out: Record<string, unknown>[] = [];
  for (const s of snaps) {
    const t0 = s.ts as Date;
    const window = await db.sql`select ts, mid, close from market_1s where symbol = 'KRW-BTC' and ts >= ${t0} and ts <= ${new Date(t0.getTime() + H * 1000)} order by ts`;
    const path = pricePath(window.map((w) => ({ ts: w.ts as Date, mid: w.mid as number, close: w.close as number })));
    const label = labelNaive(path, { horizonSec: H, halfWidth: Float64Array.of(s.r_t as number), t0Sec: [t0.getTime() / 1000] });
    const [bar] = await db.sql`select ts, close, mid from market_1s where symbol = 'KRW-BTC' and recv_ts <= ${t0} order by recv_ts desc limit 1`;
    const [mark] = await db.sql`select mark_price from binance_mark_price_1s where symbol = 'BTCUSDT' and recv_ts <= ${t0} order by recv_ts desc limit 1`;
    const metrics: Record<string, unknown> = {};
    for (const metric of ['open_interest', 'open_interest_value', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis']) {
      const [m] = await db.sql`select value from binance_futures_metrics where symbol = 'BTCUSDT' and metric = ${metric} and recv_ts <= ${t0} order by recv_ts desc limit 1`;
      metrics[metric] = m?.value ?? null;
    }
    out.push({ ...s, label: label.label[0], bar, mark: mark?.mark_price, ...metrics });
  }
  return out.length / ((performance.now() - start) / 1000);
}

/** Peak RSS of one export of [fromMs, fromMs + days) in a child process. */
function peakRss(url: string, days: number, fromMs = T0): { rows: number; seconds: number; maxRssMb: number } {
  const dir = mkdtempSync(join(tmpdir(), 'cqt-bench-export-'));
  try {
    const to = fromMs + days * 86_400_000;
    const res = spawnSync(process.execPath, [child, url, join(dir, 'out.parquet'), String(fromMs), String(to), String(to + 60_000)], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`export child failed: ${res.stderr}`);
    return JSON.parse(res.stdout.trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: 'export',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    await withSeededDatabase(DAY, async (url, db) => {
      const dir = mkdtempSync(join(tmpdir(), 'cqt-bench-export-'));
      try {
        const to = T0 + 86_400_000;
        const result = await runExport({ out: join(dir, 'day.parquet'), databaseUrl: url, symbol: 'KRW-BTC', binanceSymbol: 'BTCUSDT', fromMs: T0, toMs: to, asOfMs: to + 60_000, withRaw: true, env: {} });
        const rate = result.rows / result.seconds;
        const naive = await naiveRowsPerSec(db, sized(1728, 50));
        rows.push({
          name: `export ${span(DAY)} with raw columns (${result.rows} rows in ${result.seconds.toFixed(2)} s)`,
          value: rate,
          unit: 'rows/s',
          baseline: naive,
          baselineName: 'row-by-row queries + JS joins',
          ratio: rate / naive,
          note: 'target (issue #19): 24 h in < 1.5 s',
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const day = peakRss(url, DAY);
      // The same export over a range with no data: the process, DuckDB and the store connection.
      const floor = peakRss(url, DAY, T0 - 2 * 86_400_000);
      rows.push({
        name: `export peak RSS, ${span(DAY)} (${day.rows} rows)`,
        value: day.maxRssMb,
        unit: 'MB',
        baseline: floor.maxRssMb,
        baselineName: 'peak RSS of an export with no rows',
        ratio: floor.maxRssMb / day.maxRssMb,
        note: 'target (issue #19): < 200 MB; decision 158',
      });
    });
    await withSeededDatabase(WEEK, async (url) => {
      const week = peakRss(url, WEEK);
      const day = rows[1].value;
      rows.push({ name: `export peak RSS, ${span(WEEK)} (${week.rows} rows, ${week.seconds.toFixed(1)} s)`, value: week.maxRssMb, unit: 'MB', baseline: day, baselineName: `peak RSS at ${span(DAY)}`, ratio: day / week.maxRssMb, note: 'ratio ≈ 1 means flat; target (issue #19): < 200 MB' });
    });
    return rows;
  },
};
