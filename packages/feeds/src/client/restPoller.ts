// A REST poller: one pass over its calls every interval, one call at a time, owning the hard parts
// once (the REST counterpart of FeedSocket):
// - the schedule: the next pass starts `intervalMs` after the previous one ended, so a slow pass
//   never overlaps the next;
// - pauses: a rate limit (Retry-After, a ban end, a venue fallback) holds every later call,
//   across passes, until it ends;
// - stop: no call starts after stop(), a pause is cut short, and stop() waits for the call in flight.
// Subclasses say what the calls are and make one; recording the outcome is theirs.
import { MAX_TIMER_STEP_MS, resumeAtMs, type RateLimitHint } from './pollTiming.js';

export abstract class RestPoller<Call> {
  private pausedUntilMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(private readonly intervalMs: number) {}

  /** The calls of one pass, in order. */
  protected abstract calls(): Iterable<Call>;

  /** Makes one call and records its outcome; a rate limit calls pauseForRateLimit(). */
  protected abstract poll(call: Call): Promise<void>;

  start(): void {
    this.stopped = false;
    const cycle = (): void => {
      this.running = this.pollOnce().finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(cycle, this.intervalMs);
      });
    };
    cycle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.running;
  }

  /** One pass over every call, each waiting out any pause first. */
  async pollOnce(): Promise<void> {
    for (const call of this.calls()) {
      await this.waitWhilePaused();
      if (this.stopped) return;
      await this.poll(call);
    }
  }

  /** Holds every later call until `untilMs` (a later pause already set wins). */
  protected pauseUntil(untilMs: number): void {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, untilMs);
  }

  /** Pauses after a 429/418 until resumeAtMs(); returns that time (null: no pause). */
  protected pauseForRateLimit<F extends number | null>(hint: RateLimitHint, fallbackMs: F): number | F {
    const untilMs = resumeAtMs(hint, Date.now(), fallbackMs);
    if (untilMs !== null) this.pauseUntil(untilMs);
    return untilMs;
  }

  private async waitWhilePaused(): Promise<void> {
    // Re-checked on waking: a timer can fire a millisecond before Date.now() reaches the pause end,
    // and no call may start inside the pause.
    for (let waitMs = this.pausedUntilMs - Date.now(); waitMs > 0 && !this.stopped; waitMs = this.pausedUntilMs - Date.now()) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(waitMs, MAX_TIMER_STEP_MS));
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}
