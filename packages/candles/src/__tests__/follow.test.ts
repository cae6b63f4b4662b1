// The follow schedule with a fake clock (wakes just after each close per timeframe, backs off on
// failure, never past the next close), then one short real run against the fake exchange: the
// catch-up pass, the next wake at the next minute's close, and a clean stop on abort.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { BinanceKlines, CLOSE_GRACE_MS, FOLLOW_DELAY_MS, afterPass, backoffMs, candleOpen, expectedCursor, follow, nextCloseWake, nextWake, readCursor, type FollowState, type Series } from '../index.js';

const at = (iso: string) => Date.parse(iso);
const AFTER = CLOSE_GRACE_MS + FOLLOW_DELAY_MS;
const m1: Series = { venue: 'binance', symbol: 'BTCUSDT', timeframe: '1m' };
const h1: Series = { ...m1, timeframe: '1h' };

describe('follow schedule (fake clock)', () => {
  it('wakes just after the forming candle closes, per timeframe, on the calendar for weeks and months', () => {
    const now = at('2026-01-15T10:00:30Z'); // a Thursday
    expect(nextCloseWake('1m', now)).toBe(at('2026-01-15T10:01:00Z') + AFTER);
    expect(nextCloseWake('1h', now)).toBe(at('2026-01-15T11:00:00Z') + AFTER);
    expect(nextCloseWake('1d', now)).toBe(at('2026-01-16T00:00:00Z') + AFTER);
    expect(nextCloseWake('1w', now)).toBe(at('2026-01-19T00:00:00Z') + AFTER);
    expect(nextCloseWake('1M', now)).toBe(at('2026-02-01T00:00:00Z') + AFTER);
  });

  it('a pass that reached the newest closed candle waits for the next close; a failed or short one backs off, never past the next close', () => {
    const now = at('2026-01-15T10:00:05Z');
    const state: FollowState = { series: h1, dueMs: now, failures: 0 };
    expect(expectedCursor('1h', now)).toBe(at('2026-01-15T09:00:00Z'));
    expect(afterPass(state, now, now + 500, at('2026-01-15T09:00:00Z'), false)).toEqual({ series: h1, dueMs: at('2026-01-15T11:00:00Z') + AFTER, failures: 0 });
    // The venue's clock had not closed 09:00 yet: try again shortly.
    expect(afterPass(state, now, now, at('2026-01-15T08:00:00Z'), false)).toEqual({ series: h1, dueMs: now + 2000, failures: 1 });
    // A pass that straddled the next close is due again at once, on that close.
    expect(afterPass(state, now, at('2026-01-15T11:00:10Z'), at('2026-01-15T09:00:00Z'), false).dueMs).toBe(at('2026-01-15T11:00:00Z') + AFTER);
    let s = state;
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      s = afterPass(s, now, now, null, true);
      waits.push(s.dueMs - now);
    }
    expect(waits).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffMs(30)).toBe(5 * 60_000);
    // A 1m series backs off at most to its next close.
    expect(afterPass({ series: m1, dueMs: now, failures: 9 }, now, now, null, true).dueMs).toBe(nextCloseWake('1m', now));
  });

  it('three hours of 1m and 1h series: 180 + 3 wakes, each just after a close, never in between', () => {
    const startMs = at('2026-01-15T10:00:00Z') + AFTER;
    let now = startMs;
    let states: FollowState[] = [m1, h1].map((series) => ({ series, dueMs: startMs, failures: 0 }));
    const wakes: Array<[string, number]> = [];
    for (;;) {
      const { atMs, due } = nextWake(states);
      if (atMs >= at('2026-01-15T13:00:00Z')) break;
      now = atMs;
      for (const d of due) {
        wakes.push([d.series.timeframe, now]);
        states = states.map((s) => (s === d ? afterPass(d, now, now + 300, expectedCursor(d.series.timeframe, now), false) : s));
      }
    }
    expect(wakes.filter(([tf]) => tf === '1m')).toHaveLength(180);
    expect(wakes.filter(([tf]) => tf === '1h')).toHaveLength(3);
    expect(wakes.every(([tf, t]) => t - candleOpen(tf, t) === AFTER)).toBe(true);
  });
});

let ex: FakeExchange;
beforeAll(async () => {
  ex = await startFakeExchange({ seed: 41, markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] } });
});
afterAll(() => ex?.close());

describeBackends('follow (real run)', ({ db }) => {
  it('catches up from --from, then sleeps until the next minute closes, and stops cleanly on abort', async () => {
    const client = new BinanceKlines(ex.urls.BINANCE_REST_URL);
    const controller = new AbortController();
    const sleeps: Array<{ atMs: number; due: string[] }> = [];
    const fromMs = candleOpen('1h', Date.now()) - 3 * 3_600_000;
    const summary = await follow(db().sql, () => client, [m1, h1], {
      fromMs,
      signal: controller.signal,
      onSleep: (atMs, due) => {
        sleeps.push({ atMs, due: due.map((s) => s.timeframe) });
        // The first sleep is the catch-up (due now); stop once the next one is scheduled.
        if (sleeps.length === 2) controller.abort();
      },
    });
    expect(summary).toMatchObject({ passes: 2, failedPasses: 0 });
    expect(sleeps[0].due).toEqual(['1m', '1h']);
    // After the catch-up the 1m series is next, just after the forming minute closes — with the
    // 1h series too when that minute closes an hour (the run at 01:59 UTC in CI).
    const closesHour = (sleeps[1].atMs - AFTER) % 3_600_000 === 0;
    expect(sleeps[1].due).toEqual(closesHour ? ['1m', '1h'] : ['1m']);
    expect(sleeps[1].atMs - candleOpen('1m', sleeps[1].atMs)).toBe(AFTER);
    expect(sleeps[1].atMs - Date.now()).toBeLessThanOrEqual(60_000 + AFTER);
    const now = Date.now();
    for (const s of [m1, h1]) expect(await readCursor(db().sql, s)).toBeGreaterThanOrEqual(expectedCursor(s.timeframe, now) - (s.timeframe === '1m' ? 60_000 : 0));
    const [{ n }] = await db().sql<{ n: number }[]>`select count(*)::int as n from candles where timeframe = '1m' and ts >= ${new Date(fromMs)}`;
    expect(n).toBeGreaterThanOrEqual(179);
    expect(ex.stats.rest.binance.rateLimitViolations).toBe(0);
  });
});
