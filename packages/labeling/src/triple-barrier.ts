import { checkedSeconds } from './path.js';
import type { PricePath } from './path.js';

/**
 * Triple-barrier labels on a 1-second price path.
 *
 * For an event at second t0 with price p0 = price at t0, horizon H and half-width r:
 * - the window is the seconds (t0, t0+H]: the bar at t0 itself never touches;
 * - UP (+1) if price ≥ p0·(1+r) in a window second before price ≤ p0·(1−r) in one, DOWN (−1) for
 *   the reverse, NONE (0) if neither is reached; touching exactly at t0+H counts;
 * - one price per second (the mid): a touch inside a second that the price does not show at its
 *   sampling instant is not seen;
 * - tie: a second that reaches both barriers (possible only when p0·(1+r) == p0·(1−r), i.e. r = 0
 *   or r below float resolution, and the price equals p0) gives NONE with that second as
 *   touchTsSec: the first touch happened but has no direction;
 * - gaps: a missing second (no bar, or a bar with NaN price) before the first touch makes the
 *   event 'gap' ('incomplete' when the data simply ends before t0+H). A touch before the first
 *   missing second is a valid label whatever follows, since later seconds cannot change it.
 */

/** Status codes stored in `TripleBarrierLabels.status`; the key is the status name. */
export const LabelStatus = { complete: 0, gap: 1, incomplete: 2, no_price: 3 } as const;
export type LabelStatusName = keyof typeof LabelStatus;
const STATUS_NAMES = Object.keys(LabelStatus) as LabelStatusName[];

export type LabelName = 'UP' | 'DOWN' | 'NONE';

export function statusName(code: number): LabelStatusName {
  const name = STATUS_NAMES[code];
  if (name === undefined) throw new RangeError(`unknown label status code ${code}`);
  return name;
}

export function labelName(label: number): LabelName {
  return label > 0 ? 'UP' : label < 0 ? 'DOWN' : 'NONE';
}

export interface TripleBarrierOptions {
  /** H: whole seconds after t0 that the window covers. */
  horizonSec: number;
  /** r_t per event: barrier half-width as a fraction of p0 (finite, ≥ 0). */
  halfWidth: Float64Array;
  /** Event seconds (any order, duplicates allowed); omitted = one event per bar of the path. */
  t0Sec?: ArrayLike<number>;
}

/** One entry per event, in the order of the events. */
export interface TripleBarrierLabels {
  /** +1 UP, −1 DOWN, 0 NONE; 0 as well whenever status is not 'complete'. */
  label: Int8Array;
  /** LabelStatus code; only 'complete' events carry a label. */
  status: Uint8Array;
  /** Second of the first barrier touch; NaN when no barrier was touched (or not complete). */
  touchTsSec: Float64Array;
  /**
   * Simple return price/p0 − 1 at the last priced second at or before t0+H — the same scale as r,
   * so horizonReturn ≥ r means the price ended at or beyond the upper barrier. NaN unless complete.
   */
  horizonReturn: Float64Array;
  /** Second whose price horizonReturn used: t0+H unless a gap after the touch hid it; NaN unless complete. */
  horizonPriceTsSec: Float64Array;
  /** t0 + H: the label is known only then (look-ahead rule: label_ts >= t0 + horizon). */
  labelTsSec: Float64Array;
}

/** Validated inputs shared by both labelers. */
export interface LabelingTask {
  ts: Float64Array;
  price: Float64Array;
  horizonSec: number;
  halfWidth: Float64Array;
  eventCount: number;
  /** Path index of each event's t0, −1 when no bar has that second; null when event e is bar e. */
  eventBar: Int32Array | null;
  /** Event bars never decrease (always so for one event per bar). */
  eventsInBarOrder: boolean;
  /** Starts as complete, NONE and NaN everywhere except labelTsSec; labelers write the rest. */
  out: TripleBarrierLabels;
}

export function labelingTask(path: PricePath, options: TripleBarrierOptions): LabelingTask {
  const ts = checkedSeconds(path);
  const { horizonSec, halfWidth, t0Sec } = options;
  if (!Number.isInteger(horizonSec) || horizonSec < 1) {
    throw new RangeError(`horizonSec must be a whole number of seconds ≥ 1, got ${horizonSec}`);
  }
  const eventCount = t0Sec === undefined ? ts.length : t0Sec.length;
  if (halfWidth.length !== eventCount) {
    throw new RangeError(`halfWidth has ${halfWidth.length} entries for ${eventCount} events`);
  }
  for (let e = 0; e < eventCount; e++) {
    const r = halfWidth[e];
    // NaN would silently never touch; a sigma still warming up must be filtered by the caller.
    if (!(r >= 0 && r < Infinity)) throw new RangeError(`halfWidth[${e}] must be finite and ≥ 0, got ${r}`);
  }
  const labelTsSec = new Float64Array(eventCount);
  let eventBar: Int32Array | null = null;
  let eventsInBarOrder = true;
  if (t0Sec === undefined) {
    for (let e = 0; e < eventCount; e++) labelTsSec[e] = ts[e] + horizonSec;
  } else {
    eventBar = new Int32Array(eventCount);
    for (let e = 0; e < eventCount; e++) {
      eventBar[e] = indexOfSecond(ts, t0Sec[e]);
      labelTsSec[e] = t0Sec[e] + horizonSec;
      if (e > 0 && eventBar[e] < eventBar[e - 1]) eventsInBarOrder = false;
    }
  }
  const out: TripleBarrierLabels = {
    label: new Int8Array(eventCount),
    status: new Uint8Array(eventCount),
    touchTsSec: new Float64Array(eventCount).fill(Number.NaN),
    horizonReturn: new Float64Array(eventCount).fill(Number.NaN),
    horizonPriceTsSec: new Float64Array(eventCount).fill(Number.NaN),
    labelTsSec,
  };
  return { ts, price: path.price, horizonSec, halfWidth, eventCount, eventBar, eventsInBarOrder, out };
}

function indexOfSecond(ts: Float64Array, sec: number): number {
  let lo = 0;
  let hi = ts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ts[mid] < sec) lo = mid + 1;
    else if (ts[mid] > sec) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/**
 * Last priced index at or before second `endSec`, searching from `from` (a priced index with
 * ts ≤ endSec). Needed only when a gap may lie between `from` and endSec.
 */
export function horizonPriceIndex(ts: Float64Array, price: Float64Array, endSec: number, from: number): number {
  // Whole seconds, strictly ascending: the answer is at most endSec − ts[from] bars further on.
  let lo = from;
  let hi = Math.min(ts.length - 1, from + (endSec - ts[from]));
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts[mid] <= endSec) lo = mid;
    else hi = mid - 1;
  }
  while (Number.isNaN(price[lo])) lo--;
  return lo;
}

/** Record an event that carries no label: its status says why. */
export function settleUnlabeled(task: LabelingTask, event: number, status: number): void {
  task.out.status[event] = status;
}

/**
 * Record a complete event: `touch` is the bar of the first touch (−1 if none, label then 0) and
 * `horizonIdx` the priced bar whose price gives horizonReturn against p0.
 */
export function settleComplete(
  task: LabelingTask,
  event: number,
  label: number,
  touch: number,
  horizonIdx: number,
  p0: number,
): void {
  const { out, ts, price } = task;
  if (touch >= 0) {
    out.label[event] = label;
    out.touchTsSec[event] = ts[touch];
  }
  out.horizonReturn[event] = price[horizonIdx] / p0 - 1;
  out.horizonPriceTsSec[event] = ts[horizonIdx];
}
