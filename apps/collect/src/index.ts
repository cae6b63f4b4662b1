// `cqt collect`: Upbit WS → market_1s; Binance WS → mark price + force orders; Binance REST →
// futures metrics; Coinglass → liquidation map + call status; everything notable → feed_events.
// Writes go through bounded bulk writers: while the database is away rows wait in memory and are
// flushed when it returns; what overflows the bound is counted and recorded, never lost silently.
import { UsageError, createLogger, loadConfig, metricsListenError, sleepMs, structuredLog, type CommandOutput, type LogFormat } from '@cqt/config';
import { resolve } from 'node:path';
import { createWriter, openDb, replaySpills, type BulkWriter, type Db, type SpillReplay, type TableName } from '@cqt/db';
import { BinanceFeed } from './binance.js';
import { FrameCapture } from './capture.js';
import { CoinglassPoller } from './coinglass.js';
import { FeedEventLog } from './events.js';
import { MetricsPoller } from './metrics.js';
import { collectMetrics } from './observe.js';
import { statusLine, type StreamStats } from './status.js';
import { UpbitFeed } from './upbit.js';
import { applyShard, coinOf, type Shard } from './shard.js';
import { readUniverse } from '@cqt/candles';

export interface CollectOptions {
  durationSec?: number;
  captureDir?: string;
  /** Print status as JSON lines on stdout instead of a line on stderr. */
  jsonStatus?: boolean;
  statusIntervalSec?: number;
  databaseUrl?: string;
  dataDir?: string;
  upbitMarkets?: string;
  binanceSymbols?: string;
  /** --shard i/n: this collector takes every n-th coin of the lists (shard.ts). */
  shard?: Shard;
  /** --top N: the first N markets of each venue's stored universe instead of the lists. */
  top?: number;
  /** Stops the run (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  /** Rows buffered per table while the database is unavailable. */
  maxBufferRows?: number;
  /** Where rows still unwritten at stop are saved and replayed from (default <data dir>/spill). */
  spillDir?: string;
  /** Watchdog: reconnect a stream silent this long. */
  staleAfterSec?: number;
  /** Rotate the Binance socket (with overlap) after this long; Binance cuts at 24 h. */
  binanceMaxAgeSec?: number;
  /** Environment to read configuration from (default process.env). */
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Default log (no `log`): human lines, or JSON objects (--log-format json). */
  logFormat?: LogFormat;
  /** Serve Prometheus /metrics on this port (0: a free one, logged). */
  metricsPort?: number;
  metricsHost?: string;
}

export interface CollectResult {
  startedAt: string;
  stoppedAt: string;
  backend: string;
  location: string;
  rowsWritten: Record<string, number>;
  rowsRejected: Record<string, number>;
  rowsDropped: Record<string, number>;
  rowsUnwritten: Record<string, number>;
  /** Per table: the spill file holding its unwritten rows (written by the next start). */
  spillFiles: Record<string, string>;
  /** Spill files of earlier runs written (or not) at this start. */
  spillReplayed: SpillReplay[];
  events: Record<string, number>;
  streams: StreamStats[];
  captureFiles: string[];
  /** --capture only: frames captured, frames not captured, and why the capture stopped (null: it did not). */
  capture?: { frames: number; framesDropped: number; error: string | null };
}

const WRITTEN_TABLES = [
  'market_1s',
  'binance_mark_price_1s',
  'binance_force_orders',
  'binance_futures_metrics',
  'coinglass_liquidation_map',
  'coinglass_call_status',
  'feed_events',
] as const satisfies readonly TableName[];

export async function run(options: CollectOptions): Promise<CollectResult> {
  const log = options.log ?? createLogger({ command: 'collect', format: options.logFormat, env: options.env });
  const config = loadConfig({
    env: options.env,
    flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir, upbitMarkets: options.upbitMarkets, binanceSymbols: options.binanceSymbols },
  }).values;
  // First, so a port in use fails the start before anything is opened.
  const observed = await serveMetrics(options, log);
  let events: FeedEventLog | null = null;
  const capture = options.captureDir
    ? new FrameCapture(options.captureDir, {
        onFailed: (error, path) => {
          events?.record({ source: 'collector', kind: 'error', detail: { capture: path, error } });
          log(`collect: capture stopped (${error}); collection continues`);
        },
        onDropped: (source, frames) => {
          events?.record({ source: 'collector', kind: 'dropped', detail: { capture: source, frames } });
          log(`collect: capture fell behind the disk: ${frames} ${source} frames not captured`);
        },
      })
    : null;
  const db: Db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }).catch(async (err: unknown) => {
    await observed?.server.close();
    throw err;
  });
  // The instruments: the lists, or the Top-N universe in the store; then this shard's coins.
  try {
    Object.assign(config, await instruments(db, config, options));
  } catch (err) {
    await db.close();
    await observed?.server.close();
    throw err;
  }
  const startedAt = new Date();
  // Rows an earlier run could not write go in before any new row, so a key received both times
  // keeps its first receipt.
  const spillDir = options.spillDir ?? resolve(config.dataDir, 'spill');
  const spillReplayed = await replaySpills(db, spillDir);
  for (const r of spillReplayed) {
    log(`collect: spill ${r.file}: ${r.status}${r.status === 'replayed' || r.status === 'kept' ? `, ${r.written} of ${r.rows} ${r.table} rows written` : ''}${r.reason ? ` (${r.reason})` : ''}`);
  }
  const writers = Object.fromEntries(
    WRITTEN_TABLES.map((table) => [
      table,
      createWriter(db, table, {
        batchRows: 2000,
        flushIntervalMs: 200,
        maxQueueRows: options.maxBufferRows ?? 500_000,
        overflow: 'drop',
        // First receipt wins: a row's recv_ts is when it first became known, so re-polled metric
        // points, replayed frames or a second collector never move it later (point-in-time rule).
        onConflict: 'ignore',
        spillDir,
        onDrop: (count) => {
          if (table !== 'feed_events') events?.record({ source: 'db', kind: 'dropped', detail: { table, count } });
          log(`collect: buffer full, dropped ${count} ${table} rows`);
        },
        onRetry: (err, attempt) => {
          if (attempt === 1) log(`collect: database unavailable (${(err as Error).message}); buffering ${table} rows`);
        },
        onReject: (rows, reason) => log(`collect: ${rows.length} ${table} row(s) refused: ${reason}`),
      }),
    ]),
  ) as { [T in (typeof WRITTEN_TABLES)[number]]: BulkWriter<T> };
  events = new FeedEventLog(writers.feed_events);
  const staleAfterMs = (options.staleAfterSec ?? 30) * 1000;

  const upbit = new UpbitFeed({
    url: config.upbitWsUrl,
    markets: config.upbitMarkets,
    bars: writers.market_1s,
    events,
    staleAfterMs,
    log,
    onRawFrame: capture ? (d, t) => capture.write('upbit.ws', d, t) : undefined,
  });
  const binance = new BinanceFeed({
    baseUrl: config.binanceWsUrl,
    symbols: config.binanceSymbols,
    markPrices: writers.binance_mark_price_1s,
    forceOrders: writers.binance_force_orders,
    events,
    staleAfterMs: Math.min(staleAfterMs, 15_000),
    maxAgeMs: options.binanceMaxAgeSec !== undefined ? options.binanceMaxAgeSec * 1000 : undefined,
    log,
    onRawFrame: capture ? (d, t) => capture.write('binance.ws', d, t) : undefined,
  });
  const metrics = new MetricsPoller({ baseUrl: config.binanceRestUrl, symbols: config.binanceSymbols, pollSec: config.binancePollSec, writer: writers.binance_futures_metrics, events });
  const coinglass = new CoinglassPoller({
    baseUrl: config.coinglassUrl,
    apiKey: config.coinglassApiKey,
    enabled: config.coinglassEnabled,
    coins: [...new Set(config.binanceSymbols.map((s) => s.replace(/(USDT|USDC|BUSD)$/, '')))],
    pollSec: config.coinglassPollSec,
    maps: writers.coinglass_liquidation_map,
    calls: writers.coinglass_call_status,
    events,
    log,
  });

  // The streams it will open: the forceOrder liveness rules end an up-interval at a collector's
  // start (the one before may have died without a disconnect), and only for the streams it names.
  const shardText = options.shard ? `${options.shard.index}/${options.shard.count}` : undefined;
  events.record({ source: 'collector', kind: 'start', detail: { markets: config.upbitMarkets, symbols: config.binanceSymbols, streams: binance.streams, pid: process.pid, ...(shardText && { shard: shardText }) } });
  log(`collect: ${db.backend} ${db.location} (${db.role()}); ${shardText ? `shard ${shardText}: ` : ''}upbit ${config.upbitMarkets.join(',') || 'none'}, binance ${config.binanceSymbols.join(',') || 'none'}`);
  // A shard may hold a coin on one venue only: the other venue's feed is not started.
  if (config.upbitMarkets.length) upbit.start();
  if (config.binanceSymbols.length) {
    binance.start();
    metrics.start();
    coinglass.start();
  }

  const streams = [upbit.stats, binance.stats, metrics.stats, coinglass.stats];
  if (observed) await collectMetrics(observed.registry, { streams, events, writers });
  const ticker = setInterval(() => {
    upbit.tick(Date.now());
    events!.flushAggregates();
  }, 250);
  const prevFrames = new Map<string, number>();
  const statusEverySec = options.statusIntervalSec ?? (process.stderr.isTTY ? 5 : 60);
  const statusTimer = setInterval(() => {
    const pending = Object.values(writers).reduce((n, w) => n + w.pending, 0);
    if (options.jsonStatus) process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), streams, pendingRows: pending, ...(capture && { capture: captureState(capture) }) })}\n`);
    else if (structuredLog(log)) structuredLog(log)!.event('status', { streams, pendingRows: pending, ...(capture && { capture: captureState(capture) }) });
    else log(`${statusLine(streams, Date.now(), prevFrames, statusEverySec, pending)}${capture ? ` | ${capture.describe()}` : ''}`);
  }, statusEverySec * 1000);

  await sleepMs(options.durationSec === undefined ? Infinity : options.durationSec * 1000, options.signal, { unref: true });

  // Stop: sources first (closing emits the last complete seconds), then flush every writer.
  clearInterval(statusTimer);
  await upbit.drain();
  await Promise.all([upbit.stop(), binance.stop(), metrics.stop(), coinglass.stop()]);
  upbit.tick(Date.now());
  clearInterval(ticker);
  events.record({ source: 'collector', kind: 'stop', detail: { pid: process.pid } });
  events.flushAggregates();
  // All at once, so an outage costs one timeout, not one per table; feed_events last, as the
  // others may still record into it.
  const rowsUnwritten: Record<string, number> = {};
  const dataWriters = Object.entries(writers).filter(([table]) => table !== 'feed_events');
  await Promise.all(dataWriters.map(async ([table, w]) => (rowsUnwritten[table] = await w.close(5000))));
  rowsUnwritten.feed_events = await writers.feed_events.close(2000);
  const spillFiles: Record<string, string> = {};
  for (const [table, w] of Object.entries(writers)) {
    if (!w.spillFile) continue;
    spillFiles[table] = w.spillFile;
    log(`collect: ${rowsUnwritten[table]} ${table} rows not written, saved to ${w.spillFile} (the next start writes them)`);
  }
  await capture?.close();
  await observed?.server.close();
  await db.close().catch(() => {});

  const pick = (f: (w: BulkWriter<TableName>) => number) => Object.fromEntries(Object.entries(writers).map(([t, w]) => [t, f(w as BulkWriter<TableName>)]));
  return {
    startedAt: startedAt.toISOString(),
    stoppedAt: new Date().toISOString(),
    backend: db.backend,
    location: db.location,
    rowsWritten: pick((w) => w.stats.written),
    rowsRejected: pick((w) => w.stats.rejected),
    rowsDropped: pick((w) => w.stats.dropped),
    rowsUnwritten,
    spillFiles,
    spillReplayed,
    events: Object.fromEntries(events.counts),
    streams,
    captureFiles: capture?.files ?? [],
    ...(capture && { capture: captureState(capture) }),
  };
}

/** --metrics-port: the /metrics server, its URL logged (the bound port when 0 was asked). */
async function serveMetrics(options: CollectOptions, log: (line: string) => void) {
  if (options.metricsPort === undefined) return null;
  const { createRegistry, startMetricsServer } = await import('@cqt/metrics');
  const registry = createRegistry('collect');
  const host = options.metricsHost ?? '127.0.0.1';
  const server = await startMetricsServer(registry, { port: options.metricsPort, host }).catch((err: unknown) => {
    throw metricsListenError(err, host, options.metricsPort!);
  });
  log(`collect: metrics on ${server.url}`);
  return { registry, server };
}

const captureState = (c: FrameCapture) => ({ frames: c.frames, framesDropped: c.framesDropped, error: c.error });

export function output(result: CollectResult): CommandOutput {
  const lost = Object.values(result.rowsDropped).reduce((a, b) => a + b, 0) + Object.values(result.rowsUnwritten).reduce((a, b) => a + b, 0);
  return {
    exitCode: 0,
    json: result,
    human: () =>
      [
        `collected ${result.startedAt} → ${result.stoppedAt} into ${result.backend} ${result.location}`,
        ...Object.entries(result.rowsWritten).map(([t, n]) => `  ${t.padEnd(26)} ${n} rows${result.rowsRejected[t] ? `, ${result.rowsRejected[t]} refused` : ''}`),
        lost ? `  NOT WRITTEN: ${JSON.stringify({ dropped: result.rowsDropped, unwritten: result.rowsUnwritten })}` : '  nothing dropped',
        ...Object.entries(result.spillFiles).map(([t, f]) => `  ${t} unwritten rows saved to ${f}; the next start writes them`),
        ...(result.captureFiles.length ? [`  capture: ${result.captureFiles.join(', ')}`] : []),
        ...(result.capture?.error ? [`  CAPTURE STOPPED: ${result.capture.error}; ${result.capture.framesDropped} frames not captured`] : []),
        ...(result.capture && !result.capture.error && result.capture.framesDropped ? [`  capture fell behind the disk: ${result.capture.framesDropped} frames not captured`] : []),
      ].join('\n'),
  };
}
export { UpbitFeed } from './upbit.js';
export { FeedEventLog } from './events.js';

/**
 * What this collector subscribes to: the configured lists, or with --top N the first N of each
 * venue's universe as `cqt backfill --top` stored it (candle_universe); then, with --shard, this
 * shard's coins of those.
 */
async function instruments(db: Db, lists: { upbitMarkets: string[]; binanceSymbols: string[] }, options: CollectOptions): Promise<{ upbitMarkets: string[]; binanceSymbols: string[] }> {
  let { upbitMarkets, binanceSymbols } = lists;
  if (options.top !== undefined) {
    const [upbit, binance] = await Promise.all([readUniverse(db.sql, 'upbit'), readUniverse(db.sql, 'binance')]);
    if (!upbit.markets.length && !binance.markets.length) {
      throw new UsageError('--top: no Top-N universe in the store', 'rank one first: cqt backfill --venue upbit --top N --timeframe 1h --since 1d (and --venue binance)');
    }
    upbitMarkets = upbit.markets.slice(0, options.top).map((m) => m.symbol);
    binanceSymbols = binance.markets.slice(0, options.top).map((m) => m.symbol);
  }
  if (!options.shard) return { upbitMarkets, binanceSymbols };
  const { index, count } = options.shard;
  const cut = applyShard({ upbitMarkets, binanceSymbols }, options.shard);
  if (!cut.coins.length) {
    const coins = new Set([...upbitMarkets, ...binanceSymbols].map(coinOf)).size;
    throw new UsageError(`shard ${index}/${count} has no coin: the lists hold ${coins} coin${coins === 1 ? '' : 's'} for ${count} shards`, `run at most ${coins} shards, or add markets (CQT_UPBIT_MARKETS, CQT_BINANCE_SYMBOLS)`);
  }
  return { upbitMarkets: cut.upbitMarkets, binanceSymbols: cut.binanceSymbols };
}
