// `cqt predict --timeframe 1h`: barrier probabilities on candle boundaries from the candle history
// (`cqt backfill [--follow]` fills it). The engine is @cqt/features' CandlePredictor; this file is
// the loop around it:
// - live: every --poll, compute each boundary after the newest one written, up to the newest
//   candle stored and closed by the clock; each row is written once (insert … on conflict do
//   nothing), so a restart resumes where the last run stopped. The first run starts at the newest
//   closed candle (history is --backfill's job).
// - --backfill --from --to: every boundary in the range, in chunks; rows already there stay.
// A boundary whose K + 1 input candles are not all stored is a gap: logged, nothing written.
import { UsageError, sleepMs, type CommandOutput } from '@cqt/config';
import { candleFlags } from './candleFlags.js';
import type { Db } from '@cqt/db';
import { CANDLE_TIMEFRAMES, CandlePredictor, timeframeMs, writeCandlePredictions, type BoundaryOutcome } from '@cqt/features';

export interface CandleOptions {
  symbol: string;
  venue?: string;
  timeframe: string;
  horizonCandles?: number;
  lookbackCandles?: number;
  kVol?: number;
  rMinBps?: number;
  pollSec?: number;
  backfill?: boolean;
  fromMs?: number;
  toMs?: number;
  durationSec?: number;
  /** The clock a candle must have closed by (tests inject one); default Date.now. */
  clockMs?: () => number;
  signal?: AbortSignal;
  log: (line: string) => void;
}

export interface CandleRunResult {
  mode: 'candles-live' | 'candles-backfill';
  venue: string;
  symbol: string;
  timeframe: string;
  horizonCandles: number;
  lookbackCandles: number;
  backend: string;
  location: string;
  /** Boundaries written by this run (first and last ts, ISO 8601). */
  written: number;
  /** Boundaries already written before (left as they were). */
  kept: number;
  /** Boundaries skipped for missing candles (each logged). */
  gaps: number;
  firstTs: string | null;
  lastTs: string | null;
  last: Record<string, unknown> | null;
}

/** Boundaries per read and write in --backfill. */
const BACKFILL_CHUNK = 1000;
const iso = (ms: number) => new Date(ms).toISOString();

export function candlePredictor(options: CandleOptions): CandlePredictor {
  const venue = options.venue ?? candleFlags.venue.default;
  if (venue !== 'upbit' && venue !== 'binance') throw new UsageError(`invalid --venue "${venue}"`, 'upbit or binance');
  if (timeframeMs(options.timeframe) === undefined) {
    throw new UsageError(`--timeframe ${options.timeframe} is not supported for predictions`, `one of ${CANDLE_TIMEFRAMES.join(' ')} (1M has no fixed candle length)`);
  }
  const whole = (v: number, flag: string) => {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`invalid ${flag} ${v}`, 'a whole number ≥ 1');
    return v;
  };
  const kVol = options.kVol ?? 1;
  const rMinBps = options.rMinBps ?? 5;
  if (!(kVol > 0 && kVol < Infinity)) throw new UsageError(`invalid --k-vol ${kVol}`, 'a number > 0 for candle predictions');
  return new CandlePredictor(
    { venue, symbol: options.symbol, timeframe: options.timeframe },
    {
      horizonCandles: whole(options.horizonCandles ?? candleFlags.horizonCandles.default, '--horizon-candles'),
      lookbackCandles: whole(options.lookbackCandles ?? candleFlags.lookbackCandles.default, '--lookback-candles'),
      kVol,
      rMin: rMinBps / 10_000,
    },
  );
}

/** Skipped boundaries logged one line each per pass or backfill chunk. */
const GAP_LINES = 20;

class CandleTally {
  written = 0;
  kept = 0;
  gaps = 0;
  private gapsBefore = 0;
  firstTs: number | null = null;
  lastTs: number | null = null;
  last: Record<string, unknown> | null = null;

  /** Writes the computed rows of `outcomes` once, logs each gap. */
  async take(db: Db, outcomes: BoundaryOutcome[], log: (line: string) => void, label: string): Promise<void> {
    const rows = [];
    // One line per skipped boundary, up to GAP_LINES per pass or chunk; the rest as one count.
    let unlisted = 0;
    let lastUnlistedMs = 0;
    for (const o of outcomes) {
      if (o.ok) rows.push(o.row);
      else {
        this.gaps++;
        if (this.gaps - unlisted <= this.gapsBefore + GAP_LINES) log(`predict: ${label} boundary ${iso(o.tsMs)} skipped: ${o.reason}`);
        else (unlisted++, (lastUnlistedMs = o.tsMs));
      }
    }
    if (unlisted) log(`predict: ${label} ${unlisted} more boundaries skipped for missing candles, up to ${iso(lastUnlistedMs)}`);
    this.gapsBefore = this.gaps;
    const inserted = await writeCandlePredictions(db, rows);
    this.written += inserted;
    this.kept += rows.length - inserted;
    if (rows.length) {
      const lastRow = rows[rows.length - 1];
      this.firstTs ??= rows[0].ts.getTime();
      this.lastTs = lastRow.ts.getTime();
      this.last = { ts: iso(this.lastTs), close: lastRow.close, sigma: lastRow.sigma, r_t: lastRow.rT, p_up: lastRow.pUp, p_down: lastRow.pDown, p_none: lastRow.pNone };
    }
  }

  result(mode: CandleRunResult['mode'], db: Db, p: CandlePredictor): CandleRunResult {
    return {
      mode,
      ...p.series,
      horizonCandles: p.settings.horizonCandles,
      lookbackCandles: p.settings.lookbackCandles,
      backend: db.backend,
      location: db.location,
      written: this.written,
      kept: this.kept,
      gaps: this.gaps,
      firstTs: this.firstTs === null ? null : iso(this.firstTs),
      lastTs: this.lastTs === null ? null : iso(this.lastTs),
      last: this.last,
    };
  }
}

export async function runCandles(db: Db, options: CandleOptions): Promise<CandleRunResult> {
  const p = candlePredictor(options);
  const clock = options.clockMs ?? Date.now;
  const { venue, symbol, timeframe } = p.series;
  const label = `${venue} ${symbol} ${timeframe}`;
  const tally = new CandleTally();
  if (options.backfill) {
    const fromMs = options.fromMs!;
    const toMs = options.toMs!;
    if (toMs < fromMs) throw new UsageError(`--to ${iso(toMs)} is before --from ${iso(fromMs)}`, 'swap them');
    for (let chunkMs = fromMs; chunkMs <= toMs && !options.signal?.aborted; chunkMs += BACKFILL_CHUNK * p.stepMs) {
      const chunkEndMs = Math.min(toMs, chunkMs + BACKFILL_CHUNK * p.stepMs - 1);
      await tally.take(db, await p.compute(db, chunkMs, chunkEndMs, clock()), options.log, label);
    }
    options.log(`predict: backfill ${label} N=${p.settings.horizonCandles}: ${tally.written} written, ${tally.kept} already there, ${tally.gaps} gaps`);
    return tally.result('candles-backfill', db, p);
  }
  const pollMs = (options.pollSec ?? candleFlags.pollSec.default) * 1000;
  const endMs = options.durationSec === undefined ? Infinity : Date.now() + options.durationSec * 1000;
  options.log(`predict: ${label} on candle closes, N=${p.settings.horizonCandles} K=${p.settings.lookbackCandles}, into ${db.backend} ${db.location}`);
  // Each pass: boundaries after the newest written one (or, in this run, the newest one judged:
  // a skipped boundary is logged once), up to the newest candle closed by the clock.
  let doneMs: number | null = null;
  for (;;) {
    try {
      const clockMs = clock();
      const newestMs = await p.newestClosedBoundary(db, clockMs);
      if (newestMs !== null) {
        const lastMs = await p.lastWritten(db);
        const afterMs = Math.max(lastMs ?? -Infinity, doneMs ?? -Infinity);
        const fromMs = afterMs === -Infinity ? newestMs : afterMs + p.stepMs;
        if (fromMs <= newestMs) {
          await tally.take(db, await p.compute(db, fromMs, newestMs, clockMs), options.log, label);
          doneMs = newestMs;
        }
      }
    } catch (err) {
      options.log(`predict: ${label} pass failed: ${(err as Error).message}`);
    }
    const waitMs = Math.min(pollMs, endMs - Date.now());
    if (waitMs <= 0 || !(await sleepMs(waitMs, options.signal))) break;
  }
  return tally.result('candles-live', db, p);
}

export function candleOutput(result: CandleRunResult): CommandOutput {
  const human = () =>
    [
      `predict ${result.mode === 'candles-live' ? 'live' : 'backfill'} ${result.venue} ${result.symbol} ${result.timeframe} into ${result.backend} ${result.location}: ` +
        `${result.written} boundaries written` +
        (result.firstTs ? ` ${result.firstTs} → ${result.lastTs}` : '') +
        (result.kept ? `, ${result.kept} already there` : '') +
        (result.gaps ? `, ${result.gaps} skipped for missing candles` : ''),
      `  horizon ${result.horizonCandles} candles, sigma from ${result.lookbackCandles} returns`,
      ...(result.last ? [`  last: ${result.last.ts} close ${result.last.close} r_t ${Number(result.last.r_t).toFixed(5)} p_up ${Number(result.last.p_up).toFixed(3)} p_down ${Number(result.last.p_down).toFixed(3)} p_none ${Number(result.last.p_none).toFixed(3)}`] : []),
    ].join('\n');
  return { exitCode: 0, json: result, human };
}
