// cqt check leak on PostgreSQL and the embedded store: honest snapshots pass; snapshots made by a
// deliberately leaky computation (one second ahead, a query that forgets ts <= t0), tampered
// stored values, raw rows re-received after t0, future inputs, unrecomputable or missing snapshots
// each fail the item that names what is wrong.
import { Command } from 'commander';
import { beforeAll, expect, it } from 'vitest';
import type { CheckItem, CheckReport } from '@cqt/checks';
import type { CommandOutput } from '@cqt/config';
import { createWriter } from '@cqt/db';
import { computeSnapshot, loadInputs, snapshotFromInputs, writeSnapshots } from '@cqt/features';
import { describeBackends } from '@cqt/test-support/backends';
import { SEC, insert } from '@cqt/test-support/seed';
import { BINANCE, SYMBOL, seed, snapshotOptions, syntheticMarket } from '@cqt/test-support/syntheticMarket';
import { register } from '../command.js';
import { evenSample, output, run, type LeakOptions } from '../index.js';

// Recent (snapshots count from their created_at, which is now), on the 5-minute metric grid.
const T0 = Math.floor(Date.now() / (300 * SEC)) * 300 * SEC - 3600 * SEC;
const AHEAD = 'KRW-AHEAD';
const SKEW = 'KRW-SKEW';
const TAMPERED = 'KRW-TAMPER';
const REPOLLED = 'KRW-REPOLL';
const BARE = 'KRW-BARE';
const MARKETS = [SYMBOL, AHEAD, SKEW, TAMPERED, REPOLLED, BARE];
const ENV = { CQT_UPBIT_MARKETS: SYMBOL, CQT_BINANCE_SYMBOLS: BINANCE };
/** Boundaries of the last two minutes before T0. */
const BOUNDARIES = Array.from({ length: 24 }, (_, k) => T0 - (23 - k) * 5 * SEC);

function item(report: CheckReport, name: string): CheckItem {
  const found = report.items.find((i) => i.name === name);
  if (!found) throw new Error(`no item ${name} in ${report.items.map((i) => i.name).join(', ')}`);
  return found;
}
const failing = (report: CheckReport) => report.items.filter((i) => i.status === 'fail').map((i) => i.name);

describeBackends('check leak', ({ db }) => {
  const check = (options: LeakOptions = {}) => run({ db: db(), env: ENV, window: '2h', ...options });

  beforeAll(async () => {
    const market = syntheticMarket(11, T0 - 20 * 60 * SEC, T0 + 60 * SEC, MARKETS);
    await seed(db(), market);
    // The same metric points for a second Binance symbol, received in time (for the re-poll case).
    await insert(db(), 'binance_futures_metrics', market.binance_futures_metrics.map((r) => ({ ...r, symbol: 'REPOLLUSDT' })));
    // Honest snapshots, computed and written as `cqt predict --backfill` does with its default settings.
    for (const [symbol, binanceSymbol] of [[SYMBOL, BINANCE], [TAMPERED, BINANCE], [REPOLLED, 'REPOLLUSDT'], [BARE, BINANCE]]) {
      const options = snapshotOptions({ binanceSymbol });
      await writeSnapshots(db(), await Promise.all(BOUNDARIES.map((t0) => computeSnapshot(db(), symbol, t0, options))));
    }
    // A deliberately leaky feature computation: the inputs of t0 + 1 s used for the snapshot of t0.
    await writeSnapshots(
      db(),
      await Promise.all(BOUNDARIES.map(async (t0) => snapshotFromInputs(await loadInputs(db(), { symbol: AHEAD, t0Ms: t0 + SEC, binanceSymbol: BINANCE, binancePollSec: 60 }), AHEAD, t0, snapshotOptions()))),
    );
    // A query that forgets ts <= t0: with the exchange clock 0.8 s ahead, a mark price stamped after
    // t0 had already arrived at t0 − 0.5 s. recv_ts <= t0 holds, so only recomputing shows it.
    const skewT0 = BOUNDARIES[10];
    await insert(db(), 'binance_mark_price_1s', [{ symbol: 'SKEWUSDT', ts: new Date(skewT0 - 700), markPrice: 95_000, recvTs: new Date(skewT0 - 650) }, { symbol: 'SKEWUSDT', ts: new Date(skewT0 + 300), markPrice: 95_123, recvTs: new Date(skewT0 - 500) }]);
    const skewOptions = snapshotOptions({ binanceSymbol: 'SKEWUSDT' });
    const inputs = await loadInputs(db(), { symbol: SKEW, t0Ms: skewT0, binanceSymbol: 'SKEWUSDT', binancePollSec: 60 });
    const [wrong] = await db().sql<[{ tsMs: number; markPrice: number; recvTsMs: number }]>`
      select extract(epoch from ts) * 1000 as "tsMs", mark_price as "markPrice", extract(epoch from recv_ts) * 1000 as "recvTsMs"
      from binance_mark_price_1s where symbol = 'SKEWUSDT' and recv_ts <= ${new Date(skewT0).toISOString()}::timestamptz order by ts desc limit 1`;
    const skewed = snapshotFromInputs({ ...inputs, markPrice: { ...wrong, tsMs: Number(wrong.tsMs), recvTsMs: Number(wrong.recvTsMs), indexPrice: null, fundingRate: null } }, SKEW, skewT0, skewOptions);
    await writeSnapshots(db(), [skewed]);
    // A stored prediction edited afterwards.
    await db().sql`update predictions set p_up = p_up + 0.01 where symbol = ${TAMPERED} and ts = ${new Date(BOUNDARIES[5]).toISOString()}::timestamptz`;
    // The collector's next metric poll upserts the same 5-minute points: their recv_ts moves past t0.
    const metrics = createWriter(db(), 'binance_futures_metrics');
    await metrics.write(market.binance_futures_metrics.map((r) => ({ ...r, symbol: 'REPOLLUSDT', recvTs: new Date(T0 + 30 * SEC) })));
    await metrics.close();
    // Written by something other than cqt predict: nothing to recompute it with.
    await db().sql`update predictions set params = null where symbol = ${BARE} and ts = ${new Date(T0).toISOString()}::timestamptz`;
  });

  it('passes on snapshots written by cqt predict, recomputing an even sample (exit 0)', async () => {
    const report = await check();
    expect(failing(report)).toEqual([]);
    expect(report.items.every((i) => i.symbol === SYMBOL && i.windowSec === 7200)).toBe(true);
    expect(item(report, `feature_snapshots.sample[${SYMBOL}]`)).toMatchObject({ status: 'pass', observed: 20, detail: expect.stringMatching(/^20 of 24 snapshots recomputed/) });
    expect(item(report, `feature_snapshots.recompute.liq_5m_notional[${SYMBOL}]`)).toMatchObject({ status: 'pass', observed: 0, table: 'feature_snapshots', column: 'liq_5m_notional', detail: 'equal in all 20 recomputed snapshots' });
    expect(item(report, `predictions.recompute.ev_rate[${SYMBOL}]`)).toMatchObject({ status: 'pass', table: 'predictions' });
    expect(item(report, `feature_snapshots.inputs_max_recv_ts[${SYMBOL}]`)).toMatchObject({ status: 'pass', observed: 0 });
    expect(output(report).exitCode).toBe(0);
    const all = await check({ sample: 100 });
    expect(item(all, `feature_snapshots.sample[${SYMBOL}]`).observed).toBe(24);
  });

  it('a feature computed one second ahead fails, naming the columns and t0', async () => {
    const report = await check({ symbols: [AHEAD] });
    const mid = item(report, `feature_snapshots.recompute.mid_krw[${AHEAD}]`);
    expect(mid).toMatchObject({ status: 'fail', column: 'mid_krw', threshold: { max: 0 } });
    expect(mid.observed).toBeGreaterThan(10);
    expect(mid.detail).toMatch(/^at t0 \d{4}-\d\d-\d\dT[\d:.]+Z: stored \d+, recomputed from data up to t0 \d+ — the stored value used data the recomputation cannot see at t0: look-ahead; \d+ more t0/);
    expect(failing(report)).toContain(`feature_snapshots.recompute.ret_5s[${AHEAD}]`);
    expect(failing(report)).toContain(`feature_snapshots.inputs_max_recv_ts[${AHEAD}]`);
    expect(item(report, `feature_snapshots.inputs_max_recv_ts[${AHEAD}]`).detail).toMatch(/^\d+ of 24 snapshots used a row received after their ts; first at /);
    expect(output(report).exitCode).toBe(1);
  });

  it('a query that forgets ts <= t0 is caught by recomputing, though every input arrived by t0', async () => {
    const report = await check({ symbols: [SKEW] });
    expect(failing(report)).toEqual([`feature_snapshots.recompute.bin_mark_price[${SKEW}]`]);
    expect(item(report, `feature_snapshots.recompute.bin_mark_price[${SKEW}]`).detail).toBe(
      `at t0 ${new Date(BOUNDARIES[10]).toISOString()}: stored 95123, recomputed from data up to t0 95000 — the stored value used data the recomputation cannot see at t0: look-ahead`,
    );
  });

  it('a stored value edited afterwards fails its own item', async () => {
    const report = await check({ symbols: [TAMPERED], sample: 24 });
    expect(failing(report)).toEqual([`predictions.recompute.p_up[${TAMPERED}]`]);
    expect(item(report, `predictions.recompute.p_up[${TAMPERED}]`).detail).toMatch(new RegExp(`^at t0 ${new Date(BOUNDARIES[5]).toISOString()}: stored `));
  });

  it('raw rows re-received after t0 (an upsert moving recv_ts) make the stored value unreproducible', async () => {
    const report = await check({ symbols: [REPOLLED], sample: 24 });
    expect(failing(report)).toContain(`feature_snapshots.recompute.oi_value[${REPOLLED}]`);
    expect(item(report, `feature_snapshots.recompute.oi_value[${REPOLLED}]`).detail).toMatch(/recomputed from data up to t0 null — inputs the stored value used are not visible at t0 now/);
  });

  it('fails when a sampled snapshot cannot be recomputed, when the window holds none, or when an input arrived after ts', async () => {
    const bare = await check({ symbols: [BARE], sample: 24 });
    expect(item(bare, `feature_snapshots.sample[${BARE}]`)).toMatchObject({
      status: 'fail',
      observed: 23,
      detail: `1 sampled snapshots cannot be recomputed; first at ${new Date(T0).toISOString()}: predictions.params is null (not written by cqt predict?)`,
    });
    const empty = await check({ symbols: ['KRW-NONE'] });
    expect(item(empty, 'feature_snapshots.sample[KRW-NONE]')).toMatchObject({ status: 'fail', observed: 0, detail: 'no snapshots in the window: nothing verified (is cqt predict running?)' });
    // As of T0 the snapshots up to T0 had not been written yet (they were backfilled now).
    expect(item(await check({ symbols: [SYMBOL], asOf: T0 }), `feature_snapshots.sample[${SYMBOL}]`).status).toBe('fail');
    await db().sql`update feature_snapshots set inputs_max_recv_ts = ts + interval '1 second' where symbol = ${BARE} and ts = ${new Date(BOUNDARIES[3]).toISOString()}::timestamptz`;
    const future = await check({ symbols: [BARE] });
    expect(item(future, `feature_snapshots.inputs_max_recv_ts[${BARE}]`)).toMatchObject({
      status: 'fail',
      observed: 1,
      detail: `1 of 24 snapshots used a row received after their ts; first at ${new Date(BOUNDARIES[3]).toISOString()} (input received ${new Date(BOUNDARIES[3] + SEC).toISOString()})`,
    });
  });

  it('cqt check leak: flags, JSON report and exit code through the command declaration', async () => {
    let emitted: { out: CommandOutput; json?: boolean } | null = null;
    const program = new Command().exitOverride();
    register(program.command('check'), { emit: async (out, opts) => void (emitted = { out, json: opts.json }) });
    // The command opens its own handle; point it at this store.
    const store = db().backend === 'postgres' ? ['--database-url', db().location] : ['--data-dir', db().location];
    await program.parseAsync(['node', 'cqt', 'check', 'leak', '--symbol', AHEAD, '--window', '2h', '--sample', '5', '--json', ...store]);
    expect(emitted!.json).toBe(true);
    expect(emitted!.out.exitCode).toBe(1);
    expect((emitted!.out.json as CheckReport).items[0]).toMatchObject({ name: `feature_snapshots.sample[${AHEAD}]`, observed: 5 });
  });

  it('rejects a bad --sample (exit 2); samples evenly, newest included', async () => {
    await expect(check({ sample: '0' })).rejects.toMatchObject({ exitCode: 2, message: 'invalid --sample "0"' });
    expect(evenSample(24, 4)).toEqual([0, 8, 16, 23]);
    expect(evenSample(3, 20)).toEqual([0, 1, 2]);
    expect(evenSample(10, 1)).toEqual([9]);
  });
});
