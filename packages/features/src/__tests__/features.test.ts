import { describe, expect, it } from 'vitest';
import { computeFeatures, streamDownReason, type SnapshotInputs } from '../features.js';
import { snapshotFromInputs } from '../snapshot.js';
import { SEC } from '@cqt/test-support/seed';
import { BINANCE, snapshotOptions, STREAMS, SYMBOL } from '@cqt/test-support/syntheticMarket';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const SETTINGS = { binanceSymbol: BINANCE, binancePollSec: 60 };

/** Bars for the seconds t0 − count − 2 … t0 − 3 (the newest known at t0), mid from `priceAt`. */
function bars(count: number, priceAt: (sec: number) => number | null = () => 1e8, skip: (sec: number) => boolean = () => false) {
  return Array.from({ length: count }, (_, k) => T0 - (count + 2 - k) * SEC)
    .filter((ts) => !skip(ts))
    .map((tsMs) => ({
      tsMs,
      mid: priceAt(tsMs),
      close: null,
      spreadBps: 1,
      bidSize: 3,
      askSize: 1,
      tradeCount: 2,
      volume: 0.5,
      buyVolume: 0.4,
      sellVolume: 0.1,
      recvTsMs: tsMs + 2600,
    }));
}

const up = (tsMs: number, kind = 'heartbeat') => ({ tsMs, kind, detail: { streams: STREAMS } });

function inputs(overrides: Partial<SnapshotInputs> = {}): SnapshotInputs {
  return {
    market: bars(700, (ts) => 1e8 * Math.exp(((ts - T0) / SEC) * 1e-5)),
    markPrice: { tsMs: T0 - 400, markPrice: 95_000, indexPrice: 94_990, fundingRate: 0.0001, recvTsMs: T0 - 350 },
    metrics: [
      { metric: 'open_interest_value', tsMs: T0 - 600 * SEC, value: 8e9, recvTsMs: T0 - 590 * SEC },
      { metric: 'open_interest_value', tsMs: T0 - 300 * SEC, value: 8.08e9, recvTsMs: T0 - 290 * SEC },
      { metric: 'global_ls_ratio', tsMs: T0 - 300 * SEC, value: 1.5, recvTsMs: T0 - 290 * SEC },
      { metric: 'top_ls_ratio', tsMs: T0 - 300 * SEC, value: 1.2, recvTsMs: T0 - 290 * SEC },
      { metric: 'taker_ls_ratio', tsMs: T0 - 300 * SEC, value: 0.9, recvTsMs: T0 - 290 * SEC },
      { metric: 'basis', tsMs: T0 - 300 * SEC, value: 31, recvTsMs: T0 - 290 * SEC },
    ],
    forceOrders: [
      { tsMs: T0 - 200 * SEC, notional: 1000, price: 95_000, origQty: 1, recvTsMs: T0 - 199 * SEC },
      { tsMs: T0 - 10 * SEC, notional: null, price: 95_000, origQty: 0.5, recvTsMs: T0 - 9 * SEC },
    ],
    streamEvents: [up(T0 - 420 * SEC, 'connect'), up(T0 - 360 * SEC), up(T0 - 300 * SEC), up(T0 - 240 * SEC), up(T0 - 180 * SEC), up(T0 - 120 * SEC), up(T0 - 60 * SEC)],
    ...overrides,
  };
}

describe('computeFeatures', () => {
  it('computes every feature from fresh inputs, with windows ending at the newest bar', () => {
    const { features, degraded, inputsMaxRecvTsMs } = computeFeatures(inputs(), T0, SETTINGS);
    expect(degraded).toEqual({});
    const newest = T0 - 3 * SEC;
    expect(features.midKrw).toBe(1e8 * Math.exp(-3e-5));
    // Log returns of a 1e-5/s exponential trend: N·1e-5, up to rounding.
    expect(features.ret5s).toBeCloseTo(5e-5, 15);
    expect(features.ret300s).toBeCloseTo(300e-5, 14);
    // Realised volatility of 300 equal returns of 1e-5: √300·1e-5.
    expect(features.rv300s).toBeCloseTo(Math.sqrt(300) * 1e-5, 14);
    expect(features.tradeCount60s).toBe(120);
    expect(features.volume60s).toBeCloseTo(30, 12);
    expect(features.tradeImbalance60s).toBeCloseTo(0.6, 12);
    expect(features.bookImbalance).toBe(0.5);
    expect(features.sigma).toBeCloseTo(1e-5, 12);
    expect(features.binMarkPrice).toBe(95_000);
    expect(features.oiValue).toBe(8.08e9);
    expect(features.oiValueChg5m).toBeCloseTo(0.01, 12);
    expect(features.basis).toBe(31);
    expect(features.liq5mNotional).toBe(1000 + 95_000 * 0.5);
    expect(features.liq5mCount).toBe(2);
    // The mark price row (received at t0 − 350 ms) arrived after the newest bar (t0 − 3 s + 2.6 s).
    expect(inputsMaxRecvTsMs).toBe(T0 - 350);
    expect(newest + 2600).toBeLessThan(T0 - 350);
  });

  it('a stale input is null with its reason, never the old value', () => {
    const { features, degraded } = computeFeatures(
      inputs({ markPrice: { tsMs: T0 - 42 * SEC, markPrice: 95_000, indexPrice: 1, fundingRate: 0, recvTsMs: T0 - 41 * SEC }, market: bars(700).slice(0, -10) }),
      T0,
      SETTINGS,
    );
    expect(features.binMarkPrice).toBeNull();
    expect(degraded.bin_mark_price).toBe('stale: 42 s > 5 s');
    expect(degraded.bin_funding_rate).toBe('stale: 42 s > 5 s');
    expect(features.midKrw).toBeNull();
    expect(degraded.mid_krw).toBe('stale: 13 s > 5 s');
    expect(degraded.sigma).toBe('stale: 13 s > 5 s');
    const none = computeFeatures(inputs({ markPrice: null, market: [] }), T0, SETTINGS).degraded;
    expect(none.bin_mark_price).toBe('hard_stale: no rows');
    expect(none.ret_5s).toBe('hard_stale: no rows');
  });

  it('window features need their window: a gap makes trade flow and rv null; a return looks back at most 5 s for its start price', () => {
    const trend = (ts: number) => 1e8 * Math.exp(((ts - T0) / SEC) * 1e-5);
    // Seconds t0−36 … t0−33 missing: the price as of t0−33 (start of ret_30s) is t0−37's, 4 s older.
    const short = computeFeatures(inputs({ market: bars(700, trend, (ts) => ts >= T0 - 36 * SEC && ts < T0 - 32 * SEC) }), T0, SETTINGS);
    expect(short.features.ret30s).toBeCloseTo(34e-5, 15);
    expect(short.degraded.trade_count_60s).toBe('56 of 60 s have a bar');
    expect(short.features.tradeImbalance60s).toBeNull();
    // 55 one-second returns and one across the 5 s hole.
    expect(short.features.rv60s).toBeCloseTo(Math.sqrt(55 * 1e-10 + (5e-5) ** 2), 15);
    // Seconds t0−40 … t0−33 missing: 8 s is beyond the market_1s stale bound.
    const long = computeFeatures(inputs({ market: bars(700, trend, (ts) => ts >= T0 - 40 * SEC && ts < T0 - 32 * SEC) }), T0, SETTINGS);
    expect(long.features.ret30s).toBeNull();
    expect(long.degraded.ret_30s).toBe('no price within 5 s before 2026-11-23T09:59:27.000Z');
    expect(long.degraded.rv_60s).toBe('gap of 9 s in the last 60 s');
    expect(long.features.ret60s).toBeCloseTo(60e-5, 15);
    const young = computeFeatures(inputs({ market: bars(50) }), T0, SETTINGS).degraded;
    expect(young.ret_60s).toBe('no price within 5 s before 2026-11-23T09:58:57.000Z');
    expect(young.sigma).toBe('warming up: 49 returns < 60 in 600 s');
  });

  it('liquidations: 0 while the stream was up, null only when it was not', () => {
    const quiet = computeFeatures(inputs({ forceOrders: [] }), T0, SETTINGS).features;
    expect(quiet.liq5mNotional).toBe(0);
    expect(quiet.liq5mCount).toBe(0);
    const dropped = computeFeatures(inputs({ streamEvents: [...inputs().streamEvents, { tsMs: T0 - 30 * SEC, kind: 'disconnect', detail: { streams: STREAMS } }] }), T0, SETTINGS);
    expect(dropped.features.liq5mNotional).toBeNull();
    expect(dropped.degraded.liq_5m_notional).toBe('btcusdt@forceOrder disconnect at 2026-11-23T09:59:30.000Z');
  });

  it('every null feature has a reason, and only null ones do', () => {
    for (const variant of [inputs(), inputs({ market: [], markPrice: null, metrics: [], streamEvents: [] }), inputs({ market: bars(30) })]) {
      const { features, degraded } = computeFeatures(variant, T0, SETTINGS);
      const nulls = Object.entries(features).filter(([, v]) => v === null).length;
      expect(Object.keys(degraded)).toHaveLength(nulls);
    }
  });
});

describe('streamDownReason (binance.ws connect/heartbeat/disconnect events)', () => {
  const from = T0 - 300 * SEC;
  const reason = (events: Array<{ tsMs: number; kind: string; detail?: unknown }>, symbol = BINANCE) =>
    streamDownReason(events.map((e) => ({ detail: { streams: STREAMS }, ...e })), symbol, from, T0);

  it('up: an open or a heartbeat before the window, heartbeats at most 180 s apart, no disconnect', () => {
    expect(reason([up(from - 100 * SEC), up(from + 60 * SEC), up(from + 200 * SEC)])).toBeNull();
    // A rotation opens the new socket before the old one goes; it is no disconnect.
    expect(reason([up(from - 1 * SEC, 'connect'), up(from + 100 * SEC, 'rotate'), up(from + 250 * SEC)])).toBeNull();
    // The all-market stream carries every symbol.
    expect(reason([{ ...up(from - 1), detail: { streams: ['!forceOrder@arr'] } }, { ...up(from + 150 * SEC), detail: { stream: '!forceOrder@arr' } }])).toBeNull();
  });

  it('down: not known at the start, down at the start, a disconnect or stale inside, or silence', () => {
    expect(reason([up(from + 10 * SEC, 'connect')])).toMatch(/not known to be up at 2026-11-23T09:55:00.000Z/);
    expect(reason([up(from - 10 * SEC, 'disconnect'), up(from + 10 * SEC, 'connect'), up(from + 200 * SEC)])).toMatch(/down at .*disconnect at/);
    expect(reason([up(from - 10 * SEC), { tsMs: from + 50 * SEC, kind: 'stale' }, up(from + 51 * SEC, 'reconnect'), up(from + 200 * SEC)])).toMatch(/stale at 2026-11-23T09:55:50.000Z/);
    expect(reason([up(from - 10 * SEC), up(from + 100 * SEC)])).toMatch(/silent from 2026-11-23T09:56:40.000Z to 2026-11-23T10:00:00.000Z/);
    expect(reason([up(from - 200 * SEC), up(from + 60 * SEC), up(from + 120 * SEC), up(from + 240 * SEC)])).toMatch(/silent from 2026-11-23T09:51:40.000Z/);
    // Events of a socket without this symbol's forceOrder stream say nothing about it.
    expect(reason([{ ...up(from - 1), detail: { streams: ['ethusdt@forceOrder'] } }, up(from + 100 * SEC), up(from + 250 * SEC)])).toMatch(/not known/);
  });
});

describe('streamDownReason after a crash and a restart (kill -9: no disconnect written)', () => {
  // The collector beat every 60 s until T0 − 250 s, was killed at T0 − 230 s (nothing written),
  // and a new one started at T0 − 200 s: its start event, then its socket's first connect.
  const from = T0 - 300 * SEC;
  const before = [up(T0 - 430 * SEC, 'connect'), up(T0 - 370 * SEC), up(T0 - 310 * SEC), up(T0 - 250 * SEC)];
  const after = [up(T0 - 200 * SEC + 150, 'connect'), up(T0 - 140 * SEC + 150), up(T0 - 80 * SEC + 150), up(T0 - 20 * SEC + 150)];
  const start = { tsMs: T0 - 200 * SEC, kind: 'start', detail: { markets: ['KRW-BTC'], symbols: [BINANCE], streams: STREAMS, pid: 4242 } };

  it("the new collector's start ends the old up-interval", () => {
    expect(streamDownReason([...before, start, ...after], BINANCE, from, T0)).toBe('btcusdt@forceOrder start at 2026-11-23T09:56:40.000Z (collector restarted)');
  });

  it('so does its first connect (attempt 0) when no start event was read', () => {
    expect(streamDownReason([...before, ...after], BINANCE, from, T0)).toBe('btcusdt@forceOrder connect at 2026-11-23T09:56:40.150Z (collector restarted)');
  });

  it("another collector's start (other streams) says nothing about this one; one naming no streams concerns all", () => {
    const other = { ...start, detail: { ...start.detail, streams: ['ethusdt@markPrice@1s', 'ethusdt@forceOrder'] } };
    const beats = [...before, up(T0 - 190 * SEC), up(T0 - 130 * SEC), up(T0 - 70 * SEC), up(T0 - 10 * SEC)];
    expect(streamDownReason([...beats.slice(0, 4), other, ...beats.slice(4)], BINANCE, from, T0)).toBeNull();
    const unscoped = { ...start, detail: { pid: 4242 } };
    expect(streamDownReason([...beats.slice(0, 4), unscoped, ...beats.slice(4)], BINANCE, from, T0)).toMatch(/start at .* \(collector restarted\)/);
  });

  it('liquidations read null, not 0, for the window across the restart', () => {
    const { features, degraded } = computeFeatures(inputs({ streamEvents: [...before, start, ...after] }), T0, SETTINGS);
    expect(features.liq5mNotional).toBeNull();
    expect(features.liq5mCount).toBeNull();
    expect(degraded.liq_5m_notional).toMatch(/collector restarted/);
  });
});

describe('snapshotFromInputs', () => {
  it('barrier and probabilities from sigma and spread; explicit nulls with reasons when they are missing', () => {
    const { feature, prediction } = snapshotFromInputs(inputs(), SYMBOL, T0, snapshotOptions());
    expect(feature.pUp! + feature.pDown! + feature.pNone!).toBeCloseTo(1, 14);
    expect(prediction.rMinEff).toBeCloseTo(2 * 0.0005 + 1e-4, 15);
    expect(feature.rT).toBe(prediction.rT);
    expect(prediction.params).toMatchObject({ binanceSymbol: BINANCE, model: { name: 'brownian_first_passage' } });
    const cold = snapshotFromInputs(inputs({ market: bars(30) }), SYMBOL, T0, snapshotOptions());
    expect(cold.feature.pUp).toBeNull();
    expect(cold.prediction.pUp).toBeNull();
    expect((cold.feature.degraded as Record<string, string>).p_up).toBe('needs sigma (warming up: 29 returns < 60 in 600 s)');
  });
});
