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
    { name: 'a rotation (no disconnect for the old socket)', events: [ev(300, 'heartbeat'), ev(240, 'heartbeat'), ev(180, 'heartbeat'), ev(100, 'rotate'), ev(40, 'heartbeat')], status: 'pass', state: 'up' },
    { name: 'a silence of more than three heartbeats in the window', events: [ev(500, 'heartbeat'), ev(300, 'heartbeat'), ev(240, 'heartbeat'), ev(180, 'heartbeat'), ev(120, 'heartbeat'), ev(60, 'heartbeat')], status: 'warn', state: 'up' },
    { name: 'a reconnect in the window', events: [ev(300, 'heartbeat'), ev(200, 'stale'), ev(199, 'reconnect'), ev(20, 'heartbeat')], status: 'warn', state: 'up' },
    { name: 'down at as-of', events: [ev(300, 'connect'), ev(5, 'disconnect', { ...streams, reason: 'remote' })], status: 'fail', state: 'down' },
    { name: 'silent for longer than three heartbeats', events: [ev(MAX_SILENCE_SEC + 1, 'heartbeat')], status: 'fail', state: 'silent' },
    { name: 'silent for exactly three heartbeats', events: [ev(MAX_SILENCE_SEC, 'heartbeat')], status: 'pass', state: 'up' },
    { name: 'only other streams', events: [ev(10, 'heartbeat', { streams: ['ethusdt@forceOrder'] })], status: 'fail', state: 'no events' },
    { name: 'nothing', events: [], status: 'fail', state: 'no events' },
  ])('$name → $status ($state)', ({ events, status, state }) => {
    expect(judgeStream(events, 'BTCUSDT', AS_OF, 600)).toMatchObject({ status, state });
  });

  it('a crash and a restart (kill -9: no disconnect written) is an interruption, not "up throughout"', () => {
    // Beats until 320 s ago, killed (nothing written), a new collector from 240 s ago: its start
    // event, then its socket's first connect and heartbeats; never more than 180 s apart.
    const beats = [ev(500, 'connect'), ev(440, 'heartbeat'), ev(380, 'heartbeat'), ev(320, 'heartbeat')];
    const start = ev(240, 'start', { ...streams, markets: ['KRW-BTC'], symbols: ['BTCUSDT'], pid: 4242 });
    const restarted = [ev(239.9, 'connect'), ev(179.9, 'heartbeat'), ev(119.9, 'heartbeat'), ev(59.9, 'heartbeat')];
    const withStart = judgeStream([...beats, start, ...restarted], 'BTCUSDT', AS_OF, 600);
    expect(withStart).toMatchObject({ status: 'warn', state: 'up' });
    expect(withStart.detail).toBe('up, but 1 interruption(s) in the last 600 s; first: start at 2026-11-23T09:56:00.000Z (collector restarted)');
    // The new collector's first connect says the same when its start event was not read.
    expect(judgeStream([...beats, ...restarted], 'BTCUSDT', AS_OF, 600)).toMatchObject({ status: 'warn', state: 'up' });
    // A collector that started inside the lookback with nothing before it: up, nothing interrupted.
    expect(judgeStream([start, ...restarted], 'BTCUSDT', AS_OF, 600)).toMatchObject({ status: 'pass', state: 'up' });
  });

  it('started but not connected is down', () => {
    const verdict = judgeStream([ev(300, 'heartbeat'), ev(20, 'start', { ...streams, pid: 1 })], 'BTCUSDT', AS_OF, 600);
    expect(verdict).toMatchObject({ status: 'fail', state: 'down', detail: 'collector started at 2026-11-23T09:59:40.000Z, not connected' });
  });

  it('explains a disconnect with its reason and time', () => {
    const verdict = judgeStream([ev(5, 'disconnect', { ...streams, reason: 'remote' })], 'BTCUSDT', AS_OF, 600);
    expect(verdict.detail).toBe('disconnect at 2026-11-23T09:59:55.000Z (remote), not reconnected');
  });
});
