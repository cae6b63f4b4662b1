// Top-N: the venue's most traded markets over the last 24 h, ranked and stored as the universe
// `cqt backfill --top N` works on (table candle_universe, replaced whole per venue).
import type { Sql } from 'postgres';
import type { Venue } from './timeframes.js';
import type { CandleClient, MarketVolume } from './venues/types.js';

export interface TopMarket extends MarketVolume {
  rank: number;
}

/** The n markets with the largest 24 h traded value; ties by symbol, so a ranking is reproducible. */
export function rankByVolume(markets: readonly MarketVolume[], n: number): TopMarket[] {
  return markets
    .filter((m) => Number.isFinite(m.quoteVolume24h))
    .sort((a, b) => b.quoteVolume24h - a.quoteVolume24h || a.symbol.localeCompare(b.symbol))
    .slice(0, n)
    .map((m, i) => ({ rank: i + 1, ...m }));
}

export async function chooseTop(sql: Sql, client: CandleClient, n: number): Promise<{ markets: TopMarket[]; chosenAtMs: number }> {
  const { markets, serverNowMs } = await client.volumes24h();
  const top = rankByVolume(markets, n);
  await storeUniverse(sql, client.venue, top, serverNowMs);
  return { markets: top, chosenAtMs: serverNowMs };
}

export async function storeUniverse(sql: Sql, venue: Venue, markets: readonly TopMarket[], chosenAtMs: number): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`delete from candle_universe where venue = ${venue}`;
    if (markets.length === 0) return;
    const chosenAt = new Date(chosenAtMs);
    await tx`insert into candle_universe ${tx(markets.map((m) => ({ venue, rank: m.rank, symbol: m.symbol, quote_volume_24h: m.quoteVolume24h, chosen_at: chosenAt })))}`;
  });
}

export async function readUniverse(sql: Sql, venue: Venue): Promise<{ markets: TopMarket[]; chosenAtMs: number | null }> {
  const rows = await sql<{ rank: number; symbol: string; quote_volume_24h: number; chosen_at: Date }[]>`
    select rank, symbol, quote_volume_24h, chosen_at from candle_universe where venue = ${venue} order by rank`;
  return { markets: rows.map((r) => ({ rank: r.rank, symbol: r.symbol, quoteVolume24h: r.quote_volume_24h })), chosenAtMs: rows[0]?.chosen_at.getTime() ?? null };
}
