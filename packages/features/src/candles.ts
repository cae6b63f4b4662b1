// Barrier probabilities on candle boundaries (`cqt predict --timeframe 1h`): for each closed
// candle of a series, a prediction whose ts is that candle's close, computed from closed candles
// only, for the barrier outcome over the next N candles. Model (decision 138): the Brownian
// first-passage baseline in candle units — sigma = standard deviation of the last K close-to-close
// log returns, barriers close·(1 ± r), r = max(k·sigma·√N, r_min), watched once per candle close.
//
// Rules: a boundary is computed only when its candle is stored closed AND the clock (the exchange
// clock stand-in, injectable) has passed its close by the store's 1 s grace; inputs are the K + 1
// candles opening in [close − (K+1) candles, close) — a candle with a later open cannot enter; any
// one of them missing is a gap: no row, a log line, never an interpolated value.
import type { Db } from '@cqt/db';
import { BrownianFirstPassage, type BarrierModel } from './model.js';

const MINUTE_MS = 60_000;
// Fixed-length timeframes on the epoch grid, as packages/candles/src/timeframes.ts (features does
// not depend on the candle client package). 1w opens on Monday (epoch + 4 d); 1M has no fixed length.
const TIMEFRAME_MS: Record<string, number> = {
  '1m': MINUTE_MS, '3m': 3 * MINUTE_MS, '5m': 5 * MINUTE_MS, '10m': 10 * MINUTE_MS, '15m': 15 * MINUTE_MS, '30m': 30 * MINUTE_MS,
  '1h': 60 * MINUTE_MS, '2h': 120 * MINUTE_MS, '4h': 240 * MINUTE_MS, '6h': 360 * MINUTE_MS, '8h': 480 * MINUTE_MS, '12h': 720 * MINUTE_MS,
  '1d': 1440 * MINUTE_MS, '1w': 7 * 1440 * MINUTE_MS,
};
const WEEK_OFFSET_MS = 4 * 1440 * MINUTE_MS;
/** The candle store's closed-candle grace: closed when open + one candle + 1 s ≤ the venue's clock. */
export const CANDLE_CLOSE_GRACE_MS = 1000;

export const CANDLE_TIMEFRAMES = Object.keys(TIMEFRAME_MS);

/** One candle's length in ms; undefined for a timeframe without a fixed length (1M) or unknown. */
export function timeframeMs(timeframe: string): number | undefined {
  return Object.hasOwn(TIMEFRAME_MS, timeframe) ? TIMEFRAME_MS[timeframe] : undefined;
}

/** The candle boundary (a close time on the timeframe's grid) at or before tsMs. */
export function boundaryAtOrBefore(timeframe: string, tsMs: number): number {
  const stepMs = TIMEFRAME_MS[timeframe];
  const offset = timeframe === '1w' ? WEEK_OFFSET_MS : 0;
  return Math.floor((tsMs - offset) / stepMs) * stepMs + offset;
}

export interface CandleSeriesKey {
  venue: string;
  symbol: string;
  timeframe: string;
}

export interface CandlePredictionSettings {
  /** N: the barrier outcome over the next N candles. */
  horizonCandles: number;
  /** K: returns used for sigma (K + 1 closed candles). */
  lookbackCandles: number;
  /** Barrier width in horizon volatilities. */
  kVol: number;
  /** Floor on r (a fraction: 0.0005 = 5 bp). */
  rMin: number;
}

export const CANDLE_MODEL = 'brownian_first_passage_candles';
const CANDLE_MODEL_VERSION = 1;

/** What candle_predictions holds for one boundary (drizzle property names). */
export interface CandlePredictionRow {
  venue: string;
  symbol: string;
  timeframe: string;
  ts: Date;
  horizonCandles: number;
  model: string;
  modelVersion: string;
  close: number;
  sigma: number;
  rT: number;
  kVol: number;
  lookbackCandles: number;
  pUp: number;
  pDown: number;
  pNone: number;
  inputsMaxTs: Date;
}

export type BoundaryOutcome = { ok: true; row: CandlePredictionRow } | { ok: false; tsMs: number; reason: string };

interface StoredCandle {
  openMs: number;
  close: number;
}

export class CandlePredictor {
  readonly stepMs: number;
  private readonly model: BarrierModel;

  constructor(
    readonly series: CandleSeriesKey,
    readonly settings: CandlePredictionSettings,
  ) {
    const stepMs = timeframeMs(series.timeframe);
    if (stepMs === undefined) throw new RangeError(`timeframe ${series.timeframe} has no fixed candle length; one of ${CANDLE_TIMEFRAMES.join(' ')}`);
    this.stepMs = stepMs;
    // Time in candles; the label looks at one close per candle, hence sampleSec = 1 (one candle).
    this.model = new BrownianFirstPassage(1, 1);
  }

  get modelVersion(): string {
    return `${CANDLE_MODEL_VERSION};${this.model.version};K=${this.settings.lookbackCandles};k=${this.settings.kVol};rMin=${this.settings.rMin}`;
  }

  /** The prediction for the boundary at closeMs from the K + 1 candles opening before it, or why not. */
  fromCandles(closeMs: number, byOpen: ReadonlyMap<number, StoredCandle>): BoundaryOutcome {
    const { lookbackCandles: k, horizonCandles: n } = this.settings;
    const missing: string[] = [];
    const inputs: StoredCandle[] = [];
    for (let i = k; i >= 0; i--) {
      const openMs = closeMs - (i + 1) * this.stepMs;
      const c = byOpen.get(openMs);
      if (c) inputs.push(c);
      else missing.push(new Date(openMs).toISOString());
    }
    if (missing.length) {
      const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ` … (${missing.length})` : '');
      return { ok: false, tsMs: closeMs, reason: `gap: no closed candle opening at ${shown}` };
    }
    const returns: number[] = [];
    for (let i = 1; i < inputs.length; i++) returns.push(Math.log(inputs[i].close / inputs[i - 1].close));
    const bad = returns.findIndex((r) => !Number.isFinite(r));
    if (bad >= 0) return { ok: false, tsMs: closeMs, reason: `non-positive close in the candle opening at ${new Date(inputs[bad].openMs).toISOString()}` };
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const sigma = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, returns.length - 1));
    const rT = Math.max(this.settings.kVol * sigma * Math.sqrt(n), this.settings.rMin);
    // r = 0 (flat candles, no floor): the barriers sit on the price; call it no touch rather than divide by 0.
    const p = rT > 0 && rT < 1 ? this.model.predict({ sigma, halfWidth: rT, horizonSec: n, costRoundtrip: 0 }) : { pUp: 0, pDown: 0, pNone: 1 };
    const last = inputs[inputs.length - 1];
    return {
      ok: true,
      row: {
        ...this.series,
        ts: new Date(closeMs),
        horizonCandles: n,
        model: CANDLE_MODEL,
        modelVersion: this.modelVersion,
        close: last.close,
        sigma,
        rT,
        kVol: this.settings.kVol,
        lookbackCandles: k,
        pUp: p.pUp,
        pDown: p.pDown,
        pNone: p.pNone,
        inputsMaxTs: new Date(last.openMs),
      },
    };
  }

  /**
   * Closed candles of the series opening in [fromOpenMs, toOpenMs), only those closed by clockMs
   * (open + one candle + grace ≤ clock): a row the clock has not closed is never read.
   */
  async readCandles(db: Db, fromOpenMs: number, toOpenMs: number, clockMs: number): Promise<StoredCandle[]> {
    const closedBefore = clockMs - CANDLE_CLOSE_GRACE_MS - this.stepMs;
    const until = Math.min(toOpenMs, closedBefore + 1);
    if (until <= fromOpenMs) return [];
    const { venue, symbol, timeframe } = this.series;
    const rows = await db.sql.unsafe(
      `select ts, close from candles
        where venue = $1 and symbol = $2 and timeframe = $3 and closed and ts >= $4::timestamptz and ts < $5::timestamptz
        order by ts`,
      [venue, symbol, timeframe, new Date(fromOpenMs).toISOString(), new Date(until).toISOString()],
    );
    return rows.map((r) => ({ openMs: (r.ts as Date).getTime(), close: Number(r.close) }));
  }

  /** Newest boundary already written for this series, horizon and model; null when none. */
  async lastWritten(db: Db): Promise<number | null> {
    const { venue, symbol, timeframe } = this.series;
    const [r] = await db.sql.unsafe(
      `select max(ts) as ts from candle_predictions where venue = $1 and symbol = $2 and timeframe = $3 and horizon_candles = $4::int and model = $5`,
      [venue, symbol, timeframe, this.settings.horizonCandles, CANDLE_MODEL],
    );
    return r?.ts ? (r.ts as Date).getTime() : null;
  }

  /** The close of the newest candle stored and closed by clockMs; null when none. */
  async newestClosedBoundary(db: Db, clockMs: number): Promise<number | null> {
    const { venue, symbol, timeframe } = this.series;
    const closedBefore = clockMs - CANDLE_CLOSE_GRACE_MS - this.stepMs;
    const [r] = await db.sql.unsafe(
      `select max(ts) as ts from candles where venue = $1 and symbol = $2 and timeframe = $3 and closed and ts <= $4::timestamptz`,
      [venue, symbol, timeframe, new Date(closedBefore).toISOString()],
    );
    return r?.ts ? (r.ts as Date).getTime() + this.stepMs : null;
  }

  /**
   * Every boundary in [fromMs, toMs] on the grid, computed from candles closed by clockMs; a
   * boundary later than the clock allows is not considered at all (it is not due, not a gap).
   */
  async compute(db: Db, fromMs: number, toMs: number, clockMs: number): Promise<BoundaryOutcome[]> {
    const lastDueMs = boundaryAtOrBefore(this.series.timeframe, clockMs - CANDLE_CLOSE_GRACE_MS);
    let firstMs = boundaryAtOrBefore(this.series.timeframe, fromMs);
    if (firstMs < fromMs) firstMs += this.stepMs;
    const lastMs = Math.min(boundaryAtOrBefore(this.series.timeframe, toMs), lastDueMs);
    if (lastMs < firstMs) return [];
    const k = this.settings.lookbackCandles;
    const candles = await this.readCandles(db, firstMs - (k + 1) * this.stepMs, lastMs, clockMs);
    // fromCandles looks up exactly the K + 1 opens before each close: nothing later can enter.
    const byOpen = new Map(candles.map((c) => [c.openMs, c]));
    const out: BoundaryOutcome[] = [];
    for (let closeMs = firstMs; closeMs <= lastMs; closeMs += this.stepMs) out.push(this.fromCandles(closeMs, byOpen));
    return out;
  }
}

/** Inserts rows; a boundary already written stays as it was (written once). Returns how many were new. */
export async function writeCandlePredictions(db: Db, rows: readonly CandlePredictionRow[]): Promise<number> {
  if (!rows.length) return 0;
  const records = rows.map((r) => ({
    venue: r.venue,
    symbol: r.symbol,
    timeframe: r.timeframe,
    ts: r.ts,
    horizon_candles: r.horizonCandles,
    model: r.model,
    model_version: r.modelVersion,
    close: r.close,
    sigma: r.sigma,
    r_t: r.rT,
    k_vol: r.kVol,
    lookback_candles: r.lookbackCandles,
    p_up: r.pUp,
    p_down: r.pDown,
    p_none: r.pNone,
    inputs_max_ts: r.inputsMaxTs,
  }));
  const inserted = await db.sql`insert into candle_predictions ${db.sql(records)} on conflict do nothing returning ts`;
  return inserted.length;
}

/** The settings a stored row was computed with, read back from its model_version; null when not this model's. */
export function settingsFromVersion(modelVersion: string, horizonCandles: number): CandlePredictionSettings | null {
  const m = new RegExp(`^${CANDLE_MODEL_VERSION};.*;K=(\\d+);k=([^;]+);rMin=([^;]+)$`).exec(modelVersion);
  if (!m) return null;
  const settings = { horizonCandles, lookbackCandles: Number(m[1]), kVol: Number(m[2]), rMin: Number(m[3]) };
  return Number.isFinite(settings.kVol) && Number.isFinite(settings.rMin) ? settings : null;
}

/** Columns `cqt check leak` compares between a stored row and its recomputation. */
const RECHECKED = ['close', 'sigma', 'rT', 'pUp', 'pDown', 'pNone', 'inputsMaxTs'] as const;
const RECHECK_TOLERANCE = 1e-12;

export interface CandleMismatch {
  tsMs: number;
  /** A column name (SQL), or 'row' when the row cannot be recomputed now. */
  column: string;
  stored: unknown;
  recomputed: unknown;
}

/**
 * Recomputes stored candle predictions of one series at the given boundaries from the candles
 * with an open before each boundary, with the settings each row was written with, and lists every
 * difference. A value that used a later candle cannot be reproduced, so it shows here.
 */
export async function recheckCandlePredictions(db: Db, series: CandleSeriesKey, boundaries: readonly number[], asOfMs: number): Promise<CandleMismatch[]> {
  const out: CandleMismatch[] = [];
  const sqlName: Record<(typeof RECHECKED)[number], string> = { close: 'close', sigma: 'sigma', rT: 'r_t', pUp: 'p_up', pDown: 'p_down', pNone: 'p_none', inputsMaxTs: 'inputs_max_ts' };
  for (const tsMs of boundaries) {
    const rows = await db.sql.unsafe(
      `select horizon_candles, model, model_version, close, sigma, r_t, p_up, p_down, p_none, inputs_max_ts from candle_predictions
        where venue = $1 and symbol = $2 and timeframe = $3 and ts = $4::timestamptz`,
      [series.venue, series.symbol, series.timeframe, new Date(tsMs).toISOString()],
    );
    for (const r of rows) {
      const settings = r.model === CANDLE_MODEL ? settingsFromVersion(r.model_version as string, Number(r.horizon_candles)) : null;
      if (!settings) {
        out.push({ tsMs, column: 'row', stored: r.model_version, recomputed: 'unknown model or version' });
        continue;
      }
      const [outcome] = await new CandlePredictor(series, settings).compute(db, tsMs, tsMs, Math.max(asOfMs, tsMs + CANDLE_CLOSE_GRACE_MS));
      if (!outcome?.ok) {
        out.push({ tsMs, column: 'row', stored: 'a prediction', recomputed: outcome ? outcome.reason : 'not due' });
        continue;
      }
      const stored: Record<string, unknown> = { close: r.close, sigma: r.sigma, rT: r.r_t, pUp: r.p_up, pDown: r.p_down, pNone: r.p_none, inputsMaxTs: r.inputs_max_ts };
      for (const column of RECHECKED) {
        const a = stored[column];
        const b = outcome.row[column];
        const same =
          a instanceof Date && b instanceof Date
            ? a.getTime() === b.getTime()
            : a === null || b === null
              ? a === b
              : Math.abs(Number(a) - Number(b)) <= RECHECK_TOLERANCE * Math.max(Math.abs(Number(a)), Math.abs(Number(b)));
        if (!same) out.push({ tsMs, column: sqlName[column], stored: a, recomputed: b });
      }
    }
  }
  return out;
}
