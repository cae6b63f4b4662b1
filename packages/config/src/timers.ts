// Timers for durations a user gives (`--duration 30d`, a predict interval). Node's setTimeout
// holds at most 2^31−1 ms (≈ 24.8 days) and fires a longer delay after 1 ms instead, so these
// chain steps no longer than that towards a deadline on the monotonic clock.
import { UsageError } from './errors.js';
import { parseDurationSec } from './time.js';

/** The longest delay one setTimeout holds. */
export const MAX_TIMER_STEP_MS = 2 ** 31 - 1;

/** The longest `--duration` a command accepts: past a year it is a typo (leave it out to run until stopped). */
export const MAX_RUN_SEC = 365 * 86_400;

export interface LongTimer {
  cancel(): void;
  /** Lets the process exit while only this timer is pending. */
  unref(): LongTimer;
  hasRef(): boolean;
}

/** Calls `fn` once after `delayMs` (any length; Infinity never fires) unless cancelled first. */
export function longTimeout(fn: () => void, delayMs: number): LongTimer {
  if (!(delayMs >= 0)) throw new RangeError(`timer delay must be ≥ 0 ms (got ${delayMs})`);
  const dueMs = performance.now() + delayMs;
  let referenced = true;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const leftMs = dueMs - performance.now();
    if (leftMs <= 0) {
      timer = undefined;
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(leftMs, MAX_TIMER_STEP_MS));
    if (!referenced) timer.unref();
  };
  arm();
  const handle: LongTimer = {
    cancel() {
      clearTimeout(timer);
      timer = undefined;
    },
    unref() {
      referenced = false;
      timer?.unref();
      return handle;
    },
    hasRef: () => referenced && timer !== undefined,
  };
  return handle;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts (at once if it already has). */
export function sleepMs(ms: number, signal?: AbortSignal, options: { unref?: boolean } = {}): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    let timer: LongTimer | undefined;
    const onAbort = () => {
      timer?.cancel();
      resolve(false);
    };
    // Listen first: a 0 ms timer fires inside longTimeout(), and must find the listener to remove.
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = longTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    if (options.unref) timer.unref();
  });
}

/** A `--duration` text → seconds: more than 0, at most MAX_RUN_SEC. */
export function parseRunDurationSec(text: string, flag: string): number {
  const sec = parseDurationSec(text, flag);
  if (sec <= 0) throw new UsageError(`invalid ${flag} "${text}"`, `a duration longer than 0 s, e.g. 90s, 10m, 24h, 30d; leave ${flag} out to run until stopped`);
  if (sec > MAX_RUN_SEC) throw new UsageError(`${flag} ${text} is longer than ${MAX_RUN_SEC / 86_400} days`, `leave ${flag} out to run until stopped`);
  return sec;
}
