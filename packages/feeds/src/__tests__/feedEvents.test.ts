import { describe, expect, it } from 'vitest';
import { STREAM_KINDS, carriesForceOrders, describeBreak, isStreamDown, isStreamRestart, isStreamUp, streamHistory, streamsOf } from '../feedEvents.js';

describe('stream names', () => {
  const streams = { streams: ['btcusdt@markPrice@1s', 'btcusdt@forceOrder'] };

  it('reads detail.streams, or detail.stream', () => {
    expect(streamsOf(streams)).toEqual(streams.streams);
    expect(streamsOf({ stream: '!forceOrder@arr' })).toEqual(['!forceOrder@arr']);
    expect(streamsOf(null)).toEqual([]);
    expect(streamsOf({ streams: [1, 'a'] })).toEqual(['a']);
  });

  it("a symbol's own forceOrder stream or the all-market one", () => {
    expect(carriesForceOrders(['btcusdt@forceOrder'], 'BTCUSDT')).toBe(true);
    expect(carriesForceOrders(['!forceOrder@arr'], 'ETHUSDT')).toBe(true);
    expect(carriesForceOrders(['ethusdt@forceOrder', 'btcusdt@markPrice@1s'], 'BTCUSDT')).toBe(false);
  });
});

describe('stream kinds', () => {
  it('a socket that opened or beat is up; one that went away or fell silent is down; nothing else counts', () => {
    expect(STREAM_KINDS.filter(isStreamUp)).toEqual(['connect', 'reconnect', 'rotate', 'heartbeat']);
    expect(STREAM_KINDS.filter(isStreamDown)).toEqual(['disconnect', 'stale']);
    expect(['gap', 'parse_error', 'connect_error', 'start'].some((kind) => isStreamUp(kind) || isStreamDown(kind))).toBe(false);
  });
});

describe('streamHistory (the one definition of "the forceOrder stream was up")', () => {
  const T = Date.UTC(2026, 10, 23, 10);
  const detail = { streams: ['btcusdt@markPrice@1s', 'btcusdt@forceOrder'] };
  const ev = (sec: number, kind: string) => ({ tsMs: T + sec * 1000, kind, detail });

  it('a new collector (start, or its first connect) ends the span before it, as a disconnect does', () => {
    expect(STREAM_KINDS.filter(isStreamRestart)).toEqual(['connect', 'start']);
    // kill -9 after the heartbeat at 120 s: no disconnect; a new collector at 200 s.
    const h = streamHistory([ev(0, 'connect'), ev(60, 'heartbeat'), ev(120, 'heartbeat'), ev(200, 'start'), ev(200.5, 'connect'), ev(260.5, 'heartbeat')], 'BTCUSDT', T + 300_000);
    expect(h.spans.map((s) => [s.fromMs - T, s.toMs - T, s.end && describeBreak(s.end)])).toEqual([
      [0, 200_000, 'start at 2026-11-23T10:03:20.000Z (collector restarted)'],
      [200_500, 300_000, null],
    ]);
    expect(h.breaks).toHaveLength(1);
  });

  it('a fresh start interrupts nothing; silence ends a span three heartbeats after the last up event', () => {
    const fresh = streamHistory([ev(0, 'start'), ev(0.2, 'connect'), ev(60.2, 'heartbeat')], 'BTCUSDT', T + 100_000);
    expect(fresh.breaks).toEqual([]);
    expect(fresh.spans).toEqual([{ fromMs: T + 200, toMs: T + 100_000, end: null }]);
    const silent = streamHistory([ev(0, 'heartbeat'), ev(200, 'heartbeat')], 'BTCUSDT', T + 250_000);
    expect(silent.spans.map((s) => [s.fromMs - T, s.toMs - T])).toEqual([[0, 180_000], [200_000, 250_000]]);
    expect(silent.breaks.map(describeBreak)).toEqual(['silent from 2026-11-23T10:00:00.000Z to 2026-11-23T10:03:20.000Z (> 180 s without a heartbeat)']);
  });
});
