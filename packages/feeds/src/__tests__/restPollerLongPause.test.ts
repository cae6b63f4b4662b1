// A rate-limit pause longer than a timer can hold (2^31−1 ms ≈ 24.8 days: Retry-After or a ban time
// is the server's number) must wait, not wake every millisecond. Real timers.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RestPoller } from '../client/restPoller.js';

/** One call per pass; the first answers with a 30-day Retry-After. */
class Banned extends RestPoller<string> {
  made = 0;
  protected override calls(): string[] {
    return ['a'];
  }
  protected override async poll(): Promise<void> {
    if (this.made++ === 0) this.pauseForRateLimit({ retryAfterSec: 30 * 86_400 }, null);
  }
}

let overflowWarnings = 0;
const onWarning = (w: Error) => {
  if (w.name === 'TimeoutOverflowWarning') overflowWarnings++;
};
beforeEach(() => {
  overflowWarnings = 0;
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});

it('waits out a 30-day pause without waking every millisecond, and stop() still ends it', async () => {
  const p = new Banned(10);
  p.start();
  await new Promise((r) => setTimeout(r, 500));
  expect(p.made).toBe(1);
  expect(overflowWarnings, 'timers that overflowed (each fires after 1 ms)').toBe(0);
  await p.stop();
});
