// --shard i/n: every coin in exactly one shard, a coin's venues together, an even deal.
import { expect, it } from 'vitest';
import { applyShard, coinOf, parseShard } from '../shard.js';

it('parses i/n and refuses the rest', () => {
  expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
  expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
  for (const bad of ['0/2', '3/2', '1/0', '2', '1/2/3', 'a/b', '-1/2', '1/2000']) expect(parseShard(bad), bad).toBeUndefined();
});

it('the coin of an instrument', () => {
  expect(['KRW-BTC', 'BTCUSDT', 'BTCUSDC', 'ETHUSDT', 'KRW-ETH', '1000PEPEUSDT', 'USDT'].map(coinOf)).toEqual(['BTC', 'BTC', 'BTC', 'ETH', 'ETH', '1000PEPE', 'USDT']);
});

it('n shards: a partition of the coins, each coin with all its venues, sizes within one', () => {
  const lists = {
    upbitMarkets: ['KRW-BTC', 'KRW-ETH', 'KRW-XRP', 'KRW-SOL', 'KRW-DOGE'],
    binanceSymbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'BTCUSDC', '1000PEPEUSDT'],
  };
  for (const n of [1, 2, 3, 5, 7, 9]) {
    const shards = Array.from({ length: n }, (_, i) => applyShard(lists, { index: i + 1, count: n }));
    const all = shards.flatMap((s) => [...s.upbitMarkets, ...s.binanceSymbols]).sort();
    expect(all).toEqual([...lists.upbitMarkets, ...lists.binanceSymbols].sort());
    const coins = shards.flatMap((s) => s.coins);
    expect(new Set(coins).size).toBe(coins.length);
    const sizes = shards.map((s) => s.coins.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (const s of shards) for (const i of [...s.upbitMarkets, ...s.binanceSymbols]) expect(s.coins).toContain(coinOf(i));
  }
  // BTC's three instruments land together.
  const withBtc = [1, 2, 3].map((i) => applyShard(lists, { index: i, count: 3 })).find((s) => s.coins.includes('BTC'))!;
  expect(withBtc.upbitMarkets).toContain('KRW-BTC');
  expect(withBtc.binanceSymbols).toEqual(expect.arrayContaining(['BTCUSDT', 'BTCUSDC']));
});

it('the deal does not depend on the order of the lists', () => {
  const a = applyShard({ upbitMarkets: ['KRW-BTC', 'KRW-ETH'], binanceSymbols: ['SOLUSDT', 'BTCUSDT'] }, { index: 2, count: 2 });
  const b = applyShard({ upbitMarkets: ['KRW-ETH', 'KRW-BTC'], binanceSymbols: ['BTCUSDT', 'SOLUSDT'] }, { index: 2, count: 2 });
  expect(a.coins).toEqual(b.coins);
});
