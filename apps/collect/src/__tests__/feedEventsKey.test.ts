// Two collector processes (sharded by symbol) on one store record events of the same kind from
// the same source in the same millisecond: each keeps its row, because the key names the
// collector run that wrote it.
import { expect, it } from 'vitest';
import { createWriter } from '@cqt/db';
import { describeBackends } from '@cqt/test-support/backends';
import { FeedEventLog } from '../events.js';

describeBackends('feed_events from two collectors', ({ db }) => {
  it('the same (ts, source, kind) from two collectors is two rows, each with its own detail', async () => {
    const tsMs = Date.UTC(2026, 10, 23, 1, 2, 3, 456);
    // As the collector writes: first receipt wins, so a colliding key would silently drop a row.
    const writerA = createWriter(db(), 'feed_events', { onConflict: 'ignore' });
    const writerB = createWriter(db(), 'feed_events', { onConflict: 'ignore' });
    const a = new FeedEventLog(writerA, () => tsMs);
    const b = new FeedEventLog(writerB, () => tsMs);
    a.record({ source: 'binance.ws', kind: 'connect', symbol: 'BTCUSDT', detail: { streams: ['btcusdt@forceOrder'] } });
    b.record({ source: 'binance.ws', kind: 'connect', symbol: 'ETHUSDT', detail: { streams: ['ethusdt@forceOrder'] } });
    await writerA.close();
    await writerB.close();
    const rows = await db().sql`select * from feed_events where source = 'binance.ws' and kind = 'connect' order by symbol`;
    expect(rows.map((r) => [r.ts.getTime(), r.symbol, r.detail])).toEqual([
      [tsMs, 'BTCUSDT', { streams: ['btcusdt@forceOrder'] }],
      [tsMs, 'ETHUSDT', { streams: ['ethusdt@forceOrder'] }],
    ]);
    expect(rows[0].collector).toEqual(expect.any(String));
    expect(rows[0].collector).not.toBe(rows[1].collector);
  });
});
