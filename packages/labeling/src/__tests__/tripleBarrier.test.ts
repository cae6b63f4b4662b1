import { describe, expect, it } from 'vitest';
import { labelTripleBarrier } from '../label-fast.js';
import { labelNaive } from '../label-naive.js';
import type { PricePath } from '../path.js';
import { LabelStatus, labelName, statusName } from '../triple-barrier.js';
import type { TripleBarrierOptions } from '../triple-barrier.js';
import { bars, secondsFrom } from './support.js';

// p0 = 100 and r = 0.25 put the barriers exactly at 125 and 75 (both products are exact).
const R = 0.25;
const T0 = 1_000;

const labelers = [
  ['labelTripleBarrier', labelTripleBarrier],
  ['labelNaive', labelNaive],
] as const;

describe.each(labelers)('%s', (_name, labeler) => {
  /** The single event at T0, with names instead of codes. */
  function event(path: PricePath, horizonSec: number, r = R) {
    const out = labeler(path, { horizonSec, halfWidth: Float64Array.of(r), t0Sec: [T0] });
    return {
      label: labelName(out.label[0]),
      status: statusName(out.status[0]),
      touchTsSec: out.touchTsSec[0],
      horizonReturn: out.horizonReturn[0],
      horizonPriceTsSec: out.horizonPriceTsSec[0],
      labelTsSec: out.labelTsSec[0],
    };
  }

  it('labels UP when the upper barrier is reached first', () => {
    expect(event(secondsFrom(T0, [100, 110, 125, 70, 80, 90]), 5)).toEqual({
      label: 'UP',
      status: 'complete',
      touchTsSec: T0 + 2,
      horizonReturn: 90 / 100 - 1,
      horizonPriceTsSec: T0 + 5,
      labelTsSec: T0 + 5,
    });
  });

  it('labels DOWN when the lower barrier is reached first', () => {
    expect(event(secondsFrom(T0, [100, 90, 74, 130, 100, 100]), 5)).toMatchObject({
      label: 'DOWN',
      status: 'complete',
      touchTsSec: T0 + 2,
      horizonReturn: 0,
    });
  });

  it('labels NONE when neither barrier is reached, with the return at t0+H', () => {
    expect(event(secondsFrom(T0, [100, 124, 76, 124.9, 75.1, 110]), 5)).toEqual({
      label: 'NONE',
      status: 'complete',
      touchTsSec: Number.NaN,
      horizonReturn: 110 / 100 - 1,
      horizonPriceTsSec: T0 + 5,
      labelTsSec: T0 + 5,
    });
  });

  it('counts a price exactly on a barrier as a touch', () => {
    expect(event(secondsFrom(T0, [100, 125]), 1)).toMatchObject({ label: 'UP', touchTsSec: T0 + 1 });
    expect(event(secondsFrom(T0, [100, 75]), 1)).toMatchObject({ label: 'DOWN', touchTsSec: T0 + 1 });
  });

  it('counts a touch at t0+H and ignores one at t0+H+1', () => {
    const path = secondsFrom(T0, [100, 100, 100, 130]);
    expect(event(path, 3)).toMatchObject({ label: 'UP', status: 'complete', touchTsSec: T0 + 3 });
    expect(event(path, 2)).toMatchObject({ label: 'NONE', status: 'complete', touchTsSec: Number.NaN });
  });

  it('never counts t0 itself: with r = 0 the first second after t0 decides', () => {
    // At t0 the price equals p0 and would be a tie if t0 were in the window.
    expect(event(secondsFrom(T0, [100, 101]), 1, 0)).toMatchObject({ label: 'UP', touchTsSec: T0 + 1 });
    expect(event(secondsFrom(T0, [100, 99]), 1, 0)).toMatchObject({ label: 'DOWN', touchTsSec: T0 + 1 });
  });

  it('ignores bars before t0, however far they went', () => {
    expect(event(bars([[T0 - 1, 500], [T0, 100], [T0 + 1, 100]]), 1)).toMatchObject({ label: 'NONE', status: 'complete' });
  });

  it('resolves a tie (both barriers in one second, r = 0 and an unchanged price) as NONE with its touch second', () => {
    expect(event(secondsFrom(T0, [100, 100, 130]), 2, 0)).toEqual({
      label: 'NONE',
      status: 'complete',
      touchTsSec: T0 + 1,
      horizonReturn: 130 / 100 - 1,
      horizonPriceTsSec: T0 + 2,
      labelTsSec: T0 + 2,
    });
  });

  it('resolves a tie from a half-width below float resolution the same way', () => {
    // 100·(1 ± 1e-17) rounds to 100 on both sides.
    expect(event(secondsFrom(T0, [100, 100]), 1, 1e-17)).toMatchObject({ label: 'NONE', touchTsSec: T0 + 1 });
  });

  it('marks a missing second before the touch as gap, with no label', () => {
    const path = bars([[T0, 100], [T0 + 1, 110], [T0 + 3, 130], [T0 + 4, 100], [T0 + 5, 100]]);
    expect(event(path, 5)).toEqual({
      label: 'NONE',
      status: 'gap',
      touchTsSec: Number.NaN,
      horizonReturn: Number.NaN,
      horizonPriceTsSec: Number.NaN,
      labelTsSec: T0 + 5,
    });
  });

  it('treats a bar without price like a missing second', () => {
    expect(event(secondsFrom(T0, [100, 110, null, 130, 100, 100]), 5)).toMatchObject({ status: 'gap', label: 'NONE' });
  });

  it('keeps a label touched before a gap, returning the last priced second at or before t0+H', () => {
    const path = bars([[T0, 100], [T0 + 1, 126], [T0 + 2, 90], [T0 + 4, 80], [T0 + 5, null], [T0 + 7, 200]]);
    expect(event(path, 5)).toEqual({
      label: 'UP',
      status: 'complete',
      touchTsSec: T0 + 1,
      horizonReturn: 80 / 100 - 1,
      horizonPriceTsSec: T0 + 4,
      labelTsSec: T0 + 5,
    });
  });

  it('uses the price at t0+H when it is there after a gap that followed the touch', () => {
    const path = bars([[T0, 100], [T0 + 1, 70], [T0 + 3, 90], [T0 + 4, 95]]);
    expect(event(path, 4)).toMatchObject({ label: 'DOWN', horizonReturn: 95 / 100 - 1, horizonPriceTsSec: T0 + 4 });
  });

  it('does not care about gaps after t0+H', () => {
    expect(event(bars([[T0, 100], [T0 + 1, 100], [T0 + 2, 100], [T0 + 9, 500]]), 2)).toMatchObject({
      label: 'NONE',
      status: 'complete',
    });
  });

  it('marks data ending before t0+H as incomplete unless a barrier was touched', () => {
    expect(event(secondsFrom(T0, [100, 110, 120]), 5)).toMatchObject({ status: 'incomplete', label: 'NONE' });
    expect(event(secondsFrom(T0, [100]), 1)).toMatchObject({ status: 'incomplete' });
    expect(event(secondsFrom(T0, [100, 110, 70, 80]), 5)).toMatchObject({
      status: 'complete',
      label: 'DOWN',
      horizonReturn: 80 / 100 - 1,
      horizonPriceTsSec: T0 + 3,
    });
    expect(event(secondsFrom(T0, [100, 110, 120]), 2)).toMatchObject({ status: 'complete' });
  });

  it('reports a gap, not incomplete, when a gap comes before the end of data', () => {
    expect(event(bars([[T0, 100], [T0 + 2, 100]]), 5)).toMatchObject({ status: 'gap' });
  });

  it('marks events without a price at t0 as no_price', () => {
    expect(event(bars([[T0 - 1, 100], [T0 + 1, 100]]), 1)).toMatchObject({ status: 'no_price', labelTsSec: T0 + 1 });
    expect(event(secondsFrom(T0, [null, 100]), 1)).toMatchObject({ status: 'no_price', label: 'NONE' });
    expect(event(bars([]), 1)).toMatchObject({ status: 'no_price' });
  });

  it('labels every bar when no t0 list is given, aligned with the path', () => {
    const out = labeler(secondsFrom(T0, [100, 130, 60, 61, 62]), { horizonSec: 2, halfWidth: new Float64Array(5).fill(R) });
    expect(Array.from(out.label, labelName)).toEqual(['UP', 'DOWN', 'NONE', 'NONE', 'NONE']);
    expect(Array.from(out.status, statusName)).toEqual(['complete', 'complete', 'complete', 'incomplete', 'incomplete']);
    expect(Array.from(out.labelTsSec)).toEqual([T0 + 2, T0 + 3, T0 + 4, T0 + 5, T0 + 6]);
  });

  it('answers an unsorted t0 list with duplicates in the given order, each with its own r', () => {
    const path = secondsFrom(T0, [100, 130, 60, 61, 62]);
    const out = labeler(path, {
      horizonSec: 2,
      t0Sec: [T0 + 1, T0, T0 + 7, T0, T0 + 2],
      halfWidth: Float64Array.of(0.5, 0.25, 0.25, 0.5, 0),
    });
    expect(Array.from(out.label, labelName)).toEqual(['DOWN', 'UP', 'NONE', 'NONE', 'UP']);
    expect(Array.from(out.status, statusName)).toEqual(['complete', 'complete', 'no_price', 'complete', 'complete']);
  });

  it('accepts Int32Array seconds', () => {
    const out = labeler({ tsSec: Int32Array.of(T0, T0 + 1), price: Float64Array.of(100, 130) }, {
      horizonSec: 1,
      halfWidth: Float64Array.of(R, R),
    });
    expect(out.label[0]).toBe(1);
    expect(out.touchTsSec[0]).toBe(T0 + 1);
  });

  it('rejects inputs that would give silent nonsense', () => {
    const path = secondsFrom(T0, [100, 101]);
    const ok: TripleBarrierOptions = { horizonSec: 1, halfWidth: Float64Array.of(R, R) };
    expect(() => labeler(path, { ...ok, horizonSec: 0 })).toThrow(/horizonSec/);
    expect(() => labeler(path, { ...ok, horizonSec: 1.5 })).toThrow(/horizonSec/);
    expect(() => labeler(path, { ...ok, halfWidth: Float64Array.of(R) })).toThrow(/halfWidth has 1/);
    expect(() => labeler(path, { ...ok, halfWidth: Float64Array.of(R, Number.NaN) })).toThrow(/halfWidth\[1\]/);
    expect(() => labeler(path, { ...ok, halfWidth: Float64Array.of(-0.1, R) })).toThrow(/halfWidth\[0\]/);
    expect(() => labeler(bars([[T0, 1], [T0, 2]]), ok)).toThrow(/ascending/);
    expect(() => labeler(bars([[T0, 1], [T0 + 0.5, 2]]), ok)).toThrow(/whole seconds/);
    expect(() => labeler({ tsSec: [T0], price: Float64Array.of(1, 2) }, ok)).toThrow(/price has 2/);
  });
});

describe('names', () => {
  it('maps codes to names and rejects unknown status codes', () => {
    expect([1, -1, 0].map(labelName)).toEqual(['UP', 'DOWN', 'NONE']);
    expect(Object.values(LabelStatus).map(statusName)).toEqual(['complete', 'gap', 'incomplete', 'no_price']);
    expect(() => statusName(9)).toThrow(/9/);
  });
});
