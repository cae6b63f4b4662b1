// `--shard i/n`: one collector of n takes every i-th coin. The unit is the coin (KRW-BTC and
// BTCUSDT are both BTC), so a coin's venues stay in one process — the predictor's cross-venue
// snapshot and Coinglass's per-coin map come from one collector — and no two shards ever write
// the same instrument's rows. Coins are dealt round-robin in sorted order, so n shards given the
// same lists split them evenly and identically; a changed list re-deals (restart every shard).

export interface Shard {
  /** 1 … count. */
  index: number;
  count: number;
}

/** "2/4" → { index: 2, count: 4 }; undefined unless 1 ≤ i ≤ n ≤ 1024. */
export function parseShard(text: string): Shard | undefined {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  if (!m) return undefined;
  const index = Number(m[1]);
  const count = Number(m[2]);
  return index >= 1 && count >= 1 && index <= count && count <= 1024 ? { index, count } : undefined;
}

const QUOTES = /(USDT|USDC|BUSD|FDUSD)$/;

/** The coin an instrument trades: KRW-BTC → BTC (Upbit QUOTE-BASE), BTCUSDT → BTC. */
export function coinOf(instrument: string): string {
  const dash = instrument.indexOf('-');
  if (dash >= 0) return instrument.slice(dash + 1);
  return instrument.replace(QUOTES, '') || instrument;
}

/** The coins of `shard`, dealt from every coin of the lists. */
export function shardCoins(lists: { upbitMarkets: readonly string[]; binanceSymbols: readonly string[] }, shard: Shard): string[] {
  const coins = [...new Set([...lists.upbitMarkets, ...lists.binanceSymbols].map(coinOf))].sort();
  return coins.filter((_, k) => k % shard.count === shard.index - 1);
}

/** The lists cut to the shard's coins (order kept). */
export function applyShard(lists: { upbitMarkets: readonly string[]; binanceSymbols: readonly string[] }, shard: Shard): { upbitMarkets: string[]; binanceSymbols: string[]; coins: string[] } {
  const coins = shardCoins(lists, shard);
  const mine = new Set(coins);
  return {
    upbitMarkets: lists.upbitMarkets.filter((m) => mine.has(coinOf(m))),
    binanceSymbols: lists.binanceSymbols.filter((s) => mine.has(coinOf(s))),
    coins,
  };
}
