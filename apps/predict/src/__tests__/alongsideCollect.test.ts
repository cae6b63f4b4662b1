// `cqt predict` running beside `cqt collect`: each a separate `cqt` process, the collector against
// the fake exchange in this process — on the embedded store they reach the data through the owner's
// socket (this process owns the store). Every snapshot predict wrote must be reproducible from the
// store afterwards, and must use only rows received by its ts. SIGTERM stops it at once with its
// summary.
import { spawn } from 'node:child_process';
import { expect, it, vi } from 'vitest';
import { computeSnapshot, readSnapshotTimes, readStoredSnapshot, rowDifferences } from '@cqt/features';
import { startFakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { cqtBin, operatorEnv } from '@cqt/test-support/cqt';
import { SYMBOL } from '@cqt/test-support/syntheticMarket';
import type { RunResult } from '../index.js';


describeBackends('cqt predict alongside cqt collect', ({ db, backend }) => {
  it('writes a snapshot every interval from the collector\'s rows, each equal to its recomputation; SIGTERM stops it', async () => {
    const fx = await startFakeExchange({ seed: 7 });
    const env = { ...fx.urls, CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT', BINANCE_POLL_SEC: '2', COINGLASS_POLL_SEC: '2', COINGLASS_ENABLED: 'false' };
    const store: Record<string, string> = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    const collect = spawn(process.execPath, [cqtBin, 'collect', '--status-interval', '1h'], { env: operatorEnv({ ...env, ...store }), stdio: ['ignore', 'ignore', 'pipe'] });
    let collectLog = '';
    collect.stderr.on('data', (d) => (collectLog += d));
    const collectExited = new Promise<number | null>((resolve) => collect.on('exit', resolve));
    let collectCode: number | null = null;
    try {
      await vi.waitFor(async () => expect((await db().sql`select count(*)::int as n from market_1s`)[0].n, `first bars; collect: ${collectLog}`).toBeGreaterThanOrEqual(2), { timeout: 20_000, interval: 100 });
      const child = spawn(process.execPath, [cqtBin, 'predict', '--interval', '1', '--json'], { env: operatorEnv({ ...env, ...store }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await vi.waitFor(async () => expect((await readSnapshotTimes(db(), SYMBOL, 0, Date.now(), Date.now())).length, 'four snapshots').toBeGreaterThanOrEqual(4), { timeout: 30_000, interval: 100 });
      const stopAt = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      expect(Date.now() - stopAt).toBeLessThan(5000);
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout) as RunResult;
      expect(result).toMatchObject({ mode: 'live', symbol: SYMBOL, binanceSymbol: 'BTCUSDT', failed: 0, backend });
      expect(result.written).toBeGreaterThanOrEqual(4);
      // Minutes-long windows cannot be complete seconds after the collector started: explicit nulls.
      expect(result.nullCounts.sigma).toBe(result.written);
      expect(result.nullCounts.liq_5m_notional).toBe(result.written);
    } finally {
      collect.kill('SIGTERM');
      collectCode = await collectExited;
      await fx.close();
    }
    expect(collectCode, collectLog).toBe(0);

    const times = await readSnapshotTimes(db(), SYMBOL, 0, Date.now(), Date.now());
    let withMid = 0;
    for (const tsMs of times) {
      const stored = (await readStoredSnapshot(db(), SYMBOL, tsMs))!;
      if (stored.problem !== null) throw new Error(stored.problem);
      const { feature } = stored;
      expect((feature.inputsMaxRecvTs as Date).getTime()).toBeLessThanOrEqual(tsMs);
      if (feature.midKrw !== null) withMid++;
      expect((feature.degraded as Record<string, string>).liq_5m_notional).toMatch(/^btcusdt@forceOrder not known to be up at /);
      const again = await computeSnapshot(db(), SYMBOL, tsMs, stored.options);
      expect([...rowDifferences('feature_snapshots', feature, again.feature), ...rowDifferences('predictions', stored.prediction, again.prediction)]).toEqual([]);
    }
    // The first snapshots may precede the first bar that had arrived by their t0; the rest have a price.
    expect(withMid).toBeGreaterThanOrEqual(times.length - 3);
    expect(withMid).toBeGreaterThan(0);
  });
});
