// Node warns (TimeoutOverflowWarning) when a timer is set past 2^31 - 1 ms, and then fires it after
// 1 ms: a test of a long wait counts these warnings to show no timer overflowed.
import { afterEach, beforeEach } from 'vitest';

/** Counts TimeoutOverflowWarning during each test of the calling file (reset before each). */
export function countTimerOverflows(): { readonly count: number } {
  const seen = { count: 0 };
  const onWarning = (w: Error) => {
    if (w.name === 'TimeoutOverflowWarning') seen.count++;
  };
  beforeEach(() => {
    seen.count = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });
  return seen;
}
