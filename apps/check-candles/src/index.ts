// `cqt check candles`: per stored candle series at as-of
// - lag: seconds since its newest committed candle slot (the cursor) closed, against one candle
//   plus a grace — so a 1 d series is not late after an hour;
// - unknown: slots in the window never answered by the venue (window minus coverage, up to the
//   cursor; after it is lag);
// - corrupt: rows that arrived by as-of, in the window, violating low ≤ open, close ≤ high, with
//   a negative volume, or off the timeframe grid;
// - resampled (3m … 1d series with a 1 m series beside them): each native candle in the window
//   against the stored 1 m candles of its span joined (decision 91); a span with 1 m slots never
//   answered is unknown (warn), not a pass.
import {
  checkOutput, makeReport, measuredItem, resolveAsOfMs, resolveWindowSec, statedItem, withHandle,
  type CheckItem, type CheckReport, type CommonCheckOptions,
} from '@cqt/checks';
import {
  RESAMPLE_TOLERANCE, candleCount, candleOpen, candleOpenAtOrAfter, closedEnd, compareWithMinutes, comparedWithMinutes, listSeries, openTimes, readCoverage,
  seriesGaps, splitList, stepCandles, type Candle, type ResampleVerdict, type Series,
} from '@cqt/candles';
import { loadConfig, type CommandOutput } from '@cqt/config';
import { resolveFlag } from '@cqt/config/command';
import { openDb, type Db } from '@cqt/db';
import type { Sql } from 'postgres';
import { thresholds } from './command.js';

export interface CandlesCheckOptions extends CommonCheckOptions {
  lagGraceSec?: string | number;
  db?: Db;
}

interface CandleRow {
  ts: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Why a stored candle is corrupt, or null. */
export function corruption(timeframe: string, c: { tsMs: number; open: number; high: number; low: number; close: number; volume: number }): string | null {
  if (![c.open, c.high, c.low, c.close, c.volume].every(Number.isFinite)) return 'a value is not a finite number';
  if (c.low > Math.min(c.open, c.close)) return `low ${c.low} above min(open, close)`;
  if (c.high < Math.max(c.open, c.close)) return `high ${c.high} below max(open, close)`;
  if (c.volume < 0) return `negative volume ${c.volume}`;
  if (candleOpen(timeframe, c.tsMs) !== c.tsMs) return `ts off the ${timeframe} grid`;
  return null;
}

export async function run(options: CandlesCheckOptions = {}): Promise<CheckReport> {
  const env = options.env ?? process.env;
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir }, env });
  const windowSec = resolveWindowSec(options.window);
  const asOfMs = resolveAsOfMs(options.asOf);
  const graceSec = resolveFlag(thresholds.lagGraceSec, options.lagGraceSec, env);
  const symbols = splitList(options.symbols);
  return withHandle(options.db, () => openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }), async (db) => {
    const series = await listSeries(db.sql, { symbols });
    if (series.length === 0) {
      const source = { name: 'candles.series', table: 'ingest_state', column: 'last_closed_ts', symbol: null, windowSec: null };
      return makeReport('candles', asOfMs, windowSec, [statedItem(source, 'skip', 0, null, 'skipped: no candle series stored (run cqt backfill first)')]);
    }
    const items: CheckItem[] = [];
    const key = (s: Series) => `${s.venue}/${s.symbol}/${s.timeframe}`;
    const stored = new Set(series.map(key));
    for (const s of series) {
      items.push(...(await seriesItems(db.sql, s, asOfMs, windowSec, graceSec)));
      if (comparedWithMinutes(s.timeframe) && stored.has(key({ ...s, timeframe: '1m' }))) items.push(await resampledItem(db.sql, s, asOfMs, windowSec));
    }
    return makeReport('candles', asOfMs, windowSec, items);
  });
}

async function seriesItems(sql: Sql, s: Series, asOfMs: number, windowSec: number, graceSec: number): Promise<CheckItem[]> {
  const key = `${s.venue} ${s.symbol} ${s.timeframe}`;
  const source = (what: string, table: string, column: string, w: number | null) => ({ name: `candles.${what}[${key}]`, table, column, symbol: s.symbol, windowSec: w });
  const [state] = await sql<{ last: Date | null; updated: Date }[]>`
    select last_closed_ts as last, updated_at as updated from ingest_state where source = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe}`;
  const items: CheckItem[] = [];

  // Lag: the cursor, unless it moved after as-of (a replay): then the newest candle that had arrived.
  let cursorMs = state?.last?.getTime() ?? null;
  let note = 'cursor';
  if (state && state.updated.getTime() > asOfMs) {
    const [row] = await sql<{ ts: Date | null }[]>`
      select max(ts) as ts from candles where venue = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe} and recv_ts <= ${new Date(asOfMs)}`;
    cursorMs = row?.ts?.getTime() ?? null;
    note = 'newest candle received by as-of (the cursor moved after it)';
  }
  if (cursorMs === null) {
    items.push(statedItem(source('lag', 'ingest_state', 'last_closed_ts', null), 'fail', null, 'a committed candle', 'no candle committed by as-of'));
  } else {
    const closeMs = stepCandles(s.timeframe, cursorMs, 1);
    const candleSec = (closeMs - cursorMs) / 1000;
    const lagSec = Math.max(0, (asOfMs - closeMs) / 1000);
    items.push(measuredItem(source('lag', 'ingest_state', 'last_closed_ts', null), lagSec, 's', { max: candleSec + graceSec },
      `${note} ${new Date(cursorMs).toISOString()} closed ${Math.round(lagSec)} s before as-of; allowed one candle (${candleSec} s) + ${graceSec} s`));
  }

  // Unknown slots in the window, up to the cursor (after it is lag, judged above).
  const fromMs = candleOpenAtOrAfter(s.timeframe, asOfMs - windowSec * 1000);
  const toMs = Math.min(cursorMs === null ? fromMs : stepCandles(s.timeframe, cursorMs, 1), closedEnd(s.timeframe, asOfMs));
  const gaps = seriesGaps({ fromMs, toMs: Math.max(fromMs, toMs) }, await readCoverage(sql, s));
  const unknown = gaps.unknown.reduce((n, r) => n + candleCount(s.timeframe, r), 0);
  const first = gaps.unknown[0];
  items.push(measuredItem(source('unknown', 'candle_coverage', 'from_ts', windowSec), unknown, 'count', { max: 0 },
    first ? `${gaps.unknown.length} unknown ranges, first ${new Date(first.fromMs).toISOString()} → ${new Date(first.toMs).toISOString()}: run cqt gaps --repair` : 'every slot in the window was answered by the venue'));

  // Corrupt rows that had arrived by as-of.
  const rows = await sql<CandleRow[]>`
    select ts, open, high, low, close, volume from candles
    where venue = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe}
      and ts > ${new Date(asOfMs - windowSec * 1000)} and ts <= ${new Date(asOfMs)} and recv_ts <= ${new Date(asOfMs)}
    order by ts`;
  const bad = rows.map((r) => ({ ts: r.ts, why: corruption(s.timeframe, { ...r, tsMs: r.ts.getTime() }) })).filter((r) => r.why !== null);
  items.push(measuredItem(source('corrupt', 'candles', 'open,high,low,close,volume,ts', windowSec), bad.length, 'count', { max: 0 },
    bad.length ? `${bad.length} of ${rows.length} rows; first ${bad[0].ts.toISOString()}: ${bad[0].why}` : `${rows.length} rows checked`));
  return items;
}

const rowsToCandles = (rows: Array<CandleRow & { quote_volume: number | null; trade_count: number | null }>): Candle[] =>
  rows.map((r) => ({ openMs: r.ts.getTime(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, quoteVolume: r.quote_volume, tradeCount: r.trade_count }));

async function readCandles(sql: Sql, s: Series, fromMs: number, toMs: number): Promise<Candle[]> {
  return rowsToCandles(await sql`
    select ts, open, high, low, close, volume, quote_volume, trade_count from candles
    where venue = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe} and ts >= ${new Date(fromMs)} and ts < ${new Date(toMs)}
    order by ts`);
}

/**
 * Native candles of the window (closed by as-of) against their 1 m candles joined. A slot counts
 * when it has a native row, or the native series queried it without a candle (no trade on Upbit)
 * while its minutes traded. Fails on any disagreement; warns when some could not be compared.
 */
async function resampledItem(sql: Sql, s: Series, asOfMs: number, windowSec: number): Promise<CheckItem> {
  const minute: Series = { ...s, timeframe: '1m' };
  const source = { name: `candles.resampled[${s.venue} ${s.symbol} ${s.timeframe}]`, table: 'candles', column: 'open,high,low,close,volume,quote_volume', symbol: s.symbol, windowSec };
  const fromMs = candleOpenAtOrAfter(s.timeframe, asOfMs - windowSec * 1000);
  const toMs = Math.max(fromMs, closedEnd(s.timeframe, asOfMs));
  const natives = new Map((await readCandles(sql, s, fromMs, toMs)).map((c) => [c.openMs, c]));
  const nativeQueried = (await readCoverage(sql, s, ['queried'])).map((c) => ({ fromMs: Math.max(c.fromMs, fromMs), toMs: Math.min(c.toMs, toMs) })).filter((c) => c.toMs > c.fromMs);
  const slots = new Set(natives.keys());
  for (const r of nativeQueried) for (const t of openTimes(s.timeframe, r.fromMs, r.toMs)) slots.add(t);
  const minutes = await readCandles(sql, minute, fromMs, toMs);
  const coverage = await readCoverage(sql, minute);
  let agree = 0;
  let unknown = 0;
  const bad: Array<{ openMs: number; v: Extract<ResampleVerdict, { kind: 'disagree' }> }> = [];
  for (const openMs of [...slots].sort((a, b) => a - b)) {
    const v = compareWithMinutes(s.timeframe, openMs, natives.get(openMs) ?? null, minutes, coverage);
    if (v.kind === 'agree') agree++;
    else if (v.kind === 'unknown') unknown++;
    else bad.push({ openMs, v });
  }
  const tolerance = `prices within ${RESAMPLE_TOLERANCE.priceRel} relative, volumes within ${RESAMPLE_TOLERANCE.volumeRel} relative + ${RESAMPLE_TOLERANCE.volumeAbsPerMinute} per minute`;
  const counts = `${agree} agree, ${bad.length} disagree, ${unknown} unknown (1 m not answered over their span)`;
  const item = measuredItem(source, bad.length, 'count', { max: 0 }, '');
  if (bad.length > 0) {
    const { openMs, v } = bad[0];
    const what = v.field === 'candle' ? `no ${s.timeframe} candle but its 1 m candles traded ${v.resampled}` : `${s.timeframe} ${v.field} ${v.native} vs 1 m joined ${v.resampled}`;
    return { ...item, detail: `${counts}; first ${new Date(openMs).toISOString()}: ${what} (${tolerance})` };
  }
  if (slots.size === 0) return { ...item, status: 'skip', detail: `no ${s.timeframe} candle in the window to compare` };
  if (unknown > 0) return { ...item, status: 'warn', detail: `${counts}: run cqt gaps --repair on the 1 m series` };
  return { ...item, detail: `${counts} (${tolerance})` };
}

export function output(report: CheckReport): CommandOutput {
  return checkOutput([report]);
}
