import { describe, expect, it } from 'vitest';
import { MAX_SILENCE_SEC, type StreamEvent } from '@cqt/feeds';
import { judgeStream } from '../forceOrderStream.js';

const AS_OF = Date.UTC(2026, 10, 23, 10);
const ago = (sec: number) => AS_OF - sec * 1000;
const streams = { streams: ['btcusdt@markPrice@1s', 'btcusdt@forceOrder'] };
const ev = (sec: number, kind: string, detail: unknown = streams): StreamEvent => ({ tsMs: ago(sec), kind, detail });

describe('judgeStream', () => {
  it.each([
    { name: 'heartbeats', events: [ev(130, 'connect'), ev(70, 'heartbeat'), ev(10, 'heartbeat')], status: 'pass', state: 'up' },
    { name: 'a rotation (no disconnect for the old socket)', events: [ev(300, 'heartbeat'), ev(100, 'rotate'), ev(40, 'heartbeat')], status: 'pass', state: 'up' },
    { name: 'a reconnect in the window', events: [ev(300, 'heartbeat'), ev(200, 'stale'), ev(199, 'reconnect'), ev(20, 'heartbeat')], status: 'warn', state: 'up' },
    { name: 'down at as-of', events: [ev(300, 'connect'), ev(5, 'disconnect', { ...streams, reason: 'remote' })], status: 'fail', state: 'down' },
    { name: 'silent for longer than three heartbeats', events: [ev(MAX_SILENCE_SEC + 1, 'heartbeat')], status: 'fail', state: 'silent' },
    { name: 'silent for exactly three heartbeats', events: [ev(MAX_SILENCE_SEC, 'heartbeat')], status: 'pass', state: 'up' },
    { name: 'only other streams', events: [ev(10, 'heartbeat', { streams: ['ethusdt@forceOrder'] })], status: 'fail', state: 'no events' },
    { name: 'nothing', events: [], status: 'fail', state: 'no events' },
  ])('$name → $status ($state)', ({ events, status, state }) => {
    expect(judgeStream(events, 'BTCUSDT', AS_OF, 600)).toMatchObject({ status, state });
  });

  it('explains a disconnect with its reason and time', () => {
    const verdict = judgeStream([ev(5, 'disconnect', { ...streams, reason: 'remote' })], 'BTCUSDT', AS_OF, 600);
    expect(verdict.detail).toBe('disconnect at 2026-11-23T09:59:55.000Z (remote), not reconnected');
  });
});
