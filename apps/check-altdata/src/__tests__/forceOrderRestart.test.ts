// cqt check altdata's forceOrder item on feed_events rows as a collector killed with kill -9 and
// restarted leaves them: no disconnect, the new collector's start event and its first connect.
import { beforeAll, expect, it } from 'vitest';
import type { RowOf } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { AS_OF, SEC, insert } from '@cqt/test-support/seed';
import { run } from '../index.js';

const streamsOf = (symbol: string) => [`${symbol.toLowerCase()}@markPrice@1s`, `${symbol.toLowerCase()}@forceOrder`];

/**
 * Heartbeats every 60 s until the kill, nothing for 80 s, then a new collector (with or without its
 * start event). offsetMs keeps two symbols' rows apart on the (ts, source, kind) key.
 */
function killedAndRestarted(symbol: string, withStart: boolean, offsetMs: number): RowOf<'feed_events'>[] {
  const streams = streamsOf(symbol);
  const rows: RowOf<'feed_events'>[] = [{ ts: new Date(AS_OF - 500 * SEC), source: 'binance.ws', kind: 'connect', detail: { streams, attempt: 0 } }];
  for (let t = AS_OF - 440 * SEC; t <= AS_OF - 320 * SEC; t += 60 * SEC) rows.push({ ts: new Date(t), source: 'binance.ws', kind: 'heartbeat', detail: { streams } });
  const restartMs = AS_OF - 240 * SEC;
  if (withStart) rows.push({ ts: new Date(restartMs), source: 'collector', kind: 'start', detail: { markets: ['KRW-BTC'], symbols: [symbol], streams, pid: 4242 } });
  rows.push({ ts: new Date(restartMs + 150), source: 'binance.ws', kind: 'connect', detail: { streams, attempt: 0 } });
  for (let t = restartMs + 60 * SEC + 150; t < AS_OF + 120 * SEC; t += 60 * SEC) rows.push({ ts: new Date(t), source: 'binance.ws', kind: 'heartbeat', detail: { streams } });
  return rows.map((r) => ({ ...r, ts: new Date((r.ts as Date).getTime() + offsetMs) }));
}

describeBackends('check altdata: the forceOrder stream across a crash and a restart', ({ db }) => {
  beforeAll(async () => {
    await insert(db(), 'feed_events', [...killedAndRestarted('KILLUSDT', true, 0), ...killedAndRestarted('NOSTARTUSDT', false, 2)]);
  });

  it('warns (an interruption in the window) instead of passing as up throughout', async () => {
    const report = await run({ db: db(), asOf: AS_OF, env: { CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'KILLUSDT' }, symbols: ['KILLUSDT', 'NOSTARTUSDT'] });
    const stream = (s: string) => report.items.find((i) => i.name === `feed_events.force_order_stream[${s}]`);
    expect(stream('KILLUSDT')).toMatchObject({
      status: 'warn',
      observed: 'up',
      detail: 'up, but 1 interruption(s) in the last 600 s; first: start at 2026-11-23T09:56:00.000Z (collector restarted)',
    });
    expect(stream('NOSTARTUSDT')).toMatchObject({
      status: 'warn',
      observed: 'up',
      detail: 'up, but 1 interruption(s) in the last 600 s; first: connect at 2026-11-23T09:56:00.152Z (collector restarted)',
    });
  });
});
