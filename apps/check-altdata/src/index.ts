// `cqt check altdata`: is the raw data fresh and complete at as-of?
// - binance_mark_price_1s and market_1s: lag (classify: fresh/stale/hard_stale/corrupt) and fill
//   rate on the 1 s grid, per symbol;
// - binance_futures_metrics: each metric's lag against its poll interval, per symbol;
// - the forceOrder stream: connected in the window (feed_events; no liquidations is normal);
// - coinglass_liquidation_map: lag per (symbol, range), or a stated skip when Coinglass is
//   disabled or has no real key.
import {
  checkOutput,
  countGridRows,
  gridWindow,
  judgeSource,
  judgeStream,
  lagItem,
  makeReport,
  measuredItem,
  resolveScope,
  resolveLagPolicy,
  statedItem,
  watch,
  withHandle,
  type CheckItem,
  type CheckReport,
  type CommonCheckOptions,
  type LagBounds,
  type Scope,
  type SqlClient,
  type Watched,
} from '@cqt/checks';
import { MAX_SILENCE_SEC, STREAM_KINDS, STREAM_SOURCES, type StreamEvent } from '@cqt/feeds';
import { describeSecret, isRealKey, loadConfig, type CommandOutput, type Settings } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { resolveFlag } from '@cqt/config/command';
import { fillRate } from '@cqt/freshness';
import { thresholds } from './command.js';

export interface AltdataOptions extends CommonCheckOptions {
  /** Lag above this warns on the 1 s sources (seconds or a duration text). */
  warnLag?: string | number;
  /** Lag above this fails on the 1 s sources. */
  maxLag?: string | number;
  /** Fill rate below this fails on the 1 s sources (0.95 or "95%"). */
  minFill?: string | number;
  /** An open store to use (and leave open); otherwise one is opened for the run. */
  db?: Db;
}

interface Limits {
  lag: LagBounds;
  minFill: number;
}

export async function run(options: AltdataOptions = {}): Promise<CheckReport> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const scope = resolveScope(options, config);
  const limits = resolveLimits(options, env);
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
    const items: CheckItem[] = [];
    for (const symbol of scope.binance) {
      items.push(...(await oneSecondItems(db.sql, scope, limits, watch.markPrice(symbol, limits.lag))));
      for (const metric of watch.futuresMetrics(symbol, config.binancePollSec)) items.push(await lagOf(db.sql, metric, scope));
    }
    items.push(...(await forceOrderItems(db.sql, scope)));
    for (const market of scope.upbit) {
      items.push(...(await oneSecondItems(db.sql, scope, limits, watch.market1s(market, limits.lag))));
    }
    items.push(...(await coinglassItems(db.sql, scope, config)));
    return makeReport('altdata', scope.asOfMs, scope.windowSec, items);
  });
}

export function output(report: CheckReport): CommandOutput {
  return checkOutput([report]);
}

function resolveLimits(options: AltdataOptions, env: NodeJS.ProcessEnv): Limits {
  return {
    lag: resolveLagPolicy(thresholds, options, env),
    minFill: resolveFlag(thresholds.minFill, options.minFill, env),
  };
}

async function lagOf(sql: SqlClient, w: Watched, scope: Scope): Promise<CheckItem> {
  return lagItem(w, (await judgeSource(sql, w, scope.asOfMs)).classification);
}

/** Lag and fill rate of a 1 s source (bars keyed by their open second, or 1 s mark prices). */
async function oneSecondItems(sql: SqlClient, scope: Scope, limits: Limits, w: Watched): Promise<CheckItem[]> {
  const grid = gridWindow(scope.asOfMs, scope.windowSec, 1);
  const rows = await countGridRows(sql, w.ref, grid, scope.asOfMs);
  return [
    await lagOf(sql, w, scope),
    measuredItem(
      { name: `${w.source}.fill[${w.key}]`, table: w.ref.table, column: 'ts', symbol: w.symbol, windowSec: scope.windowSec },
      fillRate(rows, grid.expected),
      'ratio',
      { min: limits.minFill },
      `${rows} of ${grid.expected} seconds have a row`,
    ),
  ];
}

async function forceOrderItems(sql: SqlClient, scope: Scope): Promise<CheckItem[]> {
  // At least three heartbeats' worth, so a short --window cannot miss a healthy stream.
  const lookbackSec = Math.max(scope.windowSec, MAX_SILENCE_SEC);
  const rows = await sql.unsafe(
    `select ts, kind, detail from feed_events
      where ts > $1::timestamptz and ts <= $2::timestamptz and source = any($3::text[]) and kind = any($4::text[])
      order by ts`,
    [new Date(scope.asOfMs - lookbackSec * 1000).toISOString(), new Date(scope.asOfMs).toISOString(), STREAM_SOURCES, STREAM_KINDS],
  );
  const events: StreamEvent[] = rows.map((r) => ({ tsMs: (r.ts as Date).getTime(), kind: String(r.kind), detail: r.detail }));
  return scope.binance.map((symbol) => {
    const verdict = judgeStream(events, symbol, scope.asOfMs, lookbackSec);
    const source = { name: `feed_events.force_order_stream[${symbol}]`, table: 'feed_events', column: 'detail.streams', symbol, windowSec: lookbackSec };
    return statedItem(source, verdict.status, verdict.state, `connected; heartbeat ≤ ${MAX_SILENCE_SEC} s old`, verdict.detail);
  });
}

async function coinglassItems(sql: SqlClient, scope: Scope, config: Settings): Promise<CheckItem[]> {
  const skipped = (observed: string | boolean, why: string) => [
    statedItem({ name: 'coinglass_liquidation_map.lag', table: 'coinglass_liquidation_map', column: 'ts', symbol: null, windowSec: null }, 'skip', observed, null, `skipped: ${why}`),
  ];
  if (!config.coinglassEnabled) return skipped(false, 'Coinglass is disabled (COINGLASS_ENABLED=false)');
  if (!isRealKey(config.coinglassApiKey)) {
    const state = describeSecret(config.coinglassApiKey);
    return skipped(state, `COINGLASS_API_KEY is ${state}, so nothing is polled (\`cqt check coinglass\` fails on this)`);
  }
  const items: CheckItem[] = [];
  for (const map of await watch.liquidationMaps(sql, scope.asOfMs, config.coinglassPollSec)) items.push(await lagOf(sql, map, scope));
  return items;
}
