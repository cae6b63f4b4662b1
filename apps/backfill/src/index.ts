// `cqt backfill`: for each (symbol, timeframe) of one venue, the candles not yet covered from
// --from/--since (or the series' cursor) to --to (or the newest closed candle), fetched page by
// page within the venue's rate limits and committed page by page (packages/candles).
import { withHandle } from '@cqt/checks';
import { UsageError, loadConfig, type CommandOutput } from '@cqt/config';
import { SYMBOL_FORM, backfillSeries, candleClient, checkSymbols, checkTimeframes, checkVenue, splitList, type SeriesResult, type Venue } from '@cqt/candles';
import { openDb, type Db } from '@cqt/db';

export interface BackfillOptions {
  venue?: string;
  /** Comma lists or repeats. */
  symbols?: string[];
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
}

export interface BackfillResult {
  venue: Venue;
  series: SeriesResult[];
  candles: number;
  pages: number;
  requests: number;
  /** 429/418 answers received (0 unless another client spends the same IP's budget). */
  rateLimited: number;
  elapsedMs: number;
}

/** Checks the flags; returns the venue, symbols, timeframes and window. */
export function plan(options: BackfillOptions, nowMs: number): { venue: Venue; symbols: string[]; timeframes: string[]; fromMs?: number; toMs?: number } {
  const venue = checkVenue(options.venue);
  const symbols = splitList(options.symbols);
  if (symbols.length === 0) throw new UsageError('missing --symbol', `give the markets to backfill, e.g. --symbol ${SYMBOL_FORM[venue].example}`);
  checkSymbols(venue, symbols);
  const timeframes = splitList(options.timeframes ?? ['1m']);
  checkTimeframes(venue, timeframes);
  if (options.from !== undefined && options.since !== undefined) throw new UsageError('--from and --since both given', 'give one start: --from TIME or --since DURATION');
  const fromMs = options.from ?? (options.since !== undefined ? nowMs - options.since * 1000 : undefined);
  if (options.to !== undefined && fromMs !== undefined && options.to <= fromMs) {
    throw new UsageError(`--to ${new Date(options.to).toISOString()} is not after the start ${new Date(fromMs).toISOString()}`, 'give a --to later than --from/--since');
  }
  return { venue, symbols, timeframes, fromMs, toMs: options.to };
}

export async function run(options: BackfillOptions = {}): Promise<BackfillResult> {
  const env = options.env ?? process.env;
  const startedMs = Date.now();
  const p = plan(options, options.nowMs ?? startedMs);
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const client = candleClient(p.venue, config);
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
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
    return { venue: p.venue, series, candles, pages, requests: client.stats.requests, rateLimited: client.stats.rateLimited, elapsedMs: Date.now() - startedMs };
  });
}

export function output(result: BackfillResult): CommandOutput {
  return {
    exitCode: 0,
    json: result,
    human: () => {
      const cursors = result.series.map((s) => `${s.symbol} ${s.timeframe} → ${s.cursor ?? 'none'}`).join(', ');
      return `backfill ${result.venue}: ${result.candles} candles in ${result.pages} pages (${result.requests} requests, ${result.rateLimited} rate-limited) in ${(result.elapsedMs / 1000).toFixed(1)} s; cursors: ${cursors}`;
    },
  };
}
