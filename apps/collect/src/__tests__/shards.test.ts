// Two collectors with --shard 1/2 and 2/2 on one store, against the fake exchange: the coins are
// split with no overlap (each coin's Upbit market and Binance symbol in one shard), every market's
// rows arrive, and each collector's feed events name only its own instruments.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeExchange } from '@cqt/testkit';
import { describeBackends } from '@cqt/test-support/backends';
import { waitFor } from '@cqt/test-support/wait';
import { runCqt } from '@cqt/test-support/cqt';
import { storeUniverse } from '@cqt/candles';
import { collectorEnv, fakeExchange, startCollect } from './support.js';

const MARKETS = ['KRW-BTC', 'KRW-ETH', 'KRW-SOL'];
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];

describeBackends('two sharded collectors on one store', ({ db, backend }) => {
  let fx: FakeExchange;
  beforeAll(async () => {
    fx = await fakeExchange({ seed: 11, markets: { upbit: MARKETS, binance: SYMBOLS } });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('--shard 1/2 and 2/2: disjoint coins, all rows, events per collector only for its own', { timeout: 120_000 }, async () => {
    const store = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    const env = collectorEnv(fx, { ...store, CQT_UPBIT_MARKETS: MARKETS.join(','), CQT_BINANCE_SYMBOLS: SYMBOLS.join(',') });
    const shards = [1, 2].map((index) => startCollect({ env, shard: { index, count: 2 } }));
    try {
      await waitFor(
        'rows for every market and symbol',
        async () => {
          const [u] = await db().sql<{ n: number }[]>`select count(distinct symbol)::int as n from market_1s`;
          const [b] = await db().sql<{ n: number }[]>`select count(distinct symbol)::int as n from binance_mark_price_1s`;
          return u.n === MARKETS.length && b.n === SYMBOLS.length;
        },
        { timeoutMs: 60_000, pollMs: 250, detail: () => shards.map((s) => s.logs.join('\n')).join('\n---\n') },
      );
    } finally {
      await Promise.all(shards.map((s) => s.stop()));
    }
    const starts = await db().sql<{ collector: string; detail: { markets: string[]; symbols: string[]; shard: string } }[]>`
      select collector, detail from feed_events where source = 'collector' and kind = 'start' order by detail->>'shard'`;
    expect(starts.map((s) => s.detail.shard)).toEqual(['1/2', '2/2']);
    const [one, two] = starts.map((s) => s.detail);
    // A partition of the lists; each coin's two venues in the same shard.
    expect([...one.markets, ...two.markets].sort()).toEqual([...MARKETS].sort());
    expect([...one.symbols, ...two.symbols].sort()).toEqual([...SYMBOLS].sort());
    for (const d of [one, two]) {
      expect(d.markets.length).toBeGreaterThan(0);
      expect(d.markets.map((m) => m.slice(4)).sort()).toEqual(d.symbols.map((s) => s.replace(/USDT$/, '')).sort());
    }
    // Each collector subscribed to its own instruments only (its connect events say what).
    for (const s of starts) {
      const connects = await db().sql<{ source: string; detail: { markets?: string[]; streams?: string[] } }[]>`
        select source, detail from feed_events where collector = ${s.collector} and kind = 'connect'`;
      const upbit = connects.find((c) => c.source === 'upbit.ws')!;
      const binance = connects.find((c) => c.source === 'binance.ws')!;
      expect(upbit.detail.markets).toEqual(s.detail.markets);
      expect([...new Set(binance.detail.streams!.map((x) => x.split('@')[0].toUpperCase()))].sort()).toEqual([...s.detail.symbols].sort());
    }
    const results = await Promise.all(shards.map((s) => s.done));
    for (const r of results) expect(Object.values(r.rowsUnwritten).every((n) => n === 0)).toBe(true);
  });

  it('--top N takes the first N of each venue\'s stored universe (then the shard its coins); no universe is a usage error', { timeout: 120_000 }, async () => {
    const store = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    const env = collectorEnv(fx, { ...store, CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' });
    await db().sql`delete from candle_universe`;
    await expect(startCollect({ env, top: 2 }).done).rejects.toThrow('--top: no Top-N universe in the store');
    const rank = (symbols: string[]) => symbols.map((symbol, i) => ({ rank: i + 1, symbol, quoteVolume24h: 1e9 / (i + 1) }));
    await storeUniverse(db().sql, 'upbit', rank(['KRW-ETH', 'KRW-BTC', 'KRW-SOL']), Date.UTC(2026, 11, 4));
    await storeUniverse(db().sql, 'binance', rank(['SOLUSDT', 'BTCUSDT', 'ETHUSDT']), Date.UTC(2026, 11, 4));
    const startOf = async (options: { top: number; shard?: { index: number; count: number } }) => {
      const c = startCollect({ env, ...options });
      let failed: string | undefined;
      c.done.catch((err: Error) => (failed = err.message));
      const line = await waitFor('the start line', async () => c.logs.find((l) => l.startsWith('collect: ')), { timeoutMs: 60_000, failIf: () => failed });
      await c.stop();
      return line;
    };
    // The lists say BTC only; the universe wins, in rank order.
    expect(await startOf({ top: 2 })).toMatch(/; upbit KRW-ETH,KRW-BTC, binance SOLUSDT,BTCUSDT$/);
    // Coins of the top 2: BTC, ETH, SOL; shard 1/2 takes BTC and SOL.
    expect(await startOf({ top: 2, shard: { index: 1, count: 2 } })).toMatch(/; shard 1\/2: upbit KRW-BTC, binance SOLUSDT,BTCUSDT$/);
    expect(await startOf({ top: 2, shard: { index: 2, count: 2 } })).toMatch(/; shard 2\/2: upbit KRW-ETH, binance none$/);
    // Top 1: ETH (Upbit) and SOL (Binance); shard 2/2 holds SOL, on Binance only.
    expect(await startOf({ top: 1, shard: { index: 2, count: 2 } })).toMatch(/; shard 2\/2: upbit none, binance SOLUSDT$/);
  });

  it('a shard left without a coin is a usage error before it collects', async () => {
    const store = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    const env = collectorEnv(fx, { ...store, CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' });
    await expect(startCollect({ env, shard: { index: 2, count: 2 } }).done).rejects.toThrow('shard 2/2 has no coin: the lists hold 1 coin for 2 shards');
  });
});

it('the binary refuses a malformed --shard with exit 2, naming the flag', () => {
  for (const bad of ['3/2', '0/1', 'half']) {
    const r = runCqt(['collect', '--shard', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard/);
    expect(r.stderr).toMatch(/i\/n with 1 ≤ i ≤ n/);
  }
});
