// `cqt gaps`: per candle series, the unknown ranges (never answered by the venue) and the
// exchange holes and pruned ranges inside a window; `--repair` fetches the unknown ones with the
// backfill engine and reports what is left. Exit 1 while unknown ranges remain: a cron gate.
import { withHandle } from '@cqt/checks';
import { UsageError, formatTable, loadConfig, paintText, type CommandOutput } from '@cqt/config';
import {
  backfillSeries, candleClient, candleCount, candleOpen, checkSymbols, checkTimeframes, checkVenue, closedEnd, listSeries, readCoverage, readCursor,
  seriesGaps, splitList, stepCandles, candleOpenAtOrAfter, type CandleClient, type Range, type Series, type Venue,
} from '@cqt/candles';
import { openDb, type Db } from '@cqt/db';

export interface GapsOptions {
  venue?: string;
  /** Comma lists or repeats. */
  symbols?: string[];
  timeframes?: string[];
  /** Window start, epoch ms; default each series' first covered candle. */
  from?: number;
  /** Window end (exclusive), epoch ms; default one candle after each series' cursor. */
  to?: number;
  /** Fetch the unknown ranges from the venue. */
  repair?: boolean;
  databaseUrl?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  db?: Db;
  /** "Now": a window never reaches past the candles closed by then. */
  nowMs?: number;
}

export interface RangeReport {
  from: string;
  to: string;
  candles: number;
}

export interface SeriesReport extends Series {
  /** The window looked at: [from, to) in candle open times. */
  from: string;
  to: string;
  cursor: string | null;
  unknown: RangeReport[];
  holes: RangeReport[];
  pruned: RangeReport[];
  /** With --repair: what the backfill fetched for this series. */
  repaired?: { candles: number; pages: number };
}

export interface GapsResult {
  series: SeriesReport[];
  unknownRanges: number;
  unknownCandles: number;
  holeCandles: number;
  prunedCandles: number;
  /** With --repair: totals over the series repaired. */
  repaired: { candles: number; pages: number; requests: number; rateLimited: number } | null;
}

/** Checks the flags: the filter on stored series and, when all three are named, the series themselves. */
export function plan(options: GapsOptions): { venue?: Venue; symbols: string[]; timeframes: string[] } {
  const venue = options.venue === undefined ? undefined : checkVenue(options.venue);
  const symbols = splitList(options.symbols);
  if (venue) checkSymbols(venue, symbols);
  const timeframes = splitList(options.timeframes);
  checkTimeframes(venue, timeframes);
  if (options.from !== undefined && options.to !== undefined && options.to <= options.from) {
    throw new UsageError(`--to ${new Date(options.to).toISOString()} is not after --from ${new Date(options.from).toISOString()}`, 'give a --to later than --from');
  }
  return { venue, symbols, timeframes };
}

/** The window of one series: --from/--to, else its stored history (first covered slot … cursor). */
async function windowOf(db: Db, s: Series, options: GapsOptions, nowMs: number): Promise<{ window: Range; cursor: number | null; coverage: Awaited<ReturnType<typeof readCoverage>> }> {
  const coverage = await readCoverage(db.sql, s);
  const cursor = await readCursor(db.sql, s);
  const firstMs = coverage.length ? Math.min(...coverage.map((c) => c.fromMs)) : undefined;
  const fromMs = options.from !== undefined ? candleOpen(s.timeframe, options.from) : firstMs;
  if (fromMs === undefined) {
    throw new UsageError(`no history yet for ${s.venue} ${s.symbol} ${s.timeframe}: no window to look for gaps in`, 'give --from TIME, or backfill the series first');
  }
  const historyEndMs = cursor !== null ? stepCandles(s.timeframe, cursor, 1) : Math.max(fromMs, ...coverage.map((c) => c.toMs));
  const wantedEndMs = options.to !== undefined ? candleOpenAtOrAfter(s.timeframe, options.to) : historyEndMs;
  // A candle not yet closed is not a gap.
  const toMs = Math.max(fromMs, Math.min(wantedEndMs, closedEnd(s.timeframe, nowMs)));
  return { window: { fromMs, toMs }, cursor, coverage };
}

const rangeReport = (timeframe: string) => (r: Range): RangeReport => ({ from: new Date(r.fromMs).toISOString(), to: new Date(r.toMs).toISOString(), candles: candleCount(timeframe, r) });

export async function run(options: GapsOptions = {}): Promise<GapsResult> {
  const env = options.env ?? process.env;
  const p = plan(options);
  const nowMs = options.nowMs ?? Date.now();
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
    const series = await listSeries(db.sql, p);
    // Series named in full are looked at even before their first backfill (all unknown from --from).
    if (p.venue && p.symbols.length && p.timeframes.length) {
      for (const symbol of p.symbols) {
        for (const timeframe of p.timeframes) {
          if (!series.some((s) => s.symbol === symbol && s.timeframe === timeframe)) series.push({ venue: p.venue, symbol, timeframe });
        }
      }
    }
    const clients = new Map<Venue, CandleClient>();
    const reports: SeriesReport[] = [];
    let repaired: GapsResult['repaired'] = null;
    for (const s of series) {
      let { window, cursor, coverage } = await windowOf(db, s, options, nowMs);
      let gaps = seriesGaps(window, coverage);
      let done: SeriesReport['repaired'];
      if (options.repair && gaps.unknown.length) {
        const client = clients.get(s.venue) ?? candleClient(s.venue, config);
        clients.set(s.venue, client);
        // The engine walks exactly the unknown parts of the window, page by page.
        const fetched = await backfillSeries(db.sql, client, s, { fromMs: window.fromMs, toMs: window.toMs });
        done = { candles: fetched.candles, pages: fetched.pages };
        repaired ??= { candles: 0, pages: 0, requests: 0, rateLimited: 0 };
        repaired.candles += fetched.candles;
        repaired.pages += fetched.pages;
        coverage = await readCoverage(db.sql, s);
        cursor = await readCursor(db.sql, s);
        gaps = seriesGaps(window, coverage);
      }
      const report = rangeReport(s.timeframe);
      reports.push({
        ...s,
        from: new Date(window.fromMs).toISOString(),
        to: new Date(window.toMs).toISOString(),
        cursor: cursor === null ? null : new Date(cursor).toISOString(),
        unknown: gaps.unknown.map(report),
        holes: gaps.holes.map(report),
        pruned: gaps.pruned.map(report),
        ...(done ? { repaired: done } : {}),
      });
    }
    if (repaired) {
      for (const client of clients.values()) {
        repaired.requests += client.stats.requests;
        repaired.rateLimited += client.stats.rateLimited;
      }
    }
    const sum = (pick: (r: SeriesReport) => RangeReport[]) => reports.reduce((n, r) => n + pick(r).reduce((m, g) => m + g.candles, 0), 0);
    return {
      series: reports,
      unknownRanges: reports.reduce((n, r) => n + r.unknown.length, 0),
      unknownCandles: sum((r) => r.unknown),
      holeCandles: sum((r) => r.holes),
      prunedCandles: sum((r) => r.pruned),
      repaired,
    };
  });
}

export function output(result: GapsResult): CommandOutput {
  return {
    exitCode: result.unknownRanges > 0 ? 1 : 0,
    json: result,
    human({ colour }) {
      const rows: string[][] = [];
      for (const s of result.series) {
        const name = `${s.venue} ${s.symbol} ${s.timeframe}`;
        const ranges = [
          ...s.unknown.map((r) => ['unknown', r] as const),
          ...s.holes.map((r) => ['exchange_hole', r] as const),
          ...s.pruned.map((r) => ['pruned', r] as const),
        ].sort((a, b) => a[1].from.localeCompare(b[1].from));
        if (ranges.length === 0) rows.push([name, 'complete', s.from, s.to, '-']);
        for (const [kind, r] of ranges) rows.push([name, kind, r.from, r.to, String(r.candles)]);
      }
      const table = rows.length ? formatTable(['series', 'kind', 'from (UTC)', 'to (UTC, exclusive)', 'candles'], rows, colour) : 'no candle series stored (run cqt backfill first)';
      const repaired = result.repaired ? `repaired: ${result.repaired.candles} candles in ${result.repaired.pages} pages (${result.repaired.requests} requests, ${result.repaired.rateLimited} rate-limited); ` : '';
      const verdict = result.unknownRanges > 0
        ? paintText(`${result.unknownRanges} unknown ranges (${result.unknownCandles} candles)`, 'bad', colour)
        : paintText('no unknown ranges', 'good', colour);
      return `${table}\n${repaired}${verdict}; ${result.holeCandles} exchange-hole candles, ${result.prunedCandles} pruned, in ${result.series.length} series`;
    },
  };
}
