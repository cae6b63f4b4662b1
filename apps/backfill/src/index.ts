// `cqt backfill`: for each (symbol, timeframe) of one venue, the candles not yet covered from
// --from/--since (or the series' cursor) to --to (or the newest closed candle), fetched page by
// page within the venue's rate limits and committed page by page (packages/candles).
import { withHandle } from '@cqt/checks';
import { UsageError, createLogger, loadConfig, metricsListenError, type CommandOutput, type LogFormat } from '@cqt/config';
import { SYMBOL_FORM, backfillSeries, candleClient, chooseTop, follow, type TopMarket, checkSymbols, checkTimeframes, checkVenue, splitList, type SeriesResult, type Venue } from '@cqt/candles';
import { openDb, type Db } from '@cqt/db';
import { backfillMetrics, type BackfillMetrics, type CallCounts } from './observe.js';

export interface BackfillOptions {
  venue?: string;
  /** Comma lists or repeats. */
  symbols?: string[];
  /** Instead of symbols: the venue's N most traded markets over 24 h (stored as the universe). */
  top?: number;
  timeframes?: string[];
  /** Start, epoch ms. */
  from?: number;
  /** Start as seconds before now. */
  since?: number;
  /** End (exclusive), epoch ms. */
  to?: number;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  db?: Db;
  /** "Now" for --since; default the local clock (closed candles are judged by the venue's). */
  nowMs?: number;
  /** A progress line after every page. */
  onPage?: (line: string) => void;
  /** Keep every series current until `signal` aborts, waking just after each candle closes. */
  follow?: boolean;
  /** With --top and --follow: seconds between re-ranks (default 3600). */
  rerank?: number;
  signal?: AbortSignal;
  /** With --follow: one line per pass (stderr). */
  log?: (line: string) => void;
  /** With --follow and no `log`: human lines (with the time), or JSON objects (--log-format json). */
  logFormat?: LogFormat;
  /** Serve Prometheus /metrics on this port while it runs (0: a free one, logged). */
  metricsPort?: number;
  metricsHost?: string;
}

export interface BackfillResult {
  venue: Venue;
  /** With --top: the markets chosen, by rank. */
  universe?: TopMarket[];
  series: SeriesResult[];
  candles: number;
  pages: number;
  requests: number;
  /** 429/418 answers received (0 unless another client spends the same IP's budget). */
  rateLimited: number;
  elapsedMs: number;
  /** With --follow: passes run and how many failed (and were retried); with --top, re-ranks. */
  follow?: { passes: number; failedPasses: number; reranks?: number; failedReranks?: number };
}

/** Checks the flags; returns the venue, symbols, timeframes and window. */
export function plan(options: BackfillOptions, nowMs: number): { venue: Venue; symbols: string[]; top?: number; timeframes: string[]; fromMs?: number; toMs?: number; rerankSec?: number } {
  const venue = checkVenue(options.venue);
  const symbols = splitList(options.symbols);
  if (symbols.length && options.top !== undefined) throw new UsageError('--symbol and --top both given', 'give the markets (--symbol) or how many of the most traded (--top N), not both');
  if (symbols.length === 0 && options.top === undefined) throw new UsageError('missing --symbol', `give the markets to backfill, e.g. --symbol ${SYMBOL_FORM[venue].example}, or --top 10`);
  checkSymbols(venue, symbols);
  const timeframes = splitList(options.timeframes ?? ['1m']);
  checkTimeframes(venue, timeframes);
  if (options.from !== undefined && options.since !== undefined) throw new UsageError('--from and --since both given', 'give one start: --from TIME or --since DURATION');
  if (options.follow && options.to !== undefined) throw new UsageError('--follow and --to both given', '--follow keeps series current up to now; drop --to, or drop --follow for a fixed window');
  if (options.rerank !== undefined && !(options.follow && options.top !== undefined)) throw new UsageError('--rerank without --top and --follow', 're-ranking applies to a followed Top-N universe: add --top N --follow, or drop --rerank');
  if (options.rerank !== undefined && options.rerank < 1) throw new UsageError(`--rerank ${options.rerank} s is too short`, 'give at least 1s (1h is the default)');
  const fromMs = options.from ?? (options.since !== undefined ? nowMs - options.since * 1000 : undefined);
  if (options.to !== undefined && fromMs !== undefined && options.to <= fromMs) {
    throw new UsageError(`--to ${new Date(options.to).toISOString()} is not after the start ${new Date(fromMs).toISOString()}`, 'give a --to later than --from/--since');
  }
  const rerankSec = options.follow && options.top !== undefined ? (options.rerank ?? 3600) : undefined;
  return { venue, symbols, top: options.top, timeframes, fromMs, toMs: options.to, rerankSec };
}

export async function run(options: BackfillOptions = {}): Promise<BackfillResult> {
  const env = options.env ?? process.env;
  const startedMs = Date.now();
  const p = plan(options, options.nowMs ?? startedMs);
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const log = options.log ?? (options.follow ? createLogger({ command: 'backfill', format: options.logFormat, env, humanTime: true }) : undefined);
  // Following, every retried failure is one line of the log (an outage shows as it happens).
  const client = candleClient(p.venue, config, options.follow ? log : undefined);
  const observed = await serveMetrics(options, p.venue, client.stats, log);
  options = { ...options, log };
  try {
    return await backfillWith(options, p, config, client, startedMs, observed?.metrics);
  } finally {
    await observed?.server.close();
  }
}

/** --metrics-port: the /metrics server, its URL logged (the bound port when 0 was asked). */
async function serveMetrics(options: BackfillOptions, venue: string, calls: CallCounts, log: ((line: string) => void) | undefined) {
  if (options.metricsPort === undefined) return null;
  const { createRegistry, startMetricsServer } = await import('@cqt/metrics');
  const registry = createRegistry('backfill');
  const metrics = await backfillMetrics(registry, venue, calls);
  const host = options.metricsHost ?? '127.0.0.1';
  const server = await startMetricsServer(registry, { port: options.metricsPort, host }).catch((err: unknown) => {
    throw metricsListenError(err, host, options.metricsPort!);
  });
  (log ?? ((line: string) => process.stderr.write(`${line}\n`)))(`backfill: metrics on ${server.url}`);
  return { metrics, server };
}

async function backfillWith(
  options: BackfillOptions,
  p: ReturnType<typeof plan>,
  config: ReturnType<typeof loadConfig>['values'],
  client: ReturnType<typeof candleClient>,
  startedMs: number,
  metrics: BackfillMetrics | undefined,
): Promise<BackfillResult> {
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
    let universe: TopMarket[] | undefined;
    if (p.top !== undefined) {
      universe = (await chooseTop(db.sql, client, p.top)).markets;
      p.symbols = universe.map((m) => m.symbol);
    }
    if (options.follow) {
      const seriesOf = (symbols: string[]) => symbols.flatMap((symbol) => p.timeframes.map((timeframe) => ({ venue: p.venue, symbol, timeframe })));
      const all = seriesOf(p.symbols);
      const top = p.top;
      const names = (list: Array<{ symbol: string; timeframe: string }>) => (list.length ? list.map((s) => `${s.symbol} ${s.timeframe}`).join(', ') : 'none');
      const done = await follow(db.sql, () => client, all, {
        // --since counts back from when a series enters the universe; --from is fixed.
        fromMs: options.since !== undefined ? () => Date.now() - options.since! * 1000 : p.fromMs,
        signal: options.signal,
        ...(top !== undefined && p.rerankSec !== undefined ? {
          rerank: {
            everyMs: p.rerankSec * 1000,
            choose: async () => {
              universe = (await chooseTop(db.sql, client, top)).markets;
              return seriesOf(universe.map((m) => m.symbol));
            },
            onRerank: (change, error, nextMs) => {
              metrics?.rerank(Boolean(error || !change));
              const next = new Date(nextMs).toISOString();
              options.log?.(error || !change
                ? `rerank top ${top} ${p.venue}: failed (${error?.message}); universe kept, retry at ${next}`
                : `rerank top ${top} ${p.venue}: ${universe!.map((m) => `${m.rank}. ${m.symbol}`).join(', ')}; entering ${names(change.entering)}; leaving ${names(change.leaving)}; next at ${next}`);
            },
          },
        } : {}),
        onPass: (result, error, state) => {
          metrics?.pass(state.series.timeframe, result?.candles ?? 0, Boolean(error));
          const name = `${state.series.venue} ${state.series.symbol} ${state.series.timeframe}`;
          const next = new Date(state.dueMs).toISOString();
          options.log?.(error
            ? `follow ${name}: failed (${error.message}); retry ${state.failures} at ${next}`
            : `follow ${name}: ${result!.candles} candles, cursor ${result!.cursor ?? 'none'}; next at ${next}`);
        },
      });
      return {
        venue: p.venue, ...(universe ? { universe } : {}), series: [], candles: done.candles, pages: done.pages,
        requests: client.stats.requests, rateLimited: client.stats.rateLimited, elapsedMs: Date.now() - startedMs,
        follow: { passes: done.passes, failedPasses: done.failedPasses, ...(top !== undefined ? { reranks: done.reranks, failedReranks: done.failedReranks } : {}) },
      };
    }
    const series: SeriesResult[] = [];
    let candles = 0;
    let pages = 0;
    for (const symbol of p.symbols) {
      for (const timeframe of p.timeframes) {
        const seriesStartMs = Date.now();
        const done = await backfillSeries(db.sql, client, { venue: p.venue, symbol, timeframe }, {
          fromMs: p.fromMs,
          toMs: p.toMs,
          onPage: (_, page) => {
            candles += page.candles;
            pages++;
            const perSec = candles / Math.max(0.001, (Date.now() - startedMs) / 1000);
            // ETA of this series from the share of its window walked (pages cost about the same).
            const etaSec = page.done > 0 ? ((Date.now() - seriesStartMs) / 1000) * (1 / page.done - 1) : NaN;
            options.onPage?.(
              `backfill ${p.venue} ${symbol} ${timeframe}: ${candles} candles, ${pages} pages, ${perSec.toFixed(0)} candles/s, ` +
                `${(page.done * 100).toFixed(0)} %${Number.isFinite(etaSec) ? `, ETA ${Math.ceil(etaSec)} s` : ''}`,
            );
          },
        });
        series.push(done);
      }
    }
    return { venue: p.venue, ...(universe ? { universe } : {}), series, candles, pages, requests: client.stats.requests, rateLimited: client.stats.rateLimited, elapsedMs: Date.now() - startedMs };
  });
}

/** 1.23e9 → "1.23 G": enough to compare markets at a glance. */
function formatVolume(value: number): string {
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const [scale, unit] = units.find(([s]) => value >= s) ?? [1, ''];
  return `${(value / scale).toFixed(2)}${unit ? ` ${unit}` : ''}`;
}

export function output(result: BackfillResult): CommandOutput {
  return {
    exitCode: 0,
    json: result,
    human: () => {
      const cursors = result.series.map((s) => `${s.symbol} ${s.timeframe} → ${s.cursor ?? 'none'}`).join(', ');
      const quote = result.venue === 'upbit' ? 'KRW' : 'USDT';
      const top = result.universe
        ? `top ${result.universe.length} ${result.venue} by 24 h traded value: ${result.universe.map((m) => `${m.rank}. ${m.symbol} (${formatVolume(m.quoteVolume24h)} ${quote})`).join(', ')}\n`
        : '';
      if (result.follow) {
        const reranks = result.follow.reranks !== undefined ? `, ${result.follow.reranks} re-ranks (${result.follow.failedReranks} failed)` : '';
        return `${top}backfill --follow ${result.venue}: stopped after ${result.follow.passes} passes (${result.follow.failedPasses} failed and retried)${reranks}: ${result.candles} candles in ${result.pages} pages (${result.requests} requests, ${result.rateLimited} rate-limited) in ${(result.elapsedMs / 1000).toFixed(1)} s`;
      }
      return `${top}backfill ${result.venue}: ${result.candles} candles in ${result.pages} pages (${result.requests} requests, ${result.rateLimited} rate-limited) in ${(result.elapsedMs / 1000).toFixed(1)} s; cursors: ${cursors}`;
    },
  };
}
