import { describe, expect, it } from 'vitest';
import { dominantClass, labelDistribution } from '../distribution.js';
import { LabelStatus } from '../triple-barrier.js';

const { complete, gap, no_price } = LabelStatus;

describe('labelDistribution', () => {
  it('counts and shares each class', () => {
    const distribution = labelDistribution(Int8Array.of(1, 1, -1, 0));
    expect(distribution).toEqual({
      total: 4,
      excluded: 0,
      counts: { UP: 2, DOWN: 1, NONE: 1 },
      shares: { UP: 0.5, DOWN: 0.25, NONE: 0.25 },
    });
  });

  it('leaves out events whose status is not complete', () => {
    const distribution = labelDistribution(Int8Array.of(1, 0, 0, -1), Uint8Array.of(complete, gap, no_price, complete));
    expect(distribution).toMatchObject({ total: 2, excluded: 2, counts: { UP: 1, DOWN: 1, NONE: 0 } });
  });

  it('has zero shares when nothing was counted', () => {
    expect(labelDistribution(new Int8Array(0)).shares).toEqual({ UP: 0, DOWN: 0, NONE: 0 });
  });
});

describe('dominantClass', () => {
  const mostlyNone = (none: number, up: number) =>
    labelDistribution(Int8Array.from([...Array(none).fill(0), ...Array(up).fill(1)]));

  it('names a class at or above the threshold', () => {
    expect(dominantClass(mostlyNone(95, 5))).toEqual({ label: 'NONE', share: 0.95 });
    expect(dominantClass(mostlyNone(80, 20), 0.8)).toEqual({ label: 'NONE', share: 0.8 });
  });

  it('returns null below the threshold or without labels', () => {
    expect(dominantClass(mostlyNone(94, 6))).toBeNull();
    expect(dominantClass(labelDistribution(new Int8Array(0)), 0)).toBeNull();
  });
});
