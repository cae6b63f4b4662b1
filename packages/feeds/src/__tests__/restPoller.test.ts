// The REST poller base on a fake clock: schedule, rate-limit pauses and stop; and its pure timing maths.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextMinuteMs, readRetryAfterSec, resumeAtMs } from '../client/pollTiming.js';
import { RestPoller } from '../client/restPoller.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 10);

describe('poll timing', () => {
  it('reads Retry-After in delay-seconds only', () => {
    expect(readRetryAfterSec({ 'retry-after': '7' })).toBe(7);
    expect(readRetryAfterSec(new Headers({ 'Retry-After': '0' }))).toBe(0);
    expect(readRetryAfterSec({ 'Retry-After': '-3' })).toBeNull();
    expect(readRetryAfterSec({})).toBeNull();
  });

  it('rounds up to the next minute, strictly after now', () => {
    expect(nextMinuteMs(T0)).toBe(T0 + 50_000);
    expect(nextMinuteMs(T0 + 50_000)).toBe(T0 + 110_000);
  });

  it('resumes at the ban end, else after Retry-After, else at the fallback', () => {
    expect(resumeAtMs({ retryAfterSec: 3, bannedUntilMs: T0 + 120_000 }, T0, null)).toBe(T0 + 120_000);
    expect(resumeAtMs({ retryAfterSec: 3, bannedUntilMs: null }, T0, null)).toBe(T0 + 3000);
    expect(resumeAtMs({ retryAfterSec: null }, T0, T0 + 50_000)).toBe(T0 + 50_000);
    expect(resumeAtMs({ retryAfterSec: null }, T0, null)).toBeNull();
  });
});

/** Calls 'a', 'b' each pass; a call named in `limits` answers with that rate-limit hint once. */
class Probe extends RestPoller<string> {
  readonly made: Array<{ call: string; atMs: number }> = [];
  readonly limits = new Map<string, { retryAfterSec: number | null; fallbackMs: number | null }>();
  resumesAt: Array<number | null> = [];
  inFlight: Promise<void> | null = null;
  callMs = 0;

  protected override calls(): string[] {
    return ['a', 'b'];
  }

  protected override async poll(call: string): Promise<void> {
    this.made.push({ call, atMs: Date.now() });
    if (this.callMs > 0) await new Promise((r) => setTimeout(r, this.callMs));
    const limit = this.limits.get(call);
    if (!limit) return;
    this.limits.delete(call);
    this.resumesAt.push(this.pauseForRateLimit({ retryAfterSec: limit.retryAfterSec }, limit.fallbackMs));
  }
}

describe('RestPoller', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('starts each pass one interval after the previous pass ended', async () => {
    const p = new Probe(5000);
    p.callMs = 1000;
    p.start();
    await vi.advanceTimersByTimeAsync(13_000);
    await p.stop();
    expect(p.made.map((m) => [m.call, m.atMs - T0])).toEqual([
      ['a', 0], ['b', 1000], ['a', 7000], ['b', 8000],
    ]);
  });

  it('a Retry-After holds every later call, across passes, until it has run out', async () => {
    const p = new Probe(1000);
    p.limits.set('b', { retryAfterSec: 3, fallbackMs: null });
    p.start();
    await vi.advanceTimersByTimeAsync(6000);
    await p.stop();
    expect(p.resumesAt).toEqual([T0 + 3000]);
    expect(p.made.map((m) => [m.call, m.atMs - T0])).toEqual([
      ['a', 0], ['b', 0], ['a', 3000], ['b', 3000], ['a', 4000], ['b', 4000], ['a', 5000], ['b', 5000], ['a', 6000], ['b', 6000],
    ]);
  });

  it('without Retry-After it waits for the fallback, or not at all when there is none', async () => {
    const withFallback = new Probe(1000);
    withFallback.limits.set('b', { retryAfterSec: null, fallbackMs: T0 + 2500 });
    await withFallback.pollOnce();
    expect(withFallback.resumesAt).toEqual([T0 + 2500]);
    const next = withFallback.pollOnce();
    await vi.advanceTimersByTimeAsync(2500);
    await next;
    expect(withFallback.made.map((m) => m.atMs - T0)).toEqual([0, 0, 2500, 2500]);

    const without = new Probe(1000);
    without.limits.set('a', { retryAfterSec: null, fallbackMs: null });
    await without.pollOnce();
    expect(without.resumesAt).toEqual([null]);
    expect(without.made.map((m) => m.atMs - T0)).toEqual([2500, 2500]);
  });

  it('stop cuts a pause short, waits for the call in flight and starts no other', async () => {
    const p = new Probe(1000);
    p.limits.set('a', { retryAfterSec: 600, fallbackMs: null });
    p.start();
    await vi.advanceTimersByTimeAsync(10);
    const stopped = p.stop();
    await vi.advanceTimersByTimeAsync(0);
    await stopped;
    expect(p.made.map((m) => m.call)).toEqual(['a']);

    const busy = new Probe(1000);
    busy.callMs = 2000;
    busy.start();
    await vi.advanceTimersByTimeAsync(0);
    let done = false;
    const stopping = busy.stop().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(busy.made.map((m) => m.call)).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(busy.made.map((m) => m.call)).toEqual(['a']);
  });
});
