import { LabelStatus, labelName } from './triple-barrier.js';
import type { LabelName } from './triple-barrier.js';

export interface LabelDistribution {
  /** Labels counted: complete events only when statuses were given. */
  total: number;
  /** Events left out because their status was not 'complete'. */
  excluded: number;
  counts: Record<LabelName, number>;
  /** count / total; 0 when nothing was counted. */
  shares: Record<LabelName, number>;
}

/** Counts and shares per class; with `status`, events without a complete label are left out. */
export function labelDistribution(label: Int8Array, status?: Uint8Array): LabelDistribution {
  const counts: Record<LabelName, number> = { UP: 0, DOWN: 0, NONE: 0 };
  let excluded = 0;
  for (let e = 0; e < label.length; e++) {
    if (status !== undefined && status[e] !== LabelStatus.complete) excluded++;
    else counts[labelName(label[e])]++;
  }
  const total = label.length - excluded;
  const share = (count: number): number => (total === 0 ? 0 : count / total);
  return {
    total,
    excluded,
    counts,
    shares: { UP: share(counts.UP), DOWN: share(counts.DOWN), NONE: share(counts.NONE) },
  };
}

/** The class holding at least `threshold` of the labels (worth a warning before training), or null. */
export function dominantClass(
  distribution: LabelDistribution,
  threshold = 0.95,
): { label: LabelName; share: number } | null {
  for (const label of ['UP', 'DOWN', 'NONE'] as const) {
    const share = distribution.shares[label];
    if (distribution.total > 0 && share >= threshold) return { label, share };
  }
  return null;
}
