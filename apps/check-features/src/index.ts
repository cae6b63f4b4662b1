// `cqt check features`: are the point-in-time feature snapshots usable at as-of?
// - feature_snapshots lag (classify, with mid_krw as the value judged for corruption);
// - fill rate on the 5 s grid;
// - null rate per feature column; liq_5m_notional never null (0 when there were no liquidations);
// - no NaN or ±Infinity in any float column.
// Rows count once they exist at as-of (created_at <= as-of), so a replayed gate agrees.
import {
  aggregateWindow,
  checkOutput,
  countGridRows,
  gridWindow,
  judgeSource,
  lagItem,
  makeReport,
  measuredItem,
  parseColumnList,
  predictorConfig,
  resolveScope,
  resolveLagPolicy,
  statedItem,
  watch,
  withHandle,
  type CheckItem,
  type CheckReport,
  type CommonCheckOptions,
  type GridWindow,
  type ItemSource,
  type LagBounds,
  type Scope,
  type SourceRef,
  type SqlClient,
} from '@cqt/checks';
import { loadConfig, type CommandOutput } from '@cqt/config';
import { openDb, tableMeta, type Db } from '@cqt/db';
import { resolveFlag } from '@cqt/config/command';
import { fillRate, nullRate } from '@cqt/freshness';
import { thresholds } from './command.js';

const TABLE = 'feature_snapshots';
/** Snapshots sit on exact 5 s boundaries. */
export const GRID_STEP_SEC = 5;
/** Must never be null: 0 means "no liquidations", null would mean "unknown". */
export const NEVER_NULL = 'liq_5m_notional';

const NOT_FEATURES = new Set(['symbol', 'ts', 'created_at', 'degraded']);
const columns = tableMeta(TABLE).columns.filter((c) => !NOT_FEATURES.has(c.name));
/** Every feature column of feature_snapshots, from the schema. */
export const featureColumns = columns.map((c) => c.name);
const floatColumns = columns.filter((c) => c.sqlType === 'double precision').map((c) => c.name);

/** --ignore-column as the run resolves it: only feature columns, never the one that must not be null. */
const ignoreColumnsSpec = {
  ...thresholds.ignoreColumns,
  expected: `feature columns, comma separated (${featureColumns.join(', ')})`,
  parse: (text: string) => {
    const list = parseColumnList(text);
    return list?.every((c) => featureColumns.includes(c) && c !== NEVER_NULL) ? list : undefined;
  },
};

export interface FeaturesOptions extends CommonCheckOptions {
  warnLag?: string | number;
  maxLag?: string | number;
  minFill?: string | number;
  maxNullRate?: string | number;
  /** Feature columns left out of the null-rate items (e.g. prediction fields when no model runs). */
  ignoreColumns?: string[];
  db?: Db;
}

interface Limits {
  lag: LagBounds;
  minFill: number;
  maxNullRate: number;
  nullRateColumns: string[];
}

export async function run(options: FeaturesOptions = {}): Promise<CheckReport> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const scope = resolveScope(options, predictorConfig(config));
  const limits = resolveLimits(options, env);
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
    const items: CheckItem[] = [];
    for (const symbol of scope.upbit) items.push(...(await symbolItems(db.sql, scope, limits, symbol)));
    return makeReport('features', scope.asOfMs, scope.windowSec, items);
  });
}

export function output(report: CheckReport): CommandOutput {
  return checkOutput([report]);
}

function resolveLimits(options: FeaturesOptions, env: NodeJS.ProcessEnv): Limits {
  const ignored = resolveFlag(ignoreColumnsSpec, options.ignoreColumns?.length ? options.ignoreColumns.join(',') : undefined, env);
  return {
    lag: resolveLagPolicy(thresholds, options, env),
    minFill: resolveFlag(thresholds.minFill, options.minFill, env),
    maxNullRate: resolveFlag(thresholds.maxNullRate, options.maxNullRate, env),
    nullRateColumns: featureColumns.filter((c) => !ignored.includes(c)),
  };
}

async function symbolItems(sql: SqlClient, scope: Scope, limits: Limits, symbol: string): Promise<CheckItem[]> {
  const snapshots = watch.featureSnapshots(symbol, limits.lag);
  const { ref } = snapshots;
  const grid = gridWindow(scope.asOfMs, scope.windowSec, GRID_STEP_SEC);
  const { classification } = await judgeSource(sql, snapshots, scope.asOfMs);
  const points = await countGridRows(sql, ref, grid, scope.asOfMs);
  const counts = await windowCounts(sql, ref, grid, scope.asOfMs);
  const at = (name: string, column: string): ItemSource => ({ name: `${TABLE}.${name}[${symbol}]`, table: TABLE, column, symbol, windowSec: scope.windowSec });

  const items: CheckItem[] = [
    lagItem(snapshots, classification),
    measuredItem(at('fill', 'ts'), fillRate(points, grid.expected), 'ratio', { min: limits.minFill }, `${points} of ${grid.expected} points of the ${GRID_STEP_SEC} s grid have a snapshot`),
  ];
  // Rates over no rows say nothing: skipped, and the fill item fails instead.
  const windowed = (source: ItemSource, judged: () => CheckItem) =>
    counts.rows === 0 ? statedItem(source, 'skip', null, null, `skipped: no snapshots in the window (see ${TABLE}.fill)`) : judged();
  for (const column of limits.nullRateColumns) {
    const nulls = counts.rows - counts[column];
    items.push(
      windowed(at(`null_rate.${column}`, column), () =>
        measuredItem(at(`null_rate.${column}`, column), nullRate(counts.rows, nulls), 'ratio', { max: limits.maxNullRate }, `${nulls} of ${counts.rows} rows null`),
      ),
    );
  }
  const liqNulls = counts.rows - counts[NEVER_NULL];
  const liq = at(`never_null.${NEVER_NULL}`, NEVER_NULL);
  items.push(
    windowed(liq, () =>
      measuredItem(liq, liqNulls, 'count', { max: 0 }, liqNulls ? `${liqNulls} of ${counts.rows} rows null (0, not null, means no liquidations)` : `none of ${counts.rows} rows null`),
    ),
  );
  const nonFinite = floatColumns.filter((c) => counts[`nf_${c}`] > 0);
  const nonFiniteValues = nonFinite.reduce((sum, c) => sum + counts[`nf_${c}`], 0);
  const finite = at('non_finite', 'float8 columns');
  items.push(
    windowed(finite, () =>
      measuredItem(finite, nonFiniteValues, 'count', { max: 0 }, nonFinite.length ? `NaN or ±Infinity in ${nonFinite.map((c) => `${c} ×${counts[`nf_${c}`]}`).join(', ')}` : 'no NaN or ±Infinity'),
    ),
  );
  return items;
}

/** Rows, non-null values per feature column, and non-finite values per float column, in one scan. */
function windowCounts(sql: SqlClient, ref: SourceRef, grid: GridWindow, asOfMs: number): Promise<Record<string, number>> {
  const expressions: Record<string, string> = { rows: 'count(*)' };
  for (const c of featureColumns) expressions[c] = `count(${c})`;
  for (const c of floatColumns) expressions[`nf_${c}`] = `count(*) filter (where ${c} in ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8))`;
  return aggregateWindow(sql, ref, grid, asOfMs, expressions);
}
