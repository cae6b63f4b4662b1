// `cqt check leak` — look-ahead analysis in the manner of freqtrade's: stored snapshots are
// recomputed from the raw tables cut at their own t0 (ts <= t0, recv_ts <= t0) with the settings
// they were written with, and compared column by column. A value computed with data from after
// t0 cannot be reproduced from data up to t0, so any difference fails and names the column and t0.
// Items per market (the predictor's: the first configured Upbit market, or --symbol):
// - feature_snapshots.sample: snapshots in the window that were recomputed (none → fail: nothing verified);
// - feature_snapshots.recompute.<column>, predictions.recompute.<column>: sampled snapshots whose
//   stored value differs from the recomputation;
// - feature_snapshots.inputs_max_recv_ts: snapshots in the window (all, not just the sample) whose
//   newest input arrived after their ts.
// Items per candle prediction series with rows in the window (`cqt predict --timeframe`):
// - candle_predictions.recompute[venue SYMBOL tf]: sampled boundaries whose stored row differs from
//   a recomputation from the candles opening before the boundary (or cannot be recomputed now).
import {
  checkOutput,
  distinctPrefixes,
  makeReport,
  measuredItem,
  predictorConfig,
  statedItem,
  resolveScope,
  withHandle,
  type CheckItem,
  type CheckReport,
  type CommonCheckOptions,
  type ItemSource,
} from '@cqt/checks';
import { UsageError, loadConfig, type CommandOutput } from '@cqt/config';
import { resolveFlag } from '@cqt/config/command';
import { openDb, tableMeta, type Db } from '@cqt/db';
import { leakFlags } from './command.js';
import { computeSnapshot, futureInputs, readSnapshotTimes, readStoredSnapshot, recheckCandlePredictions, rowDifferences, type ColumnDifference } from '@cqt/features';

export interface LeakOptions extends CommonCheckOptions {
  /** Snapshots to recompute per market, evenly spread over the window (default 20). */
  sample?: string | number;
  db?: Db;
}

const COMPARED = {
  // Not compared: the keys, created_at, and what the recomputation takes from the stored row (horizon_sec, params).
  feature_snapshots: tableMeta('feature_snapshots').columns.filter((c) => !['symbol', 'ts', 'created_at'].includes(c.name)).map((c) => c.name),
  predictions: tableMeta('predictions').columns.filter((c) => !['symbol', 'ts', 'horizon_sec', 'created_at', 'params'].includes(c.name)).map((c) => c.name),
};

export async function run(options: LeakOptions = {}): Promise<CheckReport> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const scope = resolveScope(options, predictorConfig(config));
  const sample = resolveFlag(leakFlags.sample, options.sample, {});
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
    const items: CheckItem[] = [];
    for (const symbol of scope.upbit) items.push(...(await symbolItems(db, symbol, scope.asOfMs, scope.windowSec, sample)));
    items.push(...(await candleItems(db, scope.asOfMs, scope.windowSec, sample)));
    return makeReport('leak', scope.asOfMs, scope.windowSec, items);
  });
}

export function output(report: CheckReport): CommandOutput {
  return checkOutput([report]);
}

/** `count` indices spread evenly over 0 … length − 1, always including the newest. */
export function evenSample(length: number, count: number): number[] {
  if (length <= count) return Array.from({ length }, (_, i) => i);
  return Array.from({ length: count }, (_, k) => length - 1 - Math.floor((k * (length - 1)) / (count - 1 || 1))).reverse();
}

interface Mismatch {
  tsMs: number;
  difference: ColumnDifference;
}

async function symbolItems(db: Db, symbol: string, asOfMs: number, windowSec: number, sampleSize: number): Promise<CheckItem[]> {
  const fromMs = asOfMs - windowSec * 1000;
  const at = (table: string, name: string, column: string): ItemSource => ({ name: `${table}.${name}[${symbol}]`, table, column, symbol, windowSec });
  const times = await readSnapshotTimes(db, symbol, fromMs, asOfMs, asOfMs);
  const sampled = evenSample(times.length, sampleSize).map((i) => times[i]);

  const mismatches: Mismatch[] = [];
  const unrecomputable: Array<{ tsMs: number; problem: string }> = [];
  for (const tsMs of sampled) {
    const stored = (await readStoredSnapshot(db, symbol, tsMs))!;
    if (stored.problem !== null) {
      unrecomputable.push({ tsMs, problem: stored.problem });
      continue;
    }
    const recomputed = await computeSnapshot(db, symbol, tsMs, stored.options);
    const differences = [...rowDifferences('feature_snapshots', stored.feature, recomputed.feature), ...rowDifferences('predictions', stored.prediction, recomputed.prediction)];
    for (const difference of differences) mismatches.push({ tsMs, difference });
  }

  const recomputedCount = sampled.length - unrecomputable.length;
  const sampleItem = at('feature_snapshots', 'sample', 'ts');
  const items: CheckItem[] = [
    unrecomputable.length
      ? statedItem(
          sampleItem,
          'fail',
          recomputedCount,
          'every sampled snapshot recomputable',
          `${unrecomputable.length} sampled snapshots cannot be recomputed; first at ${iso(unrecomputable[0].tsMs)}: ${unrecomputable[0].problem}`,
        )
      : measuredItem(
          sampleItem,
          recomputedCount,
          'count',
          { min: 1 },
          recomputedCount
            ? `${recomputedCount} of ${times.length} snapshots recomputed from rows with recv_ts <= ts (evenly spread, newest ${iso(sampled.at(-1)!)})`
            : 'no snapshots in the window: nothing verified (is cqt predict running?)',
        ),
  ];
  for (const [table, columns] of Object.entries(COMPARED) as [ColumnDifference['table'], string[]][]) {
    for (const column of columns) {
      const mine = mismatches.filter((m) => m.difference.table === table && m.difference.column === column);
      items.push(
        measuredItem(
          at(table, `recompute.${column}`, column),
          mine.length,
          'count',
          { max: 0 },
          mine.length ? describe(mine) : `equal in all ${recomputedCount} recomputed snapshots`,
        ),
      );
    }
  }
  const future = await futureInputs(db, symbol, fromMs, asOfMs, asOfMs);
  items.push(
    measuredItem(
      at('feature_snapshots', 'inputs_max_recv_ts', 'inputs_max_recv_ts'),
      future.count,
      'count',
      { max: 0 },
      future.first
        ? `${future.count} of ${times.length} snapshots used a row received after their ts; first at ${iso(future.first.tsMs)} (input received ${iso(future.first.inputsMaxRecvTsMs)})`
        : `every one of ${times.length} snapshots used only rows received by its ts`,
    ),
  );
  return items;
}

/** One item per candle prediction series with rows in the window: sampled boundaries recomputed from candles before them. */
async function candleItems(db: Db, asOfMs: number, windowSec: number, sampleSize: number): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  for (const [venue, symbol, timeframe] of await distinctPrefixes(db.sql, 'candle_predictions', ['venue', 'symbol', 'timeframe'])) {
    const rows = await db.sql.unsafe(
      `select distinct ts from candle_predictions
        where venue = $1 and symbol = $2 and timeframe = $3 and ts > $4::timestamptz and ts <= $5::timestamptz and computed_at <= $5::timestamptz order by ts`,
      [venue, symbol, timeframe, iso(asOfMs - windowSec * 1000), iso(asOfMs)],
    );
    if (!rows.length) continue;
    const times = rows.map((r) => (r.ts as Date).getTime());
    const sampled = evenSample(times.length, sampleSize).map((i) => times[i]);
    const mismatches = await recheckCandlePredictions(db, { venue, symbol, timeframe }, sampled, asOfMs);
    const bad = [...new Set(mismatches.map((m) => m.tsMs))];
    const first = mismatches[0];
    const key = `${venue} ${symbol} ${timeframe}`;
    items.push(
      measuredItem(
        { name: `candle_predictions.recompute[${key}]`, table: 'candle_predictions', column: first?.column ?? 'p_up', symbol, windowSec },
        bad.length,
        'count',
        { max: 0 },
        first
          ? `at boundary ${iso(first.tsMs)}: ${first.column} stored ${show(first.stored)}, recomputed from candles opening before it ${show(first.recomputed)} — ` +
              `the stored row used a candle the boundary cannot see (or its inputs changed since)${bad.length > 1 ? `; ${bad.length - 1} more boundaries (last ${iso(bad.at(-1)!)})` : ''}`
          : `equal in all ${sampled.length} recomputed boundaries (of ${times.length} in the window)`,
      ),
    );
  }
  return items;
}

/** The first mismatch in full, with a hint at its cause, and how many t0s differ. */
function describe(mismatches: readonly Mismatch[]): string {
  const [{ tsMs, difference }] = mismatches;
  const { stored, recomputed } = difference;
  const more = mismatches.length > 1 ? `; ${mismatches.length - 1} more t0 (last ${iso(mismatches.at(-1)!.tsMs)})` : '';
  return `at t0 ${iso(tsMs)}: stored ${show(stored)}, recomputed from data up to t0 ${show(recomputed)} — ${hint(stored, recomputed)}${more}`;
}

function hint(stored: unknown, recomputed: unknown): string {
  if (recomputed === null) return 'inputs the stored value used are not visible at t0 now (rows received after t0, or deleted / re-written with a later recv_ts)';
  if (stored === null) return 'rows received by t0 were written after the snapshot was computed (raise --delay?) or the snapshot read too little';
  return 'the stored value used data the recomputation cannot see at t0: look-ahead';
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const iso = (ms: number) => new Date(ms).toISOString();
