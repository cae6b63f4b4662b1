// A rate-limit pause longer than a timer can hold (2^31−1 ms ≈ 24.8 days: Retry-After or a ban time
// is the server's number) must wait, not wake every millisecond. Real timers.
import { expect, it } from 'vitest';
import { countTimerOverflows } from '@cqt/test-support/timerOverflow';
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

const overflows = countTimerOverflows();

it('waits out a 30-day pause without waking every millisecond, and stop() still ends it', async () => {
  const p = new Banned(10);
  p.start();
  await new Promise((r) => setTimeout(r, 500));
  expect(p.made).toBe(1);
  expect(overflows.count, 'timers that overflowed (each fires after 1 ms)').toBe(0);
  await p.stop();
});
