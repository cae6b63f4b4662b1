// Lag, grid, fill-rate, gap and null-rate maths: the one place checks and `cqt status` get them.
// Arguments that cannot come from data (NaN bounds, inverted windows, zero steps) are caller bugs
// and throw RangeError; judging the data itself is classify's job.

export interface Gap {
  /** Last timestamp present before the gap. */
  fromMs: number;
  /** First timestamp present after the gap. */
  toMs: number;
  /** Grid points fromMs + k·step (k ≥ 1) strictly before toMs. */
  missing: number;
}

/**
 * Seconds from the newest row to the as-of time, never negative: a newest ts ahead of as-of
 * (clock skew, or corruption that classify reports) counts as 0 lag.
 */
export function lagSec(newestTsMs: number, asOfMs: number): number {
  requireFinite('newestTsMs', newestTsMs);
  requireFinite('asOfMs', asOfMs);
  return Math.max(0, asOfMs - newestTsMs) / 1000;
}

/**
 * Grid points t in the half-open window (windowStartMs, windowEndMs], where t is a multiple of
 * stepSec since the epoch. Open start and closed end match the point-in-time rule (ts <= t0) and
 * let consecutive windows tile without counting a point twice. For bars keyed by their open
 * second, end the window at the last bar that can be closed (asOf - stepSec), not at asOf.
 */
export function expectedRows(windowStartMs: number, windowEndMs: number, stepSec: number): number {
  requireFinite('windowStartMs', windowStartMs);
  requireFinite('windowEndMs', windowEndMs);
  if (windowEndMs < windowStartMs) {
    throw new RangeError(`window ends (${windowEndMs}) before it starts (${windowStartMs})`);
  }
  const stepMs = stepMsOf(stepSec);
  return Math.floor(windowEndMs / stepMs) - Math.floor(windowStartMs / stepMs);
}

/**
 * rowsInWindow / expected, clamped to [0, 1] so duplicates cannot hide as over-fill; count
 * distinct on-grid timestamps for an exact rate. With nothing expected nothing is missing: 1.
 */
export function fillRate(rowsInWindow: number, expected: number): number {
  requireCount('rowsInWindow', rowsInWindow);
  requireCount('expected', expected);
  if (expected === 0) return 1;
  return Math.min(1, rowsInWindow / expected);
}

/**
 * Gaps between consecutive timestamps more than one step apart; equal timestamps (duplicates)
 * are not gaps. Only gaps between rows are seen: the caller compares the first and last rows
 * with its window edges. For jittery pollers pass a step with slack (e.g. 1.5 × poll interval).
 */
export function findGaps(sortedTsMs: readonly number[], stepSec: number): Gap[] {
  const stepMs = stepMsOf(stepSec);
  const gaps: Gap[] = [];
  sortedTsMs.forEach((tsMs, i) => requireFinite(`sortedTsMs[${i}]`, tsMs));
  for (let i = 1; i < sortedTsMs.length; i++) {
    const fromMs = sortedTsMs[i - 1];
    const toMs = sortedTsMs[i];
    if (toMs < fromMs) {
      throw new RangeError(`sortedTsMs is not sorted: ${toMs} at index ${i} follows ${fromMs}`);
    }
    const missing = Math.ceil((toMs - fromMs) / stepMs) - 1;
    if (missing > 0) gaps.push({ fromMs, toMs, missing });
  }
  return gaps;
}

/** nullCount / rowCount; no rows means no nulls: 0. */
export function nullRate(rowCount: number, nullCount: number): number {
  requireCount('rowCount', rowCount);
  requireCount('nullCount', nullCount);
  if (nullCount > rowCount) {
    throw new RangeError(`nullCount (${nullCount}) exceeds rowCount (${rowCount})`);
  }
  return rowCount === 0 ? 0 : nullCount / rowCount;
}

// Timestamps have ms precision, so a step must be a whole number of ms.
function stepMsOf(stepSec: number): number {
  const stepMs = Math.round(stepSec * 1000);
  if (!(stepMs >= 1) || Math.abs(stepMs - stepSec * 1000) > 1e-6) {
    throw new RangeError(`stepSec must be a positive whole number of ms, got ${stepSec}`);
  }
  return stepMs;
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

function requireCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}
