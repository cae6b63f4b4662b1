/**
 * Windows of at most H gap-free bars, asked for in ascending order of their first bar, answered
 * without scanning them (van Herk / Gil-Werman). A run of gap-free bars is cut into blocks of H
 * bars, so a window that starts in block k ends in block k or k+1:
 * - its max is max(suffix max of block k at its start, prefix max of block k+1 at its end), O(1);
 * - its first bar reaching a level is found by binary search, because a running max or min only
 *   grows: over the prefix of block k+1 when block k's part of the window touches nothing, else
 *   over the prefix of block k, which is valid while the bars of block k before the window do
 *   not reach the level either.
 * In the rare remaining case (the level was already reached earlier in block k) the search
 * skips through sub-blocks of about √H bars, built at most once per block. Only blocks k and
 * k+1 are held: O(H) memory, each bar read twice while the windows move forwards.
 *
 * The state is a plain object literal rather than a class instance: V8 keeps an object
 * literal's shape alive between calls, while the shape of a class instance dies with the last
 * instance and the next call would start again from unoptimised code.
 */
export interface HorizonBlocks {
  readonly ts: Float64Array;
  readonly price: Float64Array;
  readonly horizonSec: number;
  /** Block k is [start, end]; block k+1 is [end + 1, nextEnd], empty (nextEnd = end) when the run stops. */
  start: number;
  end: number;
  nextEnd: number;
  // Running extrema at offset j − (first bar of the block): prefix and suffix of block k, prefix of block k+1.
  preMax: Float64Array;
  preMin: Float64Array;
  readonly sufMax: Float64Array;
  readonly sufMin: Float64Array;
  nextPreMax: Float64Array;
  nextPreMin: Float64Array;
  /** Extrema of sub-blocks of 2^subShift bars of block k, valid when subStart === start. */
  readonly subShift: number;
  subStart: number;
  readonly subMax: Float64Array;
  readonly subMin: Float64Array;
}

export function horizonBlocks(ts: Float64Array, price: Float64Array, horizonSec: number): HorizonBlocks {
  const subShift = Math.round(Math.log2(horizonSec) / 2);
  const subCount = (horizonSec >> subShift) + 1;
  return {
    ts,
    price,
    horizonSec,
    start: 0,
    end: -1,
    nextEnd: -1,
    preMax: new Float64Array(horizonSec),
    preMin: new Float64Array(horizonSec),
    sufMax: new Float64Array(horizonSec),
    sufMin: new Float64Array(horizonSec),
    nextPreMax: new Float64Array(horizonSec),
    nextPreMin: new Float64Array(horizonSec),
    subShift,
    subStart: -1,
    subMax: new Float64Array(subCount),
    subMin: new Float64Array(subCount),
  };
}

/**
 * Hold the window that starts at bar `first` (ascending from call to call) and return its last
 * bar: first − 1 + H, or the end of the run if that comes sooner. −1 when bar `first` does not
 * follow the bar before it by one second with a price (gap or end of data): an empty window.
 */
export function seekWindow(b: HorizonBlocks, first: number): number {
  if (first > b.end && !moveTo(b, first)) return -1;
  // Within [start, nextEnd] every bar follows the one before it, and `start` was checked when set.
  return Math.min(first - 1 + b.horizonSec, b.nextEnd);
}

/** First bar of the window [first, last] (held by seekWindow) that is ≥ up or ≤ down, or −1. */
export function firstTouch(b: HorizonBlocks, first: number, last: number, up: number, down: number): number {
  const head = first - b.start;
  if (b.sufMax[head] >= up || b.sufMin[head] <= down) {
    // The touch lies in block k; its prefix answers unless an earlier bar of block k reached the level.
    const clean = head === 0 || (b.preMax[head - 1] < up && b.preMin[head - 1] > down);
    return clean
      ? b.start + firstReached(b.preMax, b.preMin, head, b.end - b.start, up, down)
      : firstTouchBySubBlocks(b, first, up, down);
  }
  const tail = last - b.end - 1;
  if (tail < 0 || (b.nextPreMax[tail] < up && b.nextPreMin[tail] > down)) return -1;
  return b.end + 1 + firstReached(b.nextPreMax, b.nextPreMin, 0, tail, up, down);
}

/** Make `first` fall in block k: the next block if it lies there, else a fresh decomposition. */
function moveTo(b: HorizonBlocks, first: number): boolean {
  if (first <= b.nextEnd) {
    // Block k+1 becomes block k; its prefix buffers are kept and the old ones reused.
    [b.preMax, b.nextPreMax] = [b.nextPreMax, b.preMax];
    [b.preMin, b.nextPreMin] = [b.nextPreMin, b.preMin];
    b.start = b.end + 1;
    b.end = b.nextEnd;
  } else {
    if (!continues(b, first)) return false;
    b.start = first;
    b.end = loadPrefix(b, first, b.preMax, b.preMin);
  }
  loadSuffix(b);
  // A block shorter than H already stopped at the end of its run.
  const next = b.end + 1;
  b.nextEnd = continues(b, next) ? loadPrefix(b, next, b.nextPreMax, b.nextPreMin) : b.end;
  return true;
}

/** Bar j follows bar j − 1 by one second and has a price. */
function continues(b: HorizonBlocks, j: number): boolean {
  return j < b.ts.length && b.ts[j] === b.ts[j - 1] + 1 && !Number.isNaN(b.price[j]);
}

/** Prefix extrema of the block starting at `from`; returns its last bar (cut at the run end). */
function loadPrefix(b: HorizonBlocks, from: number, runMax: Float64Array, runMin: Float64Array): number {
  const { price, ts } = b;
  const limit = Math.min(from + b.horizonSec, ts.length);
  let max = price[from];
  let min = max;
  runMax[0] = max;
  runMin[0] = min;
  let j = from + 1;
  for (; j < limit && ts[j] === ts[j - 1] + 1; j++) {
    const p = price[j];
    if (Number.isNaN(p)) break;
    max = Math.max(max, p);
    min = Math.min(min, p);
    runMax[j - from] = max;
    runMin[j - from] = min;
  }
  return j - 1;
}

function loadSuffix(b: HorizonBlocks): void {
  const { price, sufMax, sufMin, start, end } = b;
  let max = price[end];
  let min = max;
  for (let j = end; j >= start; j--) {
    max = Math.max(max, price[j]);
    min = Math.min(min, price[j]);
    sufMax[j - start] = max;
    sufMin[j - start] = min;
  }
}

/**
 * First bar of [first, end of block k] that is ≥ up or ≤ down, or −1: bars up to a sub-block
 * boundary, then whole sub-blocks, then the bars of the first sub-block that reaches a level.
 */
function firstTouchBySubBlocks(b: HorizonBlocks, first: number, up: number, down: number): number {
  if (b.subStart !== b.start) loadSubBlocks(b);
  const { price, start, end, subShift, subMax, subMin } = b;
  const headEnd = start + ((((first - start) >> subShift) + 1) << subShift);
  for (let j = first; j < headEnd && j <= end; j++) {
    if (price[j] >= up || price[j] <= down) return j;
  }
  let sub = (headEnd - start) >> subShift;
  while (start + (sub << subShift) <= end && subMax[sub] < up && subMin[sub] > down) sub++;
  for (let j = start + (sub << subShift); j <= end; j++) {
    if (price[j] >= up || price[j] <= down) return j;
  }
  return -1;
}

function loadSubBlocks(b: HorizonBlocks): void {
  const { price, start, end, subShift, subMax, subMin } = b;
  for (let sub = 0; start + (sub << subShift) <= end; sub++) {
    const from = start + (sub << subShift);
    const to = Math.min(end, from + (1 << subShift) - 1);
    let max = price[from];
    let min = max;
    for (let j = from + 1; j <= to; j++) {
      max = Math.max(max, price[j]);
      min = Math.min(min, price[j]);
    }
    subMax[sub] = max;
    subMin[sub] = min;
  }
  b.subStart = start;
}

/**
 * First offset in [lo, hi] where runMax ≥ up or runMin ≤ down. Running extrema only grow
 * towards hi, so the condition holds from the answer on; the caller knows it holds at hi.
 */
function firstReached(runMax: Float64Array, runMin: Float64Array, lo: number, hi: number, up: number, down: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runMax[mid] >= up || runMin[mid] <= down) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
