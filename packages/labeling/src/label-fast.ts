import { firstTouch, horizonBlocks, seekWindow } from './horizon-blocks.js';
import type { PricePath } from './path.js';
import { horizonPriceIndex, LabelStatus, labelingTask, settleComplete, settleUnlabeled } from './triple-barrier.js';
import type { TripleBarrierLabels, TripleBarrierOptions } from './triple-barrier.js';

/**
 * Triple-barrier labels, exactly equal to `labelNaive` (same rules, see triple-barrier.ts).
 * Events are taken in bar order (sorted first if the t0 list is not) so that horizon-blocks.ts
 * can answer each window from two blocks of running extrema: O(1) when no barrier is reached
 * (most events), O(log H) for the first touch, O(√H) in a rare case. In all O(bars + events ·
 * log H) on market-like paths and O(bars + events · √H) at worst, against O(events · H) for the
 * naive scan; extra memory O(H).
 */
export function labelTripleBarrier(path: PricePath, options: TripleBarrierOptions): TripleBarrierLabels {
  const task = labelingTask(path, options);
  const { ts, price, horizonSec, halfWidth, eventBar } = task;
  const n = ts.length;
  const blocks = horizonBlocks(ts, price, horizonSec);
  const order =
    eventBar === null || task.eventsInBarOrder
      ? null
      : Int32Array.from(eventBar.keys()).sort((a, b) => eventBar[a] - eventBar[b]);
  for (let k = 0; k < task.eventCount; k++) {
    const e = order === null ? k : order[k];
    const i = eventBar === null ? e : eventBar[e];
    if (i < 0 || Number.isNaN(price[i])) {
      settleUnlabeled(task, e, LabelStatus.no_price);
      continue;
    }
    const first = i + 1;
    const last = seekWindow(blocks, first);
    if (last < 0) {
      settleUnlabeled(task, e, first === n ? LabelStatus.incomplete : LabelStatus.gap);
      continue;
    }
    const covered = last === i + horizonSec;
    const p0 = price[i];
    const up = p0 * (1 + halfWidth[e]);
    const down = p0 * (1 - halfWidth[e]);
    const touch = firstTouch(blocks, first, last, up, down);
    if (touch >= 0) {
      const label = Number(price[touch] >= up) - Number(price[touch] <= down);
      const horizonIdx = covered ? last : horizonPriceIndex(ts, price, ts[i] + horizonSec, touch);
      settleComplete(task, e, label, touch, horizonIdx, p0);
    } else if (covered) {
      settleComplete(task, e, 0, -1, last, p0);
    } else {
      settleUnlabeled(task, e, last === n - 1 ? LabelStatus.incomplete : LabelStatus.gap);
    }
  }
  return task.out;
}

