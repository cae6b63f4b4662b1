import { describe, expect, it } from 'vitest';
import { STREAM_KINDS, carriesForceOrders, isStreamDown, isStreamUp, streamsOf } from '../feedEvents.js';

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
