import type { PricePath } from './path.js';
import { horizonPriceIndex, LabelStatus, labelingTask, settleComplete, settleUnlabeled } from './triple-barrier.js';
import type { TripleBarrierLabels, TripleBarrierOptions } from './triple-barrier.js';

/**
 * Reference labeler: walks each event's window second by second and stops at the first touch,
 * gap or end of data — O(events · H). It states the rules directly, so tests hold the fast
 * labeler to it bit for bit, and the bench measures against it.
 */
export function labelNaive(path: PricePath, options: TripleBarrierOptions): TripleBarrierLabels {
  const task = labelingTask(path, options);
  const { ts, price, horizonSec, halfWidth, eventBar } = task;
  const n = ts.length;
  for (let e = 0; e < task.eventCount; e++) {
    const i0 = eventBar === null ? e : eventBar[e];
    const p0 = i0 < 0 ? Number.NaN : price[i0];
    if (Number.isNaN(p0)) {
      settleUnlabeled(task, e, LabelStatus.no_price);
      continue;
    }
    const up = p0 * (1 + halfWidth[e]);
    const down = p0 * (1 - halfWidth[e]);
    const endSec = ts[i0] + horizonSec;
    let status: number = LabelStatus.complete;
    let label = 0;
    let touch = -1;
    let j = i0;
    while (ts[j] < endSec) {
      const next = j + 1;
      if (next === n) {
        status = LabelStatus.incomplete;
        break;
      }
      const p = price[next];
      if (ts[next] !== ts[j] + 1 || Number.isNaN(p)) {
        status = LabelStatus.gap;
        break;
      }
      j = next;
      const isUp = p >= up;
      const isDown = p <= down;
      if (isUp || isDown) {
        touch = j;
        label = Number(isUp) - Number(isDown);
        break;
      }
    }
    if (status !== LabelStatus.complete) settleUnlabeled(task, e, status);
    else settleComplete(task, e, label, touch, touch >= 0 ? horizonPriceIndex(ts, price, endSec, touch) : j, p0);
  }
  return task.out;
}
