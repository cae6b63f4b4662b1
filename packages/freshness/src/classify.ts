import { lagSec } from './measures.js';
import { validatePolicy } from './policy.js';
import type { FreshnessPolicy } from './policy.js';

export type FreshnessClass = 'fresh' | 'stale' | 'hard_stale' | 'corrupt';

export interface RecentRow {
  tsMs: number;
  /** Parsed value (an unparseable one arrives as NaN); null is missing, not corrupt. */
  value?: number | null;
}

export interface Observation {
  /** Newest ts among the source's rows with ts <= as-of (the caller's filter); null if none. */
  newestTsMs: number | null;
  asOfMs: number;
  /** Recent rows in arrival order (ORDER BY recv_ts): sorted by ts, a ts going back would hide. */
  recent?: readonly RecentRow[];
  /** Whether the producer's last poll or write cycle succeeded. */
  lastCycleOk?: boolean;
  lastCycleAtMs?: number;
}

export interface Classification {
  class: FreshnessClass;
  /** The producer failed its last cycle while last-good data is still served (fresh or stale). */
  degraded: boolean;
  /** Clamped at 0; null when there are no rows or the newest ts is not a time. */
  lagSec: number | null;
  /** Why the data is not fresh, and a failed last cycle; empty when all is well. */
  reasons: string[];
}

/**
 * Classifies one source at as-of. Corrupt wins over every lag class; otherwise lag above
 * staleAfterSec is stale and above hardStaleAfterSec hard_stale (both bounds exclusive: a lag of
 * exactly the threshold is still the better class). No rows is hard_stale.
 */
export function classify(observation: Observation, policy: FreshnessPolicy): Classification {
  validatePolicy(policy);
  const { newestTsMs, asOfMs, lastCycleOk, lastCycleAtMs } = observation;
  if (!isTimeMs(asOfMs)) throw new RangeError(`asOfMs must be an epoch time in ms, got ${asOfMs}`);

  const corruption = corruptionReasons(observation, policy);
  const lag = newestTsMs !== null && isTimeMs(newestTsMs) ? lagSec(newestTsMs, asOfMs) : null;
  const verdict: Verdict =
    corruption.length > 0 ? { class: 'corrupt', reasons: corruption } : byLag(lag, policy);

  const cycleFailed = lastCycleOk === false;
  if (cycleFailed) {
    const at = lastCycleAtMs === undefined ? '' : ` at ${formatTs(lastCycleAtMs)}`;
    verdict.reasons.push(`last cycle failed${at}`);
  }
  return {
    class: verdict.class,
    degraded: cycleFailed && (verdict.class === 'fresh' || verdict.class === 'stale'),
    lagSec: lag,
    reasons: verdict.reasons,
  };
}

interface Verdict {
  class: FreshnessClass;
  reasons: string[];
}

function byLag(lag: number | null, { staleAfterSec, hardStaleAfterSec }: FreshnessPolicy): Verdict {
  if (lag === null) return { class: 'hard_stale', reasons: ['no rows'] };
  if (lag > hardStaleAfterSec) {
    return { class: 'hard_stale', reasons: [`lag ${lag} s > hard stale after ${hardStaleAfterSec} s`] };
  }
  if (lag > staleAfterSec) {
    return { class: 'stale', reasons: [`lag ${lag} s > stale after ${staleAfterSec} s`] };
  }
  return { class: 'fresh', reasons: [] };
}

// One reason per broken rule, with a count and the first offender, so a bad batch stays readable.
function corruptionReasons(observation: Observation, policy: FreshnessPolicy): string[] {
  const { newestTsMs, asOfMs, recent = [] } = observation;
  const toleranceMs = policy.futureToleranceSec * 1000;
  const valueKind = policy.valueKind ?? 'any';
  const findings = new Map<string, { count: number; first: string }>();
  const note = (rule: string, first: string): void => {
    const finding = findings.get(rule);
    if (finding) finding.count++;
    else findings.set(rule, { count: 1, first });
  };
  const future = `ts more than ${policy.futureToleranceSec} s after as-of ${formatTs(asOfMs)}`;

  if (newestTsMs !== null) {
    if (!isTimeMs(newestTsMs)) note('unparseable newest ts', String(newestTsMs));
    else if (newestTsMs - asOfMs > toleranceMs) note(`newest ${future}`, formatTs(newestTsMs));
  }

  let previousTsMs: number | undefined;
  recent.forEach(({ tsMs, value = null }, row) => {
    if (!isTimeMs(tsMs)) {
      note('unparseable ts', `${tsMs} at row ${row}`);
      return;
    }
    const at = formatTs(tsMs);
    if (tsMs - asOfMs > toleranceMs) note(future, at);
    if (previousTsMs !== undefined && tsMs < previousTsMs) {
      note('non-monotonic ts', `${at} after ${formatTs(previousTsMs)}`);
    }
    previousTsMs = tsMs;

    if (value === null) return;
    if (!Number.isFinite(value)) note('non-finite value', `${value} at ${at}`);
    else if (valueKind === 'price' && value <= 0) note('non-positive price', `${value} at ${at}`);
    else if (valueKind === 'ratio' && value < 0) note('negative ratio', `${value} at ${at}`);
  });

  return [...findings].map(([rule, { count, first }]) => `${rule} ×${count}; first: ${first}`);
}

// A number Date can represent; anything else cannot be a row's time.
function isTimeMs(tsMs: number): boolean {
  return Number.isFinite(tsMs) && Math.abs(tsMs) <= 8.64e15;
}

function formatTs(tsMs: number): string {
  return isTimeMs(tsMs) ? new Date(tsMs).toISOString() : String(tsMs);
}
