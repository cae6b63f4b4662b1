// Triple-barrier labeling of a million 1 s bars (field lesson 14: per-event loops take minutes in
// Python). The fast labeler is timed against two baselines in the same run: labelNaive, the tight
// typed-array loop with early exit, and a per-event loop over row objects, the shape of the
// Python original.
import { labelNaive, labelTripleBarrier, randomWalkPath } from '@cqt/labeling';
import type { PricePath, TripleBarrierLabels } from '@cqt/labeling';
import type { BenchRow, BenchSuite } from './harness.js';
import { timeMs } from './harness.js';

const BARS = 1_000_000;
const HORIZON_SEC = 120;
// 15 bp half-width on a path with 1 bp per-second volatility: about a third of events touch.
const HALF_WIDTH = 0.0015;

interface Row {
  ts: number;
  mid: number;
}

/** Labels only (same rules, no gap or end-of-data statuses beyond NONE): row objects, one event at a time. */
function labelRows(rows: readonly Row[], horizonSec: number, halfWidth: number): Int8Array {
  const labels = new Int8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const start = rows[i];
    const up = start.mid * (1 + halfWidth);
    const down = start.mid * (1 - halfWidth);
    for (let j = i + 1; j < rows.length && rows[j].ts <= start.ts + horizonSec; j++) {
      const row = rows[j];
      if (row.ts !== rows[j - 1].ts + 1) break;
      if (row.mid >= up || row.mid <= down) {
        labels[i] = row.mid >= up ? 1 : -1;
        break;
      }
    }
  }
  return labels;
}

function timedOnce<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const result = fn();
  return [result, performance.now() - start];
}

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function identical(a: TripleBarrierLabels, b: TripleBarrierLabels): boolean {
  return (Object.keys(a) as (keyof TripleBarrierLabels)[]).every((field) => sameBytes(a[field], b[field]));
}

export const suite: BenchSuite = {
  name: 'labeling',
  async run(): Promise<BenchRow[]> {
    const path: PricePath = randomWalkPath({ seed: 42, bars: BARS, sigmaPerSec: 1e-4, gapRate: 1e-5, maxGapSec: 30 });
    const options = { horizonSec: HORIZON_SEC, halfWidth: new Float64Array(BARS).fill(HALF_WIDTH) };

    // First calls, as a one-off export sees them: code not yet optimised, fresh output pages.
    const [fast, fastFirstMs] = timedOnce(() => labelTripleBarrier(path, options));
    const [naive, naiveFirstMs] = timedOnce(() => labelNaive(path, options));
    const touched = fast.touchTsSec.reduce((count, ts) => count + Number(!Number.isNaN(ts)), 0);
    const sameAsNaive = identical(fast, naive);
    // The fast labeler needs several calls before V8 settles on optimised code, so it gets more repeats.
    const fastMs = await timeMs(() => labelTripleBarrier(path, options), 15);
    const naiveMs = await timeMs(() => labelNaive(path, options), 3);

    // Built only now: a million live objects make every later garbage collection slower, which
    // would be charged to whatever runs beside them.
    const rows: Row[] = Array.from({ length: BARS }, (_, i) => ({ ts: path.tsSec[i], mid: path.price[i] }));
    // The row loop knows no statuses, so its labels are the fast labels with 0 for non-complete events.
    const rowLabels = labelRows(rows, HORIZON_SEC, HALF_WIDTH);
    const rowMismatches = fast.label.reduce((count, label, e) => count + Number(label !== rowLabels[e]), 0);
    const rowsMs = await timeMs(() => labelRows(rows, HORIZON_SEC, HALF_WIDTH), 3);

    const setting = `${BARS} bars, every bar an event, H=${HORIZON_SEC} s, r=${HALF_WIDTH}`;
    return [
      {
        name: 'triple-barrier labels vs labelNaive (typed arrays, early exit)',
        value: fastMs,
        unit: 'ms',
        baseline: naiveMs,
        baselineName: 'labelNaive',
        ratio: naiveMs / fastMs,
        note:
          `${setting}; ${touched} touched; bit-identical: ${sameAsNaive}; first calls ` +
          `${fastFirstMs.toFixed(0)} vs ${naiveFirstMs.toFixed(0)} ms; targets ≥10× and <50 ms`,
      },
      {
        name: 'triple-barrier labels vs per-event loop over row objects',
        value: fastMs,
        unit: 'ms',
        baseline: rowsMs,
        baselineName: 'row-object loop',
        ratio: rowsMs / fastMs,
        note: `${setting}; label mismatches vs row loop: ${rowMismatches}`,
      },
    ];
  },
};
