// `cqt export` on seeded data, on both backends: labels equal the labeling package's on the same
// path, no label_ts < t0 + H, raw columns never come from rows received after t0, incomplete
// horizons are left out and counted, the file reads back with correct types in DuckDB and in an
// independent reader (hyparquet), and an interrupted export leaves no file.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWriter, tableMeta, type Db, type RowOf } from '@cqt/db';
import { barEndPricePath, datasetColumns, labelName, labelNaive, LabelStatus, mulberry32 } from '@cqt/labeling';
import { describeBackends } from '@cqt/test-support/backends';
import { tempDir } from '@cqt/test-support/tmp';
import { run, type ExportOptions } from '../index.js';

const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
const BARS = 7200; // 2 h of 1 s bars
const H = 120;
const R_T = 0.0015;
const SYMBOL = 'KRW-BTC';
/** A DuckDB memory limit the old join (all raw tables in one pipeline) could not run in on this data. */
const SMALL_MEMORY = '16MB';

interface Seeded {
  bars: RowOf<'market_1s'>[];
  snapshots: RowOf<'feature_snapshots'>[];
  marks: RowOf<'binance_mark_price_1s'>[];
}

async function seed(db: Db): Promise<Seeded> {
  const rand = mulberry32(7);
  let mid = 1e8;
  const bars: RowOf<'market_1s'>[] = [];
  for (let i = 0; i < BARS; i++) {
    mid *= 1 + (rand() - 0.5) * 0.0016;
    // A missing stretch (collector down) at 40–41 min: labels across it must be marked, not made up.
    if (i >= 2400 && i < 2460) continue;
    bars.push({ symbol: SYMBOL, ts: new Date(T0 + i * 1000), mid, close: mid, bestBid: mid - 500, bestAsk: mid + 500, spreadBps: 0.1, recvTs: new Date(T0 + i * 1000 + 1800) });
  }
  const snapshots: RowOf<'feature_snapshots'>[] = [];
  for (let t = T0 + 5000; t < T0 + BARS * 1000; t += 5000) {
    snapshots.push({ symbol: SYMBOL, ts: new Date(t), midKrw: 1, spreadBps: 0.1, liq5mNotional: 0, rT: R_T, sigma: 0.0001, pUp: 0.3, pDown: 0.3, pNone: 0.4, inputsMaxRecvTs: new Date(t - 200) });
  }
  // Mark prices: event at second + 10 ms, received 700 ms later — so the row for second s is
  // only usable from s + 0.71 s on.
  const marks: RowOf<'binance_mark_price_1s'>[] = [];
  for (let i = 0; i < BARS; i++) marks.push({ symbol: 'BTCUSDT', ts: new Date(T0 + i * 1000 + 10), markPrice: 60000 + i, recvTs: new Date(T0 + i * 1000 + 710) });
  const predictions: RowOf<'predictions'>[] = snapshots.map((s) => ({ symbol: SYMBOL, ts: s.ts, horizonSec: H, rT: R_T, kVolEff: 2, rMinEff: 0.001, costRoundtripEst: 0.0011 }));
  for (const [table, rows] of [
    ['market_1s', bars],
    ['feature_snapshots', snapshots],
    ['binance_mark_price_1s', marks],
    ['predictions', predictions],
    ['binance_futures_metrics', ETH_OI],
    ['market_1s', ETH_BARS],
    ['feature_snapshots', ETH_SNAPSHOTS],
  ] as const) {
    const w = createWriter(db, table);
    await w.write(rows as never[]);
    await w.close();
  }
  return { bars, snapshots, marks };
}

const MIN = 60_000;
/**
 * ETHUSDT open interest (its own symbol, so the BTCUSDT raw columns above stay as they were): one
 * REST poll at 30 min + 2 s returns three 5-minute points with one recv_ts, and a point whose ts
 * is 3 s after its recv_ts (exchange clock ahead) is received 1 s before the 49:55 snapshot.
 */
const ETH_OI: RowOf<'binance_futures_metrics'>[] = [
  { symbol: 'ETHUSDT', metric: 'open_interest', ts: new Date(T0 + 15 * MIN), value: 15, recvTs: new Date(T0 + 30 * MIN + 2000) },
  { symbol: 'ETHUSDT', metric: 'open_interest', ts: new Date(T0 + 20 * MIN), value: 20, recvTs: new Date(T0 + 30 * MIN + 2000) },
  { symbol: 'ETHUSDT', metric: 'open_interest', ts: new Date(T0 + 25 * MIN), value: 25, recvTs: new Date(T0 + 30 * MIN + 2000) },
  { symbol: 'ETHUSDT', metric: 'open_interest', ts: new Date(T0 + 49 * MIN + 57_000), value: 49, recvTs: new Date(T0 + 49 * MIN + 54_000) },
];

/**
 * KRW-ETH, flat at 100 for 10 min, with one jump to 200 in two bars. A bar is keyed by its open
 * second and carries the book at the second's end: bar T0+220 s shows the book at T0+221 s, one
 * second after the label_ts of the snapshot at T0+100 s; bar T0+419 s shows it at T0+420 s,
 * exactly the label_ts of the snapshot at T0+300 s.
 */
const ETH_BARS: RowOf<'market_1s'>[] = Array.from({ length: 600 }, (_, i) => {
  const mid = i === 220 || i === 419 ? 200 : 100;
  return { symbol: 'KRW-ETH', ts: new Date(T0 + i * 1000), mid, close: mid, recvTs: new Date(T0 + i * 1000 + 1800) };
});
const ETH_SNAPSHOTS: RowOf<'feature_snapshots'>[] = [100, 300].map((sec) => ({ symbol: 'KRW-ETH', ts: new Date(T0 + sec * 1000), midKrw: 100, liq5mNotional: 0, rT: 0.01, inputsMaxRecvTs: new Date(T0 + sec * 1000 - 3000) }));

/** The raw row a t0 may see: recv_ts <= t0 and ts <= t0; the newest recv_ts, ties to the newest ts. */
function rawAsOf<R extends { ts?: Date | null; recvTs?: Date | null }>(rows: readonly R[], t0Ms: number): R | null {
  let best: R | null = null;
  for (const r of rows) {
    const recv = r.recvTs!.getTime();
    const ts = r.ts!.getTime();
    if (recv > t0Ms || ts > t0Ms) continue;
    if (!best || recv > best.recvTs!.getTime() || (recv === best.recvTs!.getTime() && ts > best.ts!.getTime())) best = r;
  }
  return best;
}

async function readDuck(path: string) {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${path}') ORDER BY ts`)).getRowObjectsJS();
    const types = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`)).getRowObjectsJS();
    return { rows, types: Object.fromEntries(types.map((t) => [t.column_name, t.column_type])) as Record<string, string> };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describeBackends('cqt export', ({ db }) => {
  const out = tempDir('cqt-export-');
  let seeded: Seeded;
  let opts: ExportOptions;
  const asOfMs = T0 + BARS * 1000 + 5000;

  beforeAll(async () => {
    seeded = await seed(db());
    opts = {
      out: '',
      symbol: SYMBOL,
      binanceSymbol: 'BTCUSDT',
      fromMs: T0,
      toMs: T0 + BARS * 1000,
      asOfMs,
      horizonSec: H,
      ...(db().backend === 'postgres' ? { databaseUrl: urlOf(db()) } : { dataDir: db().location }),
      env: {},
    };
  });
  afterAll(() => out.remove());

  it('labels equal the labeling package on the same path, and incomplete horizons are left out and counted', async () => {
    const file = join(out.path, 'plain.parquet');
    const result = await run({ ...opts, out: file });
    const { rows } = await readDuck(file);

    const path = barEndPricePath(seeded.bars.map((b) => ({ ts: b.ts as Date, mid: b.mid as number, close: b.close as number })));
    const t0Sec = Float64Array.from(seeded.snapshots, (s) => (s.ts as Date).getTime() / 1000);
    const ref = labelNaive(path, { horizonSec: H, halfWidth: new Float64Array(t0Sec.length).fill(R_T), t0Sec });
    const expected = new Map<number, { label: string; ret: number; touch: number }>();
    const statusCount: Record<string, number> = {};
    t0Sec.forEach((t, e) => {
      if (ref.status[e] === LabelStatus.complete) expected.set(t * 1000, { label: labelName(ref.label[e]), ret: ref.horizonReturn[e], touch: ref.touchTsSec[e] });
      else statusCount[ref.status[e]] = (statusCount[ref.status[e]] ?? 0) + 1;
    });

    expect(rows.length).toBe(expected.size);
    expect(result.rows).toBe(expected.size);
    for (const r of rows) {
      const t0 = (r.ts as Date).getTime();
      const e = expected.get(t0)!;
      expect({ t0, label: r.label, status: r.label_status }).toEqual({ t0, label: e.label, status: 'complete' });
      expect(r.ret_h).toBe(e.ret);
      expect(r.touch_ts === null ? NaN : (r.touch_ts as Date).getTime()).toBe(Number.isNaN(e.touch) ? NaN : e.touch * 1000);
      // The look-ahead rule.
      expect((r.label_ts as Date).getTime()).toBeGreaterThanOrEqual(t0 + H * 1000);
      expect(r.r_t_used).toBe(R_T);
    }
    // Snapshots in the last H seconds that touched nothing before the data ends cannot be
    // labelled yet; the missing stretch makes some 'gap' statuses. Both are counted, not written.
    expect(result.skipped.incomplete).toBe(statusCount[LabelStatus.incomplete]);
    expect(result.skipped.gap).toBe(statusCount[LabelStatus.gap]);
    expect(result.skipped.incomplete).toBeGreaterThan(0);
    expect(result.skipped.gap).toBeGreaterThan(0);
    expect(rows.every((r) => (r.ts as Date).getTime() + H * 1000 <= T0 + (BARS - 1) * 1000 || r.touch_ts !== null)).toBe(true);
    expect(result.labels.UP + result.labels.DOWN + result.labels.NONE).toBe(rows.length);
  });

  it('--with-raw joins raw rows backward on recv_ts <= t0, never a row received later', async () => {
    const file = join(out.path, 'raw.parquet');
    await run({ ...opts, out: file, withRaw: true });
    const { rows } = await readDuck(file);
    expect(rows.length).toBeGreaterThan(1000);
    const barTs = seeded.bars.map((b) => (b.ts as Date).getTime());
    /** The newest bar received (ts + 1.8 s) at or before t0 — computed here, independently. */
    const newestBarKnownAt = (t0: number) => {
      let best: number | null = null;
      for (const ts of barTs) if (ts + 1800 <= t0) best = ts;
      return best;
    };
    for (const r of rows) {
      const t0 = (r.ts as Date).getTime();
      // The newest mark received at or before t0: event at s+10 ms, received at s+710 ms.
      const s = Math.floor((t0 - 710) / 1000) * 1000;
      expect({ t0, mark: (r.raw_mark_ts as Date).getTime() }).toEqual({ t0, mark: s + 10 });
      expect(r.raw_mark_price).toBe(60000 + (s - T0) / 1000);
      expect({ t0, bar: (r.raw_bar_ts as Date).getTime() }).toEqual({ t0, bar: newestBarKnownAt(t0) });
      expect(r.raw_open_interest).toBeNull(); // never collected: null, not invented
    }
  });

  it('--with-raw takes, of rows received together, the newest ts, and never a row whose ts is after t0', async () => {
    const file = join(out.path, 'raw-eth.parquet');
    await run({ ...opts, out: file, withRaw: true, binanceSymbol: 'ETHUSDT' });
    const { rows } = await readDuck(file);
    const checked = { poll: 0, skew: 0 };
    for (const r of rows) {
      const t0 = (r.ts as Date).getTime();
      const want = rawAsOf(ETH_OI, t0);
      expect({ t0, oi: r.raw_open_interest, oiTs: (r.raw_open_interest_ts as Date | null)?.getTime() ?? null }).toEqual({
        t0,
        oi: want?.value ?? null,
        oiTs: want?.ts?.getTime() ?? null,
      });
      if (want?.value === 25) checked.poll++;
      if (t0 >= T0 + 49 * MIN + 54_000 && t0 < T0 + 49 * MIN + 57_000) checked.skew++;
    }
    // Both situations occurred in the export (rows after the poll, and the 49:55 snapshot).
    expect(checked.poll).toBeGreaterThan(100);
    expect(checked.skew).toBe(1);
  });

  it("says where each row's barrier comes from, and refuses a snapshot r_t computed for another horizon unless asked", async () => {
    // The predictor ran with H = 120: its predictions rows hold that horizon, and the snapshot's
    // r_t is that horizon's. --horizon 300 has no predictions row: the snapshot's r_t is sized for 120 s.
    const other = join(out.path, 'origin-other.parquet');
    const refused = await run({ ...opts, out: other, horizonSec: 300 });
    expect(refused.rows).toBe(0);
    expect(refused.skipped.r_t_other_horizon).toBe(seeded.snapshots.length);
    expect(refused.warnings.join(' ')).toMatch(/no predictions row for --horizon 300 s.*--other-horizon-r-t/);

    const own = join(out.path, 'origin-own.parquet');
    const ownResult = await run({ ...opts, out: own });
    const ownRows = (await readDuck(own)).rows;
    expect(ownRows.length).toBe(ownResult.rows);
    expect(new Set(ownRows.map((r) => `${r.r_t_source}/${r.r_t_horizon_sec}`))).toEqual(new Set(['prediction/120']));

    const allowed = await run({ ...opts, out: other, horizonSec: 300, otherHorizonRt: true });
    const allowedRows = (await readDuck(other)).rows;
    expect(allowed.rows).toBeGreaterThan(1000);
    expect(new Set(allowedRows.map((r) => `${r.r_t_source}/${r.r_t_horizon_sec}/${r.horizon_sec}/${r.r_t_used}`))).toEqual(new Set([`snapshot/120/300/${R_T}`]));

    const fixed = join(out.path, 'origin-fixed.parquet');
    await run({ ...opts, out: fixed, horizonSec: 300, rT: 0.002 });
    expect(new Set((await readDuck(fixed)).rows.map((r) => `${r.r_t_source}/${r.r_t_horizon_sec}/${r.r_t_used}`))).toEqual(new Set(['fixed/null/0.002']));
  });

  it('a label never uses a bar whose end-of-second book is later than label_ts', async () => {
    const file = join(out.path, 'bar-end.parquet');
    await run({ ...opts, out: file, symbol: 'KRW-ETH', fromMs: T0, toMs: T0 + 600_000, rT: 0.01 });
    const rows = (await readDuck(file)).rows.map((r) => ({
      t0: (r.ts as Date).getTime() - T0,
      label: r.label,
      labelTs: (r.label_ts as Date).getTime() - T0,
      touchTs: r.touch_ts === null ? null : (r.touch_ts as Date).getTime() - T0,
      retH: r.ret_h,
    }));
    expect(rows).toEqual([
      // The jump in bar 220 is the book at 221 s: after label_ts (220 s), so it is not seen.
      { t0: 100_000, label: 'NONE', labelTs: 220_000, touchTs: null, retH: 0 },
      // The jump in bar 419 is the book at 420 s = label_ts: seen, and touch_ts is when it held.
      { t0: 300_000, label: 'UP', labelTs: 420_000, touchTs: 420_000, retH: 1 },
    ]);
  });

  it('writes the columns the dataset schema declares, in its order and types (what `cqt check dataset` expects)', async () => {
    const duckName = { DOUBLE: 'DOUBLE', INTEGER: 'INTEGER', VARCHAR: 'VARCHAR', TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE' };
    for (const withRaw of [false, true]) {
      const file = join(out.path, `schema-${withRaw}.parquet`);
      await run({ ...opts, out: file, withRaw });
      const { types } = await readDuck(file);
      expect(Object.entries(types)).toEqual(datasetColumns(tableMeta('feature_snapshots').columns, withRaw).map((c) => [c.name, duckName[c.type]]));
    }
  });

  it('reads back in an independent Parquet reader with UTC timestamps, doubles and strings', async () => {
    const file = join(out.path, 'plain.parquet');
    const { types } = await readDuck(file);
    expect(types.ts).toBe('TIMESTAMP WITH TIME ZONE');
    expect(types.label_ts).toBe('TIMESTAMP WITH TIME ZONE');
    expect(types.mid_krw).toBe('DOUBLE');
    expect(types.label).toBe('VARCHAR');
    const buffer = await asyncBufferFromFile(file);
    const meta = await parquetMetadataAsync(buffer);
    const schema = parquetSchema(meta);
    const ts = schema.children.find((c) => c.element.name === 'ts')!.element;
    expect(ts.logical_type).toMatchObject({ type: 'TIMESTAMP', isAdjustedToUTC: true });
    const objects = await parquetReadObjects({ file: buffer, compressors, columns: ['ts', 'label', 'mid_krw', 'label_ts'] });
    expect(objects.length).toBe(Number(meta.num_rows));
    const first = objects[0] as { ts: Date; label: string; mid_krw: number; label_ts: Date };
    expect(first.ts).toBeInstanceOf(Date);
    expect(first.label_ts.getTime() - first.ts.getTime()).toBe(H * 1000);
    expect(['UP', 'DOWN', 'NONE']).toContain(first.label);
    expect(typeof first.mid_krw).toBe('number');
    expect(meta.row_groups[0].columns[0].meta_data?.codec).toBe('ZSTD');
  });

  it('--partition-by date writes a Hive-style folder', async () => {
    const dir = join(out.path, 'parts');
    await run({ ...opts, out: dir, partitionBy: 'date', fromMs: T0 - 86_400_000 });
    expect(readdirSync(dir)).toEqual(['date=2026-11-20']);
  });

  it('--partition-by symbol,date: exports of two symbols share one root, each replacing only its own; DuckDB and hyparquet read it', async () => {
    const lake = join(out.path, 'lake');
    const btc = { ...opts, partitionBy: 'symbol,date' as const, fromMs: T0 - 86_400_000 };
    const eth = { ...opts, partitionBy: 'symbol,date' as const, symbol: 'KRW-ETH', fromMs: T0, toMs: T0 + 600_000, rT: 0.01 };
    const a = await run({ ...btc, out: lake });
    const b = await run({ ...eth, out: lake });
    expect(readdirSync(lake).sort()).toEqual(['symbol=KRW-BTC', 'symbol=KRW-ETH']);
    expect(readdirSync(join(lake, 'symbol=KRW-BTC'))).toEqual(['date=2026-11-20']);
    // The same rows as the unpartitioned exports, each under its symbol.
    await run({ ...opts, fromMs: btc.fromMs, out: join(out.path, 'flat-btc.parquet') });
    const flatBtc = await readDuck(join(out.path, 'flat-btc.parquet'));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const counts = (await conn.runAndReadAll(`SELECT symbol, count(*)::INTEGER AS n FROM read_parquet('${lake}/**/*.parquet', hive_partitioning = true) GROUP BY symbol ORDER BY symbol`)).getRowObjectsJS();
      expect(counts).toEqual([{ symbol: 'KRW-BTC', n: a.rows }, { symbol: 'KRW-ETH', n: b.rows }]);
      expect(a.rows).toBe(flatBtc.rows.length);
      const btcRows = (await conn.runAndReadAll(`SELECT * EXCLUDE (date) FROM read_parquet('${lake}/**/*.parquet', hive_partitioning = true) WHERE symbol = 'KRW-BTC' ORDER BY ts`)).getRowObjectsJS();
      expect(btcRows).toEqual(flatBtc.rows);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    // An independent reader on one partition file: the columns without the partition keys.
    const [file] = readdirSync(join(lake, 'symbol=KRW-ETH', 'date=2026-11-20'));
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(join(lake, 'symbol=KRW-ETH', 'date=2026-11-20', file)), compressors });
    expect(rows.length).toBe(b.rows);
    expect(Object.keys(rows[0])).not.toContain('symbol');
    // Re-exporting BTC over a shorter range replaces BTC's partition and leaves ETH's.
    const again = await run({ ...btc, out: lake, fromMs: T0, toMs: T0 + 1_800_000 });
    expect(again.rows).toBeLessThan(a.rows);
    const after = await readDuck(`${lake}/symbol=KRW-BTC/**/*.parquet`);
    expect(after.rows.length).toBe(again.rows);
    expect(readdirSync(join(lake, 'symbol=KRW-ETH', 'date=2026-11-20'))).toEqual([file]);
    expect(readdirSync(lake).sort()).toEqual(['symbol=KRW-BTC', 'symbol=KRW-ETH']);
  });

  it('warns when one class dominates (barriers too wide)', async () => {
    const result = await run({ ...opts, out: join(out.path, 'wide.parquet'), rT: 0.5 });
    expect(result.labels.NONE).toBe(result.rows);
    expect(result.warnings.join(' ')).toMatch(/NONE is 100\.0% of labels.*smaller r_t/);
  });

  it('--with-raw completes under a small DuckDB memory limit, with the same rows as under the default', async () => {
    // The join used to hold the whole dataset and every raw table pinned at once (ASOF and hash
    // joins cannot spill), so a limit below their size failed with "failed to pin block".
    const small = join(out.path, 'small-memory.parquet');
    const full = join(out.path, 'default-memory.parquet');
    await run({ ...opts, out: small, withRaw: true, memoryLimit: SMALL_MEMORY });
    await run({ ...opts, out: full, withRaw: true });
    const [a, b] = [await readDuck(small), await readDuck(full)];
    expect(a.rows.length).toBeGreaterThan(1000);
    expect(a.rows).toEqual(b.rows);
  });

  it('a DuckDB out-of-memory is one line with a hint, and leaves no file', async () => {
    const file = join(out.path, 'oom.parquet');
    const failure = await run({ ...opts, out: file, withRaw: true, memoryLimit: '1MB' }).then(
      () => null,
      (e: unknown) => e as { message: string; hint?: string; exitCode?: number },
    );
    expect(failure?.message).toMatch(/^DuckDB ran out of memory \(limit 1MB\)[^\n]*$/);
    expect(failure?.hint).toMatch(/shorter range/);
    expect(failure?.exitCode).toBe(2);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(out.path).filter((f) => f.startsWith('oom'))).toEqual([]);
  });

  it('an interrupted export leaves no file and no temp file', async () => {
    const file = join(out.path, 'interrupted.parquet');
    const controller = new AbortController();
    let pages = 0;
    await expect(
      run({
        ...opts,
        out: file,
        withRaw: true,
        signal: controller.signal,
        onProgress: () => {
          if (++pages === 1) controller.abort();
        },
      }),
    ).rejects.toThrow(/interrupted/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(out.path).filter((f) => f.startsWith('interrupted'))).toEqual([]);
  });
});

function urlOf(db: Db): string {
  const o = db.sql.options as unknown as { host: string[]; port: number[]; database: string; user: string };
  return `postgres://${o.user}@${o.host[0]}:${o.port[0]}/${o.database}`;
}
