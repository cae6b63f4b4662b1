// Shared by the candle tests: what the fake exchange serves, read back so the reading itself
// never counts as a violation, and what the store holds.
import type { Sql } from 'postgres';
import { parseKline, type Candle, type UpbitCandles } from '../index.js';

/**
 * Upbit 1m candles of [fromMs, toMs) as the fake serves them, newest page first. Through the
 * test's one client (its pacer), as every request of a file shares the fake's per-IP budget.
 */
export async function upbitServed(client: UpbitCandles, market: string, fromMs: number, toMs: number): Promise<Candle[]> {
  const out: Candle[] = [];
  for (let to = toMs; to > fromMs; to -= 200 * 60_000) {
    const page = await client.fetchPage(market, '1m', Math.max(fromMs, to - 200 * 60_000), to);
    out.push(...page.candles);
  }
  return out.sort((a, b) => a.openMs - b.openMs);
}

/** Binance klines of [fromMs, toMs) as the fake serves them. */
export async function binanceServed(base: string, symbol: string, interval: string, fromMs: number, toMs: number): Promise<Candle[]> {
  const rows = (await (await fetch(`${base}/fapi/v1/klines?symbol=${symbol}&interval=${interval}&startTime=${fromMs}&endTime=${toMs - 1}&limit=1500`)).json()) as never[];
  return rows.map(parseKline);
}

export async function stored(sql: Sql, venue: string, symbol: string, timeframe: string): Promise<Candle[]> {
  const rows = await sql<{ ts: Date; open: number; high: number; low: number; close: number; volume: number; quote_volume: number | null; trade_count: number | null }[]>`
    select ts, open, high, low, close, volume, quote_volume, trade_count from candles
    where venue = ${venue} and symbol = ${symbol} and timeframe = ${timeframe} order by ts`;
  return rows.map((r) => ({
    openMs: r.ts.getTime(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, quoteVolume: r.quote_volume, tradeCount: r.trade_count,
  }));
}
