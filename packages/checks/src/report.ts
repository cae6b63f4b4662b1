// What a check produces: items with a status, the value observed, the threshold it was judged
// against, and where it was read (table, column, symbol, window) so a gate can never pass by
// silently reading the wrong thing (a freshness gate that reads the wrong column passes while the data is stale). Pure functions only.
import type { Classification, FreshnessClass, FreshnessPolicy } from '@cqt/freshness';

export type ItemStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** How `observed` is to be read: seconds, a ratio in [0, 1], a count, or a plain value. */
export type Unit = 's' | 'ratio' | 'count' | null;

/**
 * `max`: observed above it fails (above `warnAbove` warns). `min`: observed below it fails
 * (below `warnBelow` warns). `expect`: a condition stated in words (e.g. "a real key").
 */
export type Threshold = { max: number; warnAbove?: number } | { min: number; warnBelow?: number } | { expect: string };

export interface CheckItem {
  /** Unique within a report, e.g. `binance_mark_price_1s.lag[BTCUSDT]`. */
  name: string;
  status: ItemStatus;
  observed: number | string | boolean | null;
  unit: Unit;
  threshold: Threshold | null;
  /** Why the status is what it is, in a few words. */
  detail: string;
  /** Where the value was read. */
  table: string | null;
  column: string | null;
  symbol: string | null;
  /** The window the value covers; null for values that do not depend on one (lag). */
  windowSec: number | null;
}

export interface CheckReport {
  check: string;
  /** ISO 8601 UTC; rows after this instant were not considered. */
  asOf: string;
  windowSec: number;
  items: CheckItem[];
  overall: ItemStatus;
  counts: Record<ItemStatus, number>;
}

/** Where an item read its value; the rest of the item comes from its judgement. */
export type ItemSource = Pick<CheckItem, 'name' | 'table' | 'column' | 'symbol' | 'windowSec'>;

/**
 * fail if any item fails, else warn if any warns, else pass if any passes; a report whose items
 * were all skipped is a skip (stated as such, and not a failure).
 */
export function overallStatus(items: readonly Pick<CheckItem, 'status'>[]): ItemStatus {
  for (const status of ['fail', 'warn', 'pass'] as const) {
    if (items.some((item) => item.status === status)) return status;
  }
  return 'skip';
}

export function makeReport(check: string, asOfMs: number, windowSec: number, items: CheckItem[]): CheckReport {
  const counts: Record<ItemStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const item of items) counts[item.status]++;
  return { check, asOf: new Date(asOfMs).toISOString(), windowSec, items, overall: overallStatus(items), counts };
}

/** 1 when any item of any report failed, else 0 (warn and skip do not fail a gate). */
export function exitCodeOf(reports: readonly CheckReport[]): 0 | 1 {
  return reports.some((r) => r.overall === 'fail') ? 1 : 0;
}

/** Judges a value against a threshold; bounds are inclusive (a value equal to `max` passes). */
export function judge(observed: number, threshold: Exclude<Threshold, { expect: string }>): ItemStatus {
  if ('max' in threshold) {
    if (observed > threshold.max) return 'fail';
    return threshold.warnAbove !== undefined && observed > threshold.warnAbove ? 'warn' : 'pass';
  }
  if (observed < threshold.min) return 'fail';
  return threshold.warnBelow !== undefined && observed < threshold.warnBelow ? 'warn' : 'pass';
}

export function measuredItem(
  source: ItemSource,
  observed: number,
  unit: Unit,
  threshold: Exclude<Threshold, { expect: string }>,
  detail: string,
): CheckItem {
  return { ...source, status: judge(observed, threshold), observed, unit, threshold, detail };
}

export function statedItem(
  source: ItemSource,
  status: ItemStatus,
  observed: CheckItem['observed'],
  expect: string | null,
  detail: string,
): CheckItem {
  return { ...source, status, observed, unit: null, threshold: expect === null ? null : { expect }, detail };
}

const classStatus: Record<FreshnessClass, ItemStatus> = { fresh: 'pass', stale: 'warn', hard_stale: 'fail', corrupt: 'fail' };

/**
 * A lag item from classify(): fresh passes, stale warns, hard_stale and corrupt fail. The policy's
 * stale and hard-stale bounds are the item's warn and fail thresholds.
 */
export function freshnessItem(source: ItemSource, classification: Classification, policy: FreshnessPolicy): CheckItem {
  const { class: cls, lagSec, reasons, degraded } = classification;
  const notes = [cls === 'fresh' ? 'fresh' : cls.replace('_', ' '), ...reasons];
  if (degraded) notes.push('degraded: last-good data still served');
  return {
    ...source,
    status: classStatus[cls],
    observed: lagSec,
    unit: 's',
    threshold: { max: policy.hardStaleAfterSec, warnAbove: policy.staleAfterSec },
    detail: notes.join('; '),
  };
}
