// `cqt predict`: a point-in-time feature snapshot and barrier probabilities for one Upbit market
// (paired with a Binance symbol) on exact interval boundaries.
// - live (default): the snapshot for boundary t0 is computed at t0 + delay, from rows with
//   recv_ts <= t0 only; the delay just lets rows received by t0 reach the database, so the live
//   result equals a later recomputation. Each snapshot and its prediction are upserted in one
//   transaction. Runs until SIGINT/SIGTERM or --duration.
// - --once [--as-of T]: one snapshot for the boundary at or before T, printed, not written.
// - --backfill --from T --to T: every boundary in the range from stored raw data, written in
//   batches (bounded memory), the same computation as live.
import { readFileSync } from 'node:fs';
import { UsageError, createLogger, loadConfig, metricsListenError, sleepMs, type CommandOutput, type LogFormat } from '@cqt/config';
import { parseFlagText } from '@cqt/config/command';
import { openDb, tableMeta, type Db } from '@cqt/db';
import {
  BrownianFirstPassage,
  computeSnapshot,
  loadModel,
  writeSnapshots,
  type BarrierModel,
  type SnapshotOptions,
  type SnapshotRows,
} from '@cqt/features';
import { predictFlags } from './command.js';
import { loadRoleModels, runRoleModels, type RoleModel } from './roles.js';
import { predictMetrics, type PredictMetrics } from './observe.js';
import { candleOutput, runCandles, type CandleRunResult } from './candles.js';

/** Snapshots per transaction in --backfill. */
const BACKFILL_BATCH = 100;

export interface PredictOptions {
  /** Upbit market (default: first of CQT_UPBIT_MARKETS). */
  symbol?: string;
  /** Binance symbol (default: first of CQT_BINANCE_SYMBOLS). */
  binanceSymbol?: string;
  intervalSec?: number;
  horizonSec?: number;
  delaySec?: number;
  once?: boolean;
  /** --once: ISO 8601 / epoch ms text or epoch ms; default now − delay. */
  asOf?: string | number;
  backfill?: boolean;
  from?: string | number;
  to?: string | number;
  durationSec?: number;
  kVol?: number;
  rMinBps?: number;
  costMultiplier?: number;
  /** JSON file written from BarrierModel.save(); default the unfitted Brownian baseline. */
  modelPath?: string;
  /** Registered champion and shadow (model_predictions): a prediction slower than this is flagged in its row. */
  roleBudgetMs?: number;
  /** Candle-boundary predictions on this timeframe's series (candles.ts) instead of 5 s snapshots. */
  timeframe?: string;
  venue?: string;
  horizonCandles?: number;
  lookbackCandles?: number;
  pollSec?: number;
  /** With --timeframe: the clock a candle must have closed by (tests); default Date.now. */
  clockMs?: () => number;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Stops the live loop or a backfill (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Default log (no `log`): human lines, or JSON objects (--log-format json). */
  logFormat?: LogFormat;
  /** The live loop: serve Prometheus /metrics on this port (0: a free one, logged). */
  metricsPort?: number;
  metricsHost?: string;
  /** A handle to use instead of opening one (tests). */
  db?: Db;
}

export interface OnceResult {
  mode: 'once';
  symbol: string;
  binanceSymbol: string;
  /** The snapshot's columns by SQL name, as they would be stored. */
  snapshot: Record<string, unknown>;
  prediction: Record<string, unknown>;
}

export interface RunResult {
  mode: 'live' | 'backfill';
  symbol: string;
  binanceSymbol: string;
  backend: string;
  location: string;
  intervalSec: number;
  horizonSec: number;
  /** First and last boundary computed (ISO 8601), null when none. */
  firstTs: string | null;
  lastTs: string | null;
  written: number;
  failed: number;
  /** How many written snapshots had each column null. */
  nullCounts: Record<string, number>;
  last: Record<string, unknown> | null;
}

export type PredictResult = OnceResult | RunResult | CandleRunResult;

interface Plan {
  symbol: string;
  intervalMs: number;
  delayMs: number;
  snapshot: SnapshotOptions;
  roleBudgetMs: number;
}

/** How often the live loop re-reads which versions are champion and shadow. */
const ROLE_RELOAD_MS = 60_000;

export async function run(options: PredictOptions): Promise<PredictResult> {
  const log = options.log ?? createLogger({ command: 'predict', format: options.logFormat, env: options.env });
  const observed = await serveMetrics(options, log);
  try {
    return await runPredict({ ...options, log }, observed?.metrics);
  } finally {
    await observed?.server.close();
  }
}

/** --metrics-port: the /metrics server, its URL logged (the bound port when 0 was asked). */
async function serveMetrics(options: PredictOptions, log: (line: string) => void) {
  if (options.metricsPort === undefined) return null;
  const { createRegistry, startMetricsServer } = await import('@cqt/metrics');
  const registry = createRegistry('predict');
  const metrics = await predictMetrics(registry);
  const host = options.metricsHost ?? '127.0.0.1';
  const server = await startMetricsServer(registry, { port: options.metricsPort, host }).catch((err: unknown) => {
    throw metricsListenError(err, host, options.metricsPort!);
  });
  log(`predict: metrics on ${server.url}`);
  return { metrics, server };
}

async function runPredict(options: PredictOptions, metrics: PredictMetrics | undefined): Promise<PredictResult> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ env, flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir } });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (options.timeframe !== undefined) return runCandleMode(options, config, log);
  const candleOnly = { venue: '--venue', horizonCandles: '--horizon-candles', lookbackCandles: '--lookback-candles', pollSec: '--poll' } as const;
  for (const [key, flag] of Object.entries(candleOnly)) {
    if (options[key as keyof typeof candleOnly] !== undefined) throw new UsageError(`${flag} needs --timeframe`, `cqt predict --timeframe 1h ${flag} …`);
  }
  const plan = resolvePlan(options, config);
  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    if (options.once) return await once(db, plan, options.asOf);
    if (options.backfill) return await backfill(db, plan, options, log);
    return await live(db, plan, options, log, metrics);
  } finally {
    if (!options.db) await db.close();
  }
}

/** `--timeframe`: flags of the snapshot modes do not apply; the rest goes to candles.ts. */
async function runCandleMode(options: PredictOptions, config: ReturnType<typeof loadConfig>['values'], log: (line: string) => void): Promise<CandleRunResult> {
  const snapshotOnly = { once: '--once', asOf: '--as-of', intervalSec: '--interval', horizonSec: '--horizon', delaySec: '--delay', modelPath: '--model', binanceSymbol: '--binance-symbol', costMultiplier: '--cost-multiplier', roleBudgetMs: '--role-budget' } as const;
  for (const [key, flag] of Object.entries(snapshotOnly)) {
    if (options[key as keyof typeof snapshotOnly] !== undefined) throw new UsageError(`${flag} does not apply with --timeframe`, 'candle predictions take --horizon-candles, --lookback-candles, --k-vol, --r-min-bps, --poll');
  }
  if ((options.from !== undefined || options.to !== undefined) && !options.backfill) throw new UsageError('--from/--to need --backfill', 'cqt predict --timeframe 1h --backfill --from … --to …');
  if (options.backfill && (options.from === undefined || options.to === undefined)) throw new UsageError('--backfill needs --from and --to', 'cqt predict --timeframe 1h --backfill --from 2026-11-01T00:00:00Z --to 2026-11-23T00:00:00Z');
  if (options.durationSec !== undefined && options.backfill) throw new UsageError('--duration applies to the live loop only', 'drop --duration, or --backfill');
  const venue = options.venue ?? 'upbit';
  const symbol = options.symbol?.toUpperCase() ?? (venue === 'binance' ? config.binanceSymbols[0] : config.upbitMarkets[0]);
  if (!/^[A-Z0-9]+(-[A-Z0-9]+)?$/.test(symbol)) throw new UsageError(`invalid --symbol "${symbol}"`, 'a candle series symbol such as KRW-BTC (upbit) or BTCUSDT (binance)');
  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  try {
    return await runCandles(db, {
      ...options,
      symbol,
      venue,
      timeframe: options.timeframe!,
      fromMs: options.from === undefined ? undefined : timeMs(options.from, 'from'),
      toMs: options.to === undefined ? undefined : timeMs(options.to, 'to'),
      log,
    });
  } finally {
    if (!options.db) await db.close();
  }
}

function resolvePlan(options: PredictOptions, config: ReturnType<typeof loadConfig>['values']): Plan {
  const modes = [options.once && '--once', options.backfill && '--backfill'].filter(Boolean);
  if (modes.length > 1) throw new UsageError('--once and --backfill cannot be combined', 'use one: --once for one snapshot, --backfill for a range');
  if (options.asOf !== undefined && !options.once) throw new UsageError('--as-of needs --once', 'cqt predict --once --as-of 2026-11-23T10:00:00Z');
  if ((options.from !== undefined || options.to !== undefined) && !options.backfill) throw new UsageError('--from/--to need --backfill', 'cqt predict --backfill --from … --to …');
  if (options.backfill && (options.from === undefined || options.to === undefined)) throw new UsageError('--backfill needs --from and --to', 'cqt predict --backfill --from 2026-11-23T00:00:00Z --to 2026-11-23T01:00:00Z');
  if (options.durationSec !== undefined && (options.once || options.backfill)) throw new UsageError('--duration applies to the live loop only', 'drop --duration, or --once/--backfill');
  const intervalSec = wholeSeconds(options.intervalSec ?? predictFlags.intervalSec.default, '--interval');
  const horizonSec = wholeSeconds(options.horizonSec ?? predictFlags.horizonSec.default, '--horizon');
  const delaySec = options.delaySec ?? predictFlags.delaySec.default;
  if (!(delaySec >= 0 && delaySec < 60)) throw new UsageError(`invalid --delay ${delaySec}`, 'a delay from 0 to 60 s, e.g. 2.5s');
  const symbol = options.symbol?.toUpperCase() ?? config.upbitMarkets[0];
  const binanceSymbol = options.binanceSymbol?.toUpperCase() ?? config.binanceSymbols[0];
  if (!/^[A-Z0-9]+-[A-Z0-9]+$/.test(symbol)) throw new UsageError(`invalid --symbol "${symbol}"`, 'an Upbit market such as KRW-BTC');
  if (!/^[A-Z0-9]+$/.test(binanceSymbol)) throw new UsageError(`invalid --binance-symbol "${binanceSymbol}"`, 'a Binance USD-M symbol such as BTCUSDT');
  const barrier = {
    feePerSide: config.feePerSideBps / 10_000,
    rMin: nonNegative(options.rMinBps ?? predictFlags.rMinBps.default, '--r-min-bps') / 10_000,
    costMultiplier: nonNegative(options.costMultiplier ?? predictFlags.costMultiplier.default, '--cost-multiplier'),
    kVol: nonNegative(options.kVol ?? predictFlags.kVol.default, '--k-vol'),
  };
  return {
    symbol,
    intervalMs: intervalSec * 1000,
    delayMs: delaySec * 1000,
    snapshot: { binanceSymbol, horizonSec, binancePollSec: config.binancePollSec, barrier, model: readModel(options.modelPath) },
    roleBudgetMs: nonNegative(options.roleBudgetMs ?? predictFlags.roleBudgetMs.default, '--role-budget'),
  };
}

function wholeSeconds(value: number, flag: string): number {
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`invalid ${flag} ${value}`, 'a whole number of seconds ≥ 1, e.g. 5, 2m');
  return value;
}

function nonNegative(value: number, flag: string): number {
  if (!(value >= 0 && value < Infinity)) throw new UsageError(`invalid ${flag} ${value}`, 'a number ≥ 0');
  return value;
}

function readModel(path: string | undefined): BarrierModel {
  if (path === undefined) return new BrownianFirstPassage();
  try {
    return loadModel(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new UsageError(`cannot load model ${path}: ${(err as Error).message}`, 'pass a JSON file written from a model\'s save()', err);
  }
}

const timeMs = (value: string | number, flag: 'asOf' | 'from' | 'to') => (typeof value === 'number' ? value : parseFlagText(predictFlags[flag], value));
const floorTo = (ms: number, stepMs: number) => Math.floor(ms / stepMs) * stepMs;
const iso = (ms: number) => new Date(ms).toISOString();

async function once(db: Db, plan: Plan, asOf: string | number | undefined): Promise<OnceResult> {
  const t0Ms = floorTo(asOf === undefined ? Date.now() - plan.delayMs : timeMs(asOf, 'asOf'), plan.intervalMs);
  const rows = await computeSnapshot(db, plan.symbol, t0Ms, plan.snapshot);
  return {
    mode: 'once',
    symbol: plan.symbol,
    binanceSymbol: plan.snapshot.binanceSymbol,
    snapshot: bySqlName('feature_snapshots', rows.feature),
    prediction: bySqlName('predictions', rows.prediction),
  };
}

/** Row keyed by SQL column name, times as ISO 8601 (what the table holds, as JSON). */
function bySqlName(table: 'feature_snapshots' | 'predictions', row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { prop, name } of tableMeta(table).columns) {
    if (!(prop in row)) continue;
    const value = row[prop];
    out[name] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

/** Counts written snapshots and their nulls, and keeps the last one for the summary. */
class Tally {
  written = 0;
  failed = 0;
  firstTs: number | null = null;
  lastTs: number | null = null;
  readonly nullCounts: Record<string, number> = {};
  last: Record<string, unknown> | null = null;

  add(rows: SnapshotRows): void {
    this.written++;
    const tsMs = (rows.feature.ts as Date).getTime();
    this.firstTs ??= tsMs;
    this.lastTs = tsMs;
    for (const column of Object.keys(rows.feature.degraded as Record<string, string>)) this.nullCounts[column] = (this.nullCounts[column] ?? 0) + 1;
    this.last = bySqlName('feature_snapshots', rows.feature);
  }

  result(mode: RunResult['mode'], db: Db, plan: Plan): RunResult {
    return {
      mode,
      symbol: plan.symbol,
      binanceSymbol: plan.snapshot.binanceSymbol,
      backend: db.backend,
      location: db.location,
      intervalSec: plan.intervalMs / 1000,
      horizonSec: plan.snapshot.horizonSec,
      firstTs: this.firstTs === null ? null : iso(this.firstTs),
      lastTs: this.lastTs === null ? null : iso(this.lastTs),
      written: this.written,
      failed: this.failed,
      nullCounts: this.nullCounts,
      last: this.last,
    };
  }
}

async function backfill(db: Db, plan: Plan, options: PredictOptions, log: (line: string) => void): Promise<RunResult> {
  const fromMs = timeMs(options.from!, 'from');
  const requestedToMs = timeMs(options.to!, 'to');
  if (requestedToMs < fromMs) throw new UsageError(`--to ${iso(requestedToMs)} is before --from ${iso(fromMs)}`, 'swap them');
  // A boundary is settled once its delay has passed; later ones are for the live loop.
  const toMs = Math.min(requestedToMs, Date.now() - plan.delayMs);
  const tally = new Tally();
  const roles = await loadRoleModels(db, log);
  let batch: SnapshotRows[] = [];
  const flush = async () => {
    await writeSnapshots(db, batch);
    await runRoleModels(db, roles, batch, plan.roleBudgetMs, log);
    for (const rows of batch) tally.add(rows);
    log(`predict: backfill ${plan.symbol} up to ${iso((batch.at(-1)!.feature.ts as Date).getTime())} (${tally.written} snapshots)`);
    batch = [];
  };
  for (let t0Ms = Math.ceil(fromMs / plan.intervalMs) * plan.intervalMs; t0Ms <= toMs && !options.signal?.aborted; t0Ms += plan.intervalMs) {
    batch.push(await computeSnapshot(db, plan.symbol, t0Ms, plan.snapshot));
    if (batch.length >= BACKFILL_BATCH) await flush();
  }
  if (batch.length) await flush();
  return tally.result('backfill', db, plan);
}

/**
 * Boundary after boundary: wait until t0 + delay, compute, write. A tick that falls behind (slow
 * database) is still computed when its turn comes — its result does not depend on when that is.
 */
async function live(db: Db, plan: Plan, options: PredictOptions, log: (line: string) => void, metrics?: PredictMetrics): Promise<RunResult> {
  const startedMs = Date.now();
  const endMs = options.durationSec === undefined ? Infinity : startedMs + options.durationSec * 1000;
  const tally = new Tally();
  let lastLogMs = 0;
  let roles: RoleModel[] = [];
  let rolesLoadedMs = -Infinity;
  log(`predict: ${plan.symbol}/${plan.snapshot.binanceSymbol} every ${plan.intervalMs / 1000} s, H=${plan.snapshot.horizonSec} s, into ${db.backend} ${db.location}`);
  for (let t0Ms = Math.ceil((startedMs - plan.delayMs) / plan.intervalMs) * plan.intervalMs; ; t0Ms += plan.intervalMs) {
    const dueMs = t0Ms + plan.delayMs;
    if (dueMs > endMs || !(await sleepUntil(dueMs, options.signal))) break;
    const tick = metrics?.tick(t0Ms, dueMs, plan.intervalMs);
    try {
      const rows = await computeSnapshot(db, plan.symbol, t0Ms, plan.snapshot);
      tick?.computed();
      await writeSnapshots(db, [rows]);
      tally.add(rows);
      if (Date.now() - rolesLoadedMs >= ROLE_RELOAD_MS) {
        roles = await loadRoleModels(db, log).catch((err: unknown) => (log(`predict: champion/shadow not loaded: ${(err as Error).message}`), roles));
        rolesLoadedMs = Date.now();
      }
      await runRoleModels(db, roles, [rows], plan.roleBudgetMs, log);
      if (Date.now() - lastLogMs >= 60_000) {
        lastLogMs = Date.now();
        log(`predict: ${iso(t0Ms)} ${summaryLine(tally.last!)} (${tally.written} written, ${tally.failed} failed)`);
      }
      tick?.end(true);
    } catch (err) {
      tick?.end(false);
      tally.failed++;
      log(`predict: snapshot ${iso(t0Ms)} failed: ${(err as Error).message}`);
    }
  }
  return tally.result('live', db, plan);
}

/** Resolves true at `atMs`, false at once when the signal aborts (before or meanwhile). */
function sleepUntil(atMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  // A boundary can be further away than one setTimeout holds (--interval 30d): sleepMs chains.
  return sleepMs(atMs - Date.now(), signal);
}

function summaryLine(row: Record<string, unknown>): string {
  const f = (v: unknown, digits: number) => (typeof v === 'number' ? v.toFixed(digits) : '-');
  return `mid ${f(row.mid_krw, 0)} sigma ${f(row.sigma, 6)} r_t ${f(row.r_t, 5)} p_up ${f(row.p_up, 3)} p_down ${f(row.p_down, 3)} p_none ${f(row.p_none, 3)} ev_rate ${f(row.ev_rate, 8)}; ${Object.keys(row.degraded as object).length} null`;
}

export function output(result: PredictResult): CommandOutput {
  if (result.mode === 'candles-live' || result.mode === 'candles-backfill') return candleOutput(result);
  const snapshots = result as OnceResult | RunResult;
  return { exitCode: 0, json: result, human: () => (snapshots.mode === 'once' ? onceText(snapshots) : runText(snapshots)) };
}

function onceText(result: OnceResult): string {
  const { snapshot, prediction } = result;
  const degraded = (snapshot.degraded ?? {}) as Record<string, string>;
  const skip = new Set(['symbol', 'ts', 'degraded']);
  const rows = Object.entries(snapshot)
    .filter(([column]) => !skip.has(column))
    .map(([column, value]) => `  ${column.padEnd(22)} ${value === null ? `null  (${degraded[column] ?? 'unknown'})` : String(value)}`);
  const model = `${prediction.model} ${prediction.model_version}`;
  return [`snapshot ${result.symbol}/${result.binanceSymbol} at ${snapshot.ts} (H=${prediction.horizon_sec} s, ${model})`, ...rows].join('\n');
}

function runText(result: RunResult): string {
  const nulls = Object.entries(result.nullCounts).map(([column, n]) => `${column} ×${n}`);
  return [
    `predict ${result.mode} ${result.symbol}/${result.binanceSymbol} into ${result.backend} ${result.location}: ${result.written} snapshots` +
      (result.firstTs ? ` ${result.firstTs} → ${result.lastTs}` : '') +
      (result.failed ? `, ${result.failed} FAILED` : ''),
    `  every ${result.intervalSec} s, horizon ${result.horizonSec} s`,
    `  null columns: ${nulls.length ? nulls.join(', ') : 'none'}`,
    ...(result.last ? [`  last: ${summaryLine(result.last)}`] : []),
  ].join('\n');
}
