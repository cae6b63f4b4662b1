// Candles as typed-array columns: what every strategy and the engine read. Input is validated once
// at the edge (order, duplicates, corrupt rows, holes) so the loops can trust every bar.
import { createHash } from 'node:crypto';
import { BacktestInputError } from './errors.js';

export interface Candles {
  length: number;
  /** Open time of each candle, epoch ms, strictly increasing. */
  tsMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

export interface CandleRow {
  tsMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** n candles of zeros, to be filled column by column (readers, generators). */
export function emptyCandles(n: number): Candles {
  return { length: n, tsMs: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
}

export function candlesFromRows(rows: readonly CandleRow[]): Candles {
  const c = emptyCandles(rows.length);
  rows.forEach((r, i) => {
    c.tsMs[i] = r.tsMs;
    c.open[i] = r.open;
    c.high[i] = r.high;
    c.low[i] = r.low;
    c.close[i] = r.close;
    c.volume[i] = r.volume;
  });
  return c;
}

/** The first `length` candles (a view, no copy). */
export function sliceCandles(c: Candles, length: number): Candles {
  return {
    length,
    tsMs: c.tsMs.subarray(0, length),
    open: c.open.subarray(0, length),
    high: c.high.subarray(0, length),
    low: c.low.subarray(0, length),
    close: c.close.subarray(0, length),
    volume: c.volume.subarray(0, length),
  };
}

export interface CandleCheckOptions {
  /** The open time of the candle after the one opening at tsMs (the timeframe's grid). */
  nextOpenMs: (tsMs: number) => number;
  /** Run over holes (reported), instead of refusing them. Duplicates and corrupt rows are always refused. */
  allowGaps?: boolean;
}

export interface CandleCheck {
  /** Candle slots on the grid between the first and the last candle that have no candle. */
  missingBars: number;
  /** Runs of missing slots. */
  holes: number;
}

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

/** Why a row cannot be a candle, or null. */
function corruption(c: Candles, i: number): string | null {
  const o = c.open[i], h = c.high[i], l = c.low[i], cl = c.close[i], v = c.volume[i];
  if (![c.tsMs[i], o, h, l, cl, v].every(Number.isFinite)) return 'a missing or non-finite value';
  if (!(l > 0)) return `low ${l} is not a positive price`;
  if (h < l) return `high ${h} < low ${l}`;
  if (o < l || o > h) return `open ${o} outside [low ${l}, high ${h}]`;
  if (cl < l || cl > h) return `close ${cl} outside [low ${l}, high ${h}]`;
  if (v < 0) return `volume ${v} < 0`;
  return null;
}

/**
 * Refuses corrupt rows, rows out of order, duplicates and candles off the grid (exit 2, naming the
 * first one), and holes unless allowGaps; returns how many slots were missing.
 */
export function checkCandles(c: Candles, options: CandleCheckOptions): CandleCheck {
  if (c.length === 0) throw new BacktestInputError('no candles in the input', 'check the range (--from/--to) or the file');
  let missingBars = 0;
  let holes = 0;
  let firstHole = '';
  for (let i = 0; i < c.length; i++) {
    const bad = corruption(c, i);
    if (bad) throw new BacktestInputError(`corrupt candle at ${iso(c.tsMs[i])} (row ${i + 1}): ${bad}`, 'fix or remove the row in the input; --allow-gaps does not cover corrupt rows');
    if (i === 0) continue;
    const prev = c.tsMs[i - 1], ts = c.tsMs[i];
    if (ts === prev) throw new BacktestInputError(`duplicate candle at ${iso(ts)} (rows ${i} and ${i + 1})`, 'keep one candle per open time in the input');
    if (ts < prev) throw new BacktestInputError(`candles out of order at row ${i + 1}: ${iso(ts)} after ${iso(prev)}`, 'sort the input by open time');
    let slot = options.nextOpenMs(prev);
    if (slot === ts) continue;
    let missing = 0;
    while (slot < ts) {
      missing++;
      slot = options.nextOpenMs(slot);
    }
    if (slot !== ts) throw new BacktestInputError(`candle at ${iso(ts)} (row ${i + 1}) is off the timeframe's grid`, 'check --timeframe: every open time must be a whole number of candles after the first');
    if (holes === 0) firstHole = `${iso(options.nextOpenMs(prev))} … ${iso(ts)}`;
    missingBars += missing;
    holes++;
  }
  if (holes > 0 && !options.allowGaps) {
    throw new BacktestInputError(
      `${missingBars} candle${missingBars === 1 ? '' : 's'} missing in ${holes} hole${holes === 1 ? '' : 's'} (first: ${firstHole})`,
      'backfill the range, or pass --allow-gaps to run over the holes (the engine then treats consecutive rows as consecutive bars)',
    );
  }
  return { missingBars, holes };
}

/** sha256 of the candle columns (ts, open, high, low, close, volume as float64, in that order). */
export function hashCandles(c: Candles): string {
  const h = createHash('sha256');
  for (const col of [c.tsMs, c.open, c.high, c.low, c.close, c.volume]) h.update(new Uint8Array(col.buffer, col.byteOffset, c.length * 8));
  return h.digest('hex');
}
