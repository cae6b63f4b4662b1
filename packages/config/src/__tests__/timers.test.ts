// Timers for durations a user gives: Node's setTimeout holds at most 2^31−1 ms (≈ 24.8 days) and
// fires a longer one after 1 ms. Real timers; nothing here waits longer than a few seconds.
import { getEventListeners } from 'node:events';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { countTimerOverflows } from '@cqt/test-support/timerOverflow';
import { loadConfig } from '../load.js';
import { longTimeout, MAX_RUN_SEC, parseRunDurationSec, sleepMs } from '../timers.js';
import { UsageError } from '../errors.js';

const DAY_MS = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const overflows = countTimerOverflows();

describe('longTimeout', () => {
  it('does not fire a 30-day timer early, and cancel() stops it', async () => {
    let fired = 0;
    const t = longTimeout(() => fired++, 30 * DAY_MS);
    await sleep(300);
    t.cancel();
    expect(fired).toBe(0);
    expect(overflows.count).toBe(0);
  });

  it('fires a short timer once, after its delay', async () => {
    const startedMs = performance.now();
    let firedAtMs: number | null = null;
    longTimeout(() => (firedAtMs = performance.now()), 50);
    for (let i = 0; i < 100 && firedAtMs === null; i++) await sleep(50);
    expect(firedAtMs).not.toBeNull();
    expect(firedAtMs! - startedMs).toBeGreaterThanOrEqual(49);
  });

  it('an unref()ed timer does not keep the process alive, a ref()ed one does', () => {
    const t = longTimeout(() => {}, 30 * DAY_MS);
    expect(t.hasRef()).toBe(true);
    t.unref();
    expect(t.hasRef()).toBe(false);
    t.cancel();
  });

  it('refuses a negative or non-numeric delay', () => {
    expect(() => longTimeout(() => {}, -1)).toThrow(RangeError);
    expect(() => longTimeout(() => {}, Number.NaN)).toThrow(RangeError);
  });
});

describe('sleepMs', () => {
  it('resolves true when the time has passed, false at once when aborted before or during', async () => {
    expect(await sleepMs(20)).toBe(true);
    const aborted = new AbortController();
    aborted.abort();
    expect(await sleepMs(30 * DAY_MS, aborted.signal)).toBe(false);
    const later = new AbortController();
    const slept = sleepMs(30 * DAY_MS, later.signal);
    await sleep(200);
    later.abort();
    expect(await slept).toBe(false);
    expect(overflows.count).toBe(0);
  });

  it('leaves no abort listener behind, also for a wait of 0 ms (a loop that ran past its interval)', async () => {
    const controller = new AbortController();
    for (const ms of [0, 0, 5, 0]) expect(await sleepMs(ms, controller.signal)).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('run durations', () => {
  it('accepts up to a year, refuses more and nothing, naming the flag', () => {
    expect(parseRunDurationSec('30d', '--duration')).toBe(30 * 86_400);
    expect(parseRunDurationSec('365d', '--duration')).toBe(MAX_RUN_SEC);
    expect(() => parseRunDurationSec('366d', '--duration')).toThrow(
      expect.objectContaining({ message: '--duration 366d is longer than 365 days', hint: 'leave --duration out to run until stopped' }),
    );
    expect(() => parseRunDurationSec('0', '--duration')).toThrow(UsageError);
    expect(() => parseRunDurationSec('soon', '--duration')).toThrow(UsageError);
  });

  it('refuses REST poll periods longer than a day (a poller timer would overflow)', () => {
    expect(loadConfig({ env: { BINANCE_POLL_SEC: '86400' }, cwd: tmpdir() }).values.binancePollSec).toBe(86_400);
    expect(() => loadConfig({ env: { BINANCE_POLL_SEC: String(30 * 86_400) }, cwd: tmpdir() })).toThrow(/BINANCE_POLL_SEC/);
    expect(() => loadConfig({ env: { COINGLASS_POLL_SEC: String(30 * 86_400) }, cwd: tmpdir() })).toThrow(/COINGLASS_POLL_SEC/);
  });
});
