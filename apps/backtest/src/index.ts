// `cqt backtest run`: candles (Parquet file or store) → checks → strategy signals → engine and the
// buy-and-hold baseline → metrics; a summary table, one JSON object, and optionally --out files.
import { backtest, hashCandles, paramRows, strategies, strategyNames, type Candles, type Metrics, type Strategy, type StrategyName } from '@cqt/backtest';
import { stepCandles, type Venue } from '@cqt/candles';
import { RuntimeFailure, UsageError, formatAge, formatTable, loadConfig, paintText, type CommandOutput } from '@cqt/config';
import { openDb, type Db } from '@cqt/db';
import { runFlags } from './command.js';
import { writeOutDir } from './files.js';
import { barsPerYear, checkTimeframe, inferTimeframe, readParquetCandles, readStoreCandles } from './input.js';
import { listRuns, readRun, saveRun, type StoredRun, type StoredTrade } from './runs.js';
import { checkCandles, parseParams } from './usage.js';

export interface RunOptions {
  strategy: string;
  /** `name=value` texts. */
  params?: string[];
  candlesFile?: string;
  venue?: Venue;
  symbol?: string;
  timeframe?: string;
  fromMs?: number;
  toMs?: number;
  feeBps?: number;
  slippageBps?: number;
  cash?: number;
  stopLossPct?: number;
  takeProfitPct?: number;
  allowGaps?: boolean;
  out?: string;
  /** Keep the run in the store (backtest_runs, _trades, _equity). Default true; `--no-store` turns it off. */
  store?: boolean;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** An open store (tests, callers that hold one); otherwise opened from databaseUrl / dataDir. */
  db?: Db;
}

export type InputSummary =
  | { source: 'parquet'; file: string }
  | { source: 'store'; venue: Venue; symbol: string };

export interface RunSummary {
  /** backtest_runs.id, or null with --no-store. */
  id: number | null;
  strategy: StrategyName;
  params: Record<string, number | boolean>;
  execution: { cash: number; feeBps: number; slippageBps: number; stopLossPct: number | null; takeProfitPct: number | null };
  input: InputSummary & { timeframe: string; from: string; to: string; candles: number; missingBars: number; holes: number; sha256: string };
  metrics: Metrics;
  timingsMs: { read: number; signals: number; engine: number; metrics: number; total: number };
}

export interface RunResult extends RunSummary {
  /** Files written with --out. */
  files: string[];
}

export async function loadCandles(options: RunOptions, store: () => Promise<Db>): Promise<{ candles: Candles; input: InputSummary; timeframe: string }> {
  const storeGiven = (['venue', 'symbol', 'fromMs', 'toMs'] as const).filter((k) => options[k] !== undefined);
  if (options.candlesFile !== undefined) {
    if (storeGiven.length) {
      throw new UsageError(`--candles and ${storeGiven.map((k) => runFlags[k].flag).join(', ')} exclude each other`, 'read candles from a file (--candles) or from the store (--venue --symbol --timeframe)');
    }
    const candles = await readParquetCandles(options.candlesFile);
    if (candles.length === 0) throw new UsageError(`--candles ${options.candlesFile}: no rows`, 'give a file with at least one candle');
    const timeframe = options.timeframe !== undefined ? checkTimeframe(options.timeframe) : inferTimeframe(candles);
    return { candles, input: { source: 'parquet', file: options.candlesFile }, timeframe };
  }
  const missing = (['venue', 'symbol', 'timeframe'] as const).filter((k) => options[k] === undefined);
  if (missing.length) {
    throw new UsageError(
      `no candles: give --candles FILE, or the store's series (missing ${missing.map((k) => runFlags[k].flag).join(', ')})`,
      'e.g. --candles btc_1m.parquet, or --venue upbit --symbol KRW-BTC --timeframe 1m',
    );
  }
  const timeframe = checkTimeframe(options.timeframe!);
  if (options.fromMs !== undefined && options.toMs !== undefined && options.toMs <= options.fromMs) throw new UsageError('--to must be after --from', 'give a range with --from before --to');
  const series = { venue: options.venue!, symbol: options.symbol!, timeframe, fromMs: options.fromMs, toMs: options.toMs };
  const candles = await readStoreCandles((await store()).sql, series);
  return { candles, input: { source: 'store', venue: series.venue, symbol: series.symbol }, timeframe };
}

/** The store, opened on first use (a file run with --no-store never opens it); `close` only closes what it opened. */
export function lazyStore(options: { db?: Db; databaseUrl?: string; dataDir?: string; env?: NodeJS.ProcessEnv }) {
  let opened: Promise<Db> | undefined;
  return {
    get: () => {
      if (options.db) return Promise.resolve(options.db);
      const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env: options.env ?? process.env });
      return (opened ??= openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
    },
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}

/** The strategy --strategy names (exit 2 for an unknown one). */
export function strategyOf(text: string): { name: StrategyName; strategy: Strategy<Record<string, number | boolean>> } {
  if (!strategyNames.includes(text as StrategyName)) {
    throw new UsageError(`unknown strategy ${JSON.stringify(text)}`, `expected one of ${strategyNames.join(', ')}`);
  }
  const name = text as StrategyName;
  // The table decides each parameter's type; one strategy at a time is run, so its own P is not needed here.
  return { name, strategy: strategies[name] as Strategy<any> };
}

/** Costs and exits as given, defaults from the flag table, in the units the summary shows. */
export function executionOf(options: RunOptions): RunSummary['execution'] {
  return {
    cash: options.cash ?? runFlags.cash.default,
    feeBps: options.feeBps ?? runFlags.feeBps.default,
    slippageBps: options.slippageBps ?? runFlags.slippageBps.default,
    stopLossPct: options.stopLossPct ?? null,
    takeProfitPct: options.takeProfitPct ?? null,
  };
}

/** The same costs and exits in the engine's units (fractions), with the timeframe's year. */
export function engineOptions(e: RunSummary['execution'], timeframe: string) {
  return {
    cash: e.cash,
    feeRate: e.feeBps / 10_000,
    slippageRate: e.slippageBps / 10_000,
    stopLoss: e.stopLossPct === null ? undefined : e.stopLossPct / 100,
    takeProfit: e.takeProfitPct === null ? undefined : e.takeProfitPct / 100,
    barsPerYear: barsPerYear(timeframe),
  };
}

/** The input candles (file or store), checked: holes refused unless --allow-gaps, then counted. */
export async function loadCheckedCandles(options: RunOptions, store: () => Promise<Db>) {
  const { candles, input, timeframe } = await loadCandles(options, store);
  const { missingBars, holes } = checkCandles(candles, { nextOpenMs: (ts) => stepCandles(timeframe, ts, 1), allowGaps: options.allowGaps });
  const summary: RunSummary['input'] = {
    ...input,
    timeframe,
    from: new Date(candles.tsMs[0]).toISOString(),
    to: new Date(candles.tsMs[candles.length - 1]).toISOString(),
    candles: candles.length,
    missingBars,
    holes,
    sha256: hashCandles(candles),
  };
  return { candles, timeframe, summary };
}

export async function run(options: RunOptions): Promise<RunResult> {
  const store = lazyStore(options);
  try {
    return await runWith(options, store.get);
  } finally {
    await store.close();
  }
}

async function runWith(options: RunOptions, store: () => Promise<Db>): Promise<RunResult> {
  const started = performance.now();
  const { name, strategy } = strategyOf(options.strategy);
  // Parameters are checked before any input is read: a typo costs no I/O.
  const params = parseParams(strategy, options.params ?? []);
  const execution = executionOf(options);

  const { candles, timeframe, summary: input } = await loadCheckedCandles(options, store);
  const read = performance.now() - started;

  const result = backtest(candles, strategy, params, engineOptions(execution, timeframe));
  const summary: Omit<RunSummary, 'id'> = {
    strategy: name,
    params,
    execution,
    input,
    metrics: result.metrics,
    timingsMs: { read, ...result.timingsMs, total: performance.now() - started },
  };
  let id: number | null = null;
  if (options.store ?? true) {
    const db = await store();
    try {
      id = await saveRun(db.sql, summary, result, candles);
    } catch (err) {
      throw new RuntimeFailure(`storing the run failed: ${(err as Error).message}`, 'check the store (cqt db status), or pass --no-store', err);
    }
  }
  const stored = { id, ...summary };
  const files = options.out ? await writeOutDir(options.out, candles, result, stored) : [];
  return { ...stored, files };
}

const YEAR_SEC = 365 * 86_400;
const pct = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)} %`);
const num = (x: number | null, digits = 2) => (x === null ? '-' : x.toFixed(digits));

/** The summary as text: what ran on what, the metrics table. Shared by `run` and `show`. */
function summaryText(r: RunSummary, colour: boolean): string {
  const m = r.metrics;
  const where = r.input.source === 'parquet' ? r.input.file : `${r.input.venue} ${r.input.symbol}`;
  const tone = (x: number) => (x > 0 ? 'good' : x < 0 ? 'bad' : undefined);
  const rows: Array<[string, string, ('good' | 'bad')?]> = [
    ['total return', pct(m.totalReturn), tone(m.totalReturn)],
    ['buy & hold', pct(m.buyHoldReturn)],
    ['excess return', pct(m.excessReturn), tone(m.excessReturn)],
    ['CAGR', pct(m.cagr)],
    ['max drawdown', `${pct(-m.maxDrawdown)} over ${m.maxDrawdownBars} bars (${formatAge((m.maxDrawdownBars * YEAR_SEC) / barsPerYear(r.input.timeframe))})`],
    ['Sharpe', num(m.sharpe)],
    ['Sortino', num(m.sortino)],
    ['trades', String(m.trades)],
    ['win rate', m.winRate === null ? '-' : `${(m.winRate * 100).toFixed(1)} %`],
    ['profit factor', num(m.profitFactor)],
    ['expectancy', m.expectancy === null ? '-' : `${num(m.expectancy)} (${pct(m.expectancyReturn)} per trade)`],
    ['exposure', `${(m.exposure * 100).toFixed(1)} %`],
    ['avg bars held', num(m.avgBarsHeld, 1)],
    ['skipped signals', String(m.skippedSignals)],
    ['final equity', num(m.finalEquity)],
  ];
  const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)';
  const gaps = r.input.missingBars ? paintText(`, ${r.input.missingBars} missing in ${r.input.holes} holes`, 'warn', colour) : '';
  return [
    `${paintText(r.strategy, 'strong', colour)} on ${where} ${r.input.timeframe}: ${r.input.from} → ${r.input.to}, ${r.input.candles} candles${gaps} (sha256 ${r.input.sha256.slice(0, 12)})`,
    `params ${params}; fee ${r.execution.feeBps} bps, slippage ${r.execution.slippageBps} bps, cash ${r.execution.cash}` +
      (r.execution.stopLossPct === null ? '' : `, stop-loss ${r.execution.stopLossPct} %`) +
      (r.execution.takeProfitPct === null ? '' : `, take-profit ${r.execution.takeProfitPct} %`),
    '',
    formatTable(['metric', 'value'], rows.map(([k, v, t]) => [k, t ? { text: v, tone: t } : v]), colour),
  ].join('\n');
}

export function output(r: RunResult): CommandOutput {
  return {
    exitCode: 0,
    json: r,
    human: ({ colour }) => {
      const done = [`${(r.timingsMs.total / 1000).toFixed(2)} s`, r.id === null ? 'not stored' : `stored as run ${r.id} (cqt backtest show ${r.id})`];
      if (r.files.length) done.push(`wrote ${r.files.join(', ')}`);
      return `${summaryText(r, colour)}\n\n${done.join('; ')}`;
    },
  };
}

interface StoreOptions {
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  db?: Db;
}

export interface ListOptions extends StoreOptions {
  limit?: number;
  strategy?: string;
}

export async function list(options: ListOptions = {}): Promise<{ runs: StoredRun[] }> {
  const store = lazyStore(options);
  try {
    return { runs: await listRuns((await store.get()).sql, { limit: options.limit ?? 20, strategy: options.strategy }) };
  } finally {
    await store.close();
  }
}

export function listOutput(r: { runs: StoredRun[] }): CommandOutput {
  return {
    exitCode: 0,
    json: r,
    human: ({ colour }) => {
      if (!r.runs.length) return 'no backtest runs stored yet (cqt backtest run … stores each run)';
      const rows = r.runs.map((run) => [
        String(run.id),
        run.createdAt.slice(0, 19) + 'Z',
        run.strategy,
        run.input.source === 'parquet' ? run.input.file : `${run.input.venue} ${run.input.symbol}`,
        run.input.timeframe,
        String(run.input.candles),
        pct(run.metrics.totalReturn),
        pct(run.metrics.buyHoldReturn),
        String(run.metrics.trades),
        num(run.metrics.sharpe),
      ]);
      return formatTable(['id', 'created', 'strategy', 'input', 'tf', 'candles', 'return', 'buy & hold', 'trades', 'Sharpe'], rows, colour);
    },
  };
}

export interface ShowOptions extends StoreOptions {
  id: number;
}

export interface ShowResult {
  run: StoredRun;
  trades: StoredTrade[];
  equityRows: number;
}

export async function show(options: ShowOptions): Promise<ShowResult> {
  const store = lazyStore(options);
  try {
    const found = await readRun((await store.get()).sql, options.id);
    if (!found) throw new UsageError(`no backtest run ${options.id} in the store`, 'cqt backtest list shows the stored runs');
    return found;
  } finally {
    await store.close();
  }
}

/** Trades shown in the human output of `show` (JSON has them all). */
const SHOWN_TRADES = 20;

export function showOutput(r: ShowResult): CommandOutput {
  return {
    exitCode: 0,
    json: r,
    human: ({ colour }) => {
      const head = `run ${r.run.id}, ${r.run.status}, created ${r.run.createdAt}; ${r.trades.length} trades, ${r.equityRows} equity rows`;
      const shown = r.trades.slice(-SHOWN_TRADES);
      const trades = shown.length
        ? formatTable(
            ['#', 'entry', 'exit', 'qty', 'entry price', 'exit price', 'fees', 'pnl', 'return', 'reason'],
            shown.map((t) => [String(t.seq), t.entryTs, t.exitTs, t.qty.toPrecision(6), t.entryPrice.toPrecision(8), t.exitPrice.toPrecision(8), num(t.fees), num(t.pnl), pct(t.return), t.exitReason]),
            colour,
          )
        : '(no trades)';
      const more = r.trades.length > SHOWN_TRADES ? `\n(the last ${SHOWN_TRADES} of ${r.trades.length} trades; --json lists all)` : '';
      return `${head}\n${summaryText({ ...r.run, strategy: r.run.strategy as StrategyName }, colour)}\n\n${trades}${more}`;
    },
  };
}

/** `cqt backtest strategies`: every strategy's parameter table. */
export function strategiesOutput(): CommandOutput {
  const list = strategyNames.map((name) => ({
    name,
    describe: strategies[name].describe,
    params: paramRows(strategies[name]).map(([param, type, dflt, range, describe]) => ({ name: param, type, default: dflt, range, describe })),
  }));
  return {
    exitCode: 0,
    json: { strategies: list },
    human: ({ colour }) =>
      list
        .map((s) => [
          `${paintText(s.name, 'strong', colour)}: ${s.describe}`,
          s.params.length ? formatTable(['param', 'type', 'default', 'range', 'description'], paramRows(strategies[s.name]), colour) : '(no parameters)',
        ].join('\n'))
        .join('\n\n'),
  };
}
