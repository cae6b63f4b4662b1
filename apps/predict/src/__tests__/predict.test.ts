// cqt predict on PostgreSQL and on the embedded store: --once, --backfill (batched, idempotent), the
// live loop against data being written in real time, and the recomputation of every stored
// snapshot from raw data cut at its t0 (the live result must equal the later one).
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '@cqt/db';
import { computeSnapshot, readSnapshotTimes, readStoredSnapshot, rowDifferences } from '@cqt/features';
import { describeBackends } from '@cqt/test-support/backends';
import { SEC } from '@cqt/test-support/seed';
import { BAR_RECV_DELAY_MS, BINANCE, SYMBOL, seed, syntheticMarket, writeLive, type MarketRows } from '@cqt/test-support/syntheticMarket';
import { run, type OnceResult, type RunResult } from '../index.js';

const ENV = { CQT_UPBIT_MARKETS: `${SYMBOL},KRW-ETH`, CQT_BINANCE_SYMBOLS: `${BINANCE},ETHUSDT`, CQT_FEE_PER_SIDE_BPS: '5', BINANCE_POLL_SEC: '60' };
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);

/** Every stored snapshot of the market in (fromMs, toMs], recomputed now from rows cut at its t0: the columns that differ. */
async function recomputeAll(db: Db, fromMs: number, toMs: number): Promise<{ count: number; differences: string[] }> {
  const differences: string[] = [];
  const times = await readSnapshotTimes(db, SYMBOL, fromMs, toMs, Date.now());
  for (const tsMs of times) {
    const stored = (await readStoredSnapshot(db, SYMBOL, tsMs))!;
    if (stored.problem !== null) throw new Error(`${new Date(tsMs).toISOString()}: ${stored.problem}`);
    const again = await computeSnapshot(db, SYMBOL, tsMs, stored.options);
    for (const d of [...rowDifferences('feature_snapshots', stored.feature, again.feature), ...rowDifferences('predictions', stored.prediction, again.prediction)]) {
      differences.push(`${new Date(tsMs).toISOString()} ${d.table}.${d.column}: ${JSON.stringify(d.stored)} vs ${JSON.stringify(d.recomputed)}`);
    }
  }
  return { count: times.length, differences };
}

describeBackends('cqt predict', ({ db }) => {
  beforeAll(async () => {
    await seed(db(), syntheticMarket(3, T0 - 20 * 60 * SEC, T0 + 5 * 60 * SEC));
  });

  it('--once prints the snapshot of the boundary at or before --as-of and writes nothing', async () => {
    const result = (await run({ db: db(), env: ENV, once: true, asOf: new Date(T0 + 3 * SEC).toISOString(), log: () => {} })) as OnceResult;
    expect(result.snapshot.ts).toBe(new Date(T0).toISOString());
    expect(result.snapshot.symbol).toBe(SYMBOL);
    expect(result.snapshot.degraded).toEqual({});
    expect(typeof result.snapshot.p_up).toBe('number');
    expect(Date.parse(result.snapshot.inputs_max_recv_ts as string)).toBeLessThanOrEqual(T0);
    expect(result.prediction).toMatchObject({ model: 'brownian_first_passage', horizon_sec: 120, p_up: result.snapshot.p_up, params: { binanceSymbol: BINANCE, model: { name: 'brownian_first_passage' } } });
    expect(await readSnapshotTimes(db(), SYMBOL, T0 - 3600 * SEC, T0 + 3600 * SEC, Date.now())).toEqual([]);
  });

  it('--backfill writes every boundary in batches, idempotently, equal to a recomputation', async () => {
    const range = { backfill: true, from: new Date(T0 - 9 * 60 * SEC + 2).toISOString(), to: String(T0), intervalSec: 5, horizonSec: 60 };
    const first = (await run({ db: db(), env: ENV, ...range, log: () => {} })) as RunResult;
    // (t0 − 9 min, t0] on the 5 s grid; the first boundary is rounded up into the range.
    expect(first).toMatchObject({ mode: 'backfill', written: 108, failed: 0, firstTs: new Date(T0 - 535 * SEC).toISOString(), lastTs: new Date(T0).toISOString(), horizonSec: 60 });
    expect(first.nullCounts).toEqual({});
    const again = (await run({ db: db(), env: ENV, ...range, log: () => {} })) as RunResult;
    expect(again.written).toBe(108);
    const [{ snapshots, predictions }] = await db().sql<[{ snapshots: number; predictions: number }]>`
      select (select count(*)::int from feature_snapshots) as snapshots, (select count(*)::int from predictions) as predictions`;
    expect({ snapshots, predictions }).toEqual({ snapshots: 108, predictions: 108 });
    expect(await recomputeAll(db(), T0 - 3600 * SEC, T0)).toEqual({ count: 108, differences: [] });
    // The --once view of a stored snapshot is the stored snapshot.
    const once = (await run({ db: db(), env: ENV, once: true, asOf: T0 - 60 * SEC, horizonSec: 60, log: () => {} })) as OnceResult;
    const stored = (await readStoredSnapshot(db(), SYMBOL, T0 - 60 * SEC))!;
    expect(once.snapshot.p_up).toBe(stored.feature.pUp);
    expect(once.snapshot.ret_300s).toBe(stored.feature.ret300s);
  });

  it('refuses contradictory or malformed options (exit 2)', async () => {
    const fails = (options: Parameters<typeof run>[0]) => run({ db: db(), env: ENV, log: () => {}, ...options });
    await expect(fails({ once: true, backfill: true, from: '0', to: '0' })).rejects.toMatchObject({ exitCode: 2, message: '--once and --backfill cannot be combined' });
    await expect(fails({ asOf: String(T0) })).rejects.toThrow('--as-of needs --once');
    await expect(fails({ backfill: true, from: String(T0) })).rejects.toThrow('--backfill needs --from and --to');
    await expect(fails({ once: true, intervalSec: 2.5 })).rejects.toThrow('invalid --interval 2.5');
    await expect(fails({ once: true, kVol: Number.NaN })).rejects.toThrow('invalid --k-vol NaN');
    await expect(fails({ once: true, symbol: 'BTCUSDT' })).rejects.toThrow('invalid --symbol "BTCUSDT"');
    await expect(fails({ once: true, asOf: '2026-11-23T10:00:00' })).rejects.toThrow('invalid --as-of');
    await expect(fails({ backfill: true, from: String(T0), to: String(T0 - 1) })).rejects.toThrow(/--to .* is before --from/);
  });
});

describeBackends('cqt predict live, against data being written', ({ db }) => {
  it('snapshots computed live equal those recomputed afterwards from the same store', async () => {
    const startMs = Date.now();
    // Ten minutes of history already stored, then rows arriving in real time as a collector writes them.
    const rows = syntheticMarket(9, Math.floor(startMs / SEC) * SEC - 12 * 60 * SEC, startMs + 15 * SEC);
    const arrived = (ms: number) => ms <= startMs;
    const split = (pick: (ms: number) => boolean): MarketRows => ({
      market_1s: rows.market_1s.filter((r) => pick((r.recvTs as Date).getTime())),
      binance_mark_price_1s: rows.binance_mark_price_1s.filter((r) => pick((r.recvTs as Date).getTime())),
      binance_futures_metrics: rows.binance_futures_metrics.filter((r) => pick((r.recvTs as Date).getTime())),
      binance_force_orders: rows.binance_force_orders.filter((r) => pick((r.recvTs as Date).getTime())),
      feed_events: rows.feed_events.filter((r) => pick((r.ts as Date).getTime())),
    });
    await seed(db(), split(arrived));
    const stopWriting = writeLive(db(), split((ms) => !arrived(ms)));
    const logs: string[] = [];
    const result = (await run({ db: db(), env: ENV, intervalSec: 1, durationSec: 8, log: (l) => logs.push(l) })) as RunResult;
    await stopWriting();

    expect(result.mode).toBe('live');
    expect(result.failed).toBe(0);
    // One per second, each computed 2.5 s after its boundary; a slow machine may lose at most the edges.
    expect(result.written).toBeGreaterThanOrEqual(5);
    expect(result.nullCounts).toEqual({});
    expect(logs[0]).toMatch(/^predict: KRW-BTC\/BTCUSDT every 1 s, H=120 s/);
    const fromMs = startMs - 5 * SEC;
    const { count, differences } = await recomputeAll(db(), fromMs, Date.now());
    expect(count).toBe(result.written);
    expect(differences).toEqual([]);
    // The newest bar a snapshot can use is that of t0 − 3 s: the bar of second S is only known at S + 2.6 s.
    const lastMs = Date.parse(result.lastTs!);
    const newest = (await readStoredSnapshot(db(), SYMBOL, lastMs))!.feature;
    expect((newest.inputsMaxRecvTs as Date).getTime()).toBeLessThanOrEqual(lastMs);
    const [bar] = await db().sql`select mid from market_1s where symbol = ${SYMBOL} and ts = ${new Date(lastMs - 3 * SEC).toISOString()}::timestamptz`;
    expect(newest.midKrw).toBe(bar.mid);
    expect(lastMs - 3 * SEC + BAR_RECV_DELAY_MS).toBeLessThanOrEqual(lastMs);
  });
});
