// The liquidation features through the store: feed_events rows as a collector killed with kill -9
// and restarted leaves them (no disconnect; the new collector's start event and its socket's first
// connect), read by computeSnapshot exactly as cqt predict and cqt check leak read them.
import { beforeAll, expect, it } from 'vitest';
import type { RowOf } from '@cqt/db';
import { computeSnapshot } from '@cqt/features';
import { describeBackends } from '@cqt/test-support/backends';
import { SEC } from '@cqt/test-support/seed';
import { BINANCE, seed, snapshotOptions, STREAMS, SYMBOL, syntheticMarket } from '@cqt/test-support/syntheticMarket';

const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
/** The old collector's last heartbeat is before this; the new one starts 30 s later. */
const KILLED_MS = T0 - 230 * SEC;
const RESTARTED_MS = T0 - 200 * SEC;

function restartEvents(): RowOf<'feed_events'>[] {
  const rows: RowOf<'feed_events'>[] = [
    { ts: new Date(RESTARTED_MS), source: 'collector', kind: 'start', detail: { markets: [SYMBOL], symbols: [BINANCE], streams: STREAMS, pid: 4242 } },
    { ts: new Date(RESTARTED_MS + 150), source: 'binance.ws', kind: 'connect', detail: { streams: STREAMS, attempt: 0 } },
  ];
  for (let t = RESTARTED_MS + 60 * SEC + 150; t < T0 + 10 * 60 * SEC; t += 60 * SEC) rows.push({ ts: new Date(t), source: 'binance.ws', kind: 'heartbeat', detail: { streams: STREAMS } });
  return rows;
}

describeBackends('liquidation features across a crash and a restart', ({ db }) => {
  beforeAll(async () => {
    const market = syntheticMarket(5, T0 - 20 * 60 * SEC, T0 + 10 * 60 * SEC);
    // The killed collector wrote nothing from KILLED_MS on (its heartbeats stop, no disconnect).
    market.feed_events = [...market.feed_events.filter((e) => (e.ts as Date).getTime() < KILLED_MS), ...restartEvents()];
    await seed(db(), market);
  });

  it('null, not 0, for a window that spans the restart; a number once the window is after it', async () => {
    const across = await computeSnapshot(db(), SYMBOL, T0, snapshotOptions());
    expect(across.feature.liq5mNotional).toBeNull();
    expect(across.feature.liq5mCount).toBeNull();
    expect((across.feature.degraded as Record<string, string>).liq_5m_notional).toBe('btcusdt@forceOrder start at 2026-11-23T09:56:40.000Z (collector restarted)');
    // (t0 − 300 s, t0] entirely after the new collector connected: the stream was up throughout.
    const after = await computeSnapshot(db(), SYMBOL, RESTARTED_MS + 300 * SEC + 1 * SEC, snapshotOptions());
    expect(typeof after.feature.liq5mNotional).toBe('number');
    expect(after.feature.liq5mCount).toBeGreaterThan(0);
  });
});
