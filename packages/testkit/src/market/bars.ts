// OHLCV bars shared by Binance klines and Upbit candles (WS and REST).
import type { Ohlcv } from '@cqt/feeds';

export interface Bar extends Ohlcv {
  openMs: number;
  trades: number;
  takerBuyVolume: number;
  takerBuyQuoteVolume: number;
  /** -1 when the bar has no trades. */
  firstTradeId: number;
  lastTradeId: number;
  /** Time of the last trade inside the bar (Upbit candle `timestamp`). */
  lastTradeMs: number;
}

export interface Trade {
  id: number;
  tsMs: number;
  price: number;
  qty: number;
  /** Taker side: 'buy' = aggressive buyer (Upbit BID, Binance m=false). */
  takerSide: 'buy' | 'sell';
}

/** A bar with no trade yet, priced at the previous close (Binance pushes such bars). */
export function emptyBar(openMs: number, price: number): Bar {
  return {
    openMs, open: price, high: price, low: price, close: price, volume: 0, quoteVolume: 0, trades: 0,
    takerBuyVolume: 0, takerBuyQuoteVolume: 0, firstTradeId: -1, lastTradeId: -1, lastTradeMs: openMs,
  };
}

export function applyTrade(bar: Bar, trade: Trade): void {
  if (bar.trades === 0 && bar.volume === 0) {
    bar.open = bar.high = bar.low = trade.price;
    bar.firstTradeId = trade.id;
  }
  bar.high = Math.max(bar.high, trade.price);
  bar.low = Math.min(bar.low, trade.price);
  bar.close = trade.price;
  bar.volume += trade.qty;
  bar.quoteVolume += trade.qty * trade.price;
  bar.trades += 1;
  if (trade.takerSide === 'buy') {
    bar.takerBuyVolume += trade.qty;
    bar.takerBuyQuoteVolume += trade.qty * trade.price;
  }
  bar.lastTradeId = trade.id;
  bar.lastTradeMs = trade.tsMs;
}

/** Joins consecutive pieces of one bar (earliest first) into a bar opening at openMs. */
export function joinBars(openMs: number, pieces: Bar[]): Bar | undefined {
  const traded = pieces.filter((p) => p.volume > 0 || p.trades > 0);
  const all = traded.length > 0 ? traded : pieces;
  if (all.length === 0) return undefined;
  const first = all[0];
  const last = all[all.length - 1];
  const withIds = traded.filter((p) => p.firstTradeId >= 0);
  return {
    openMs,
    open: first.open,
    high: Math.max(...all.map((p) => p.high)),
    low: Math.min(...all.map((p) => p.low)),
    close: last.close,
    volume: sum(all, (p) => p.volume),
    quoteVolume: sum(all, (p) => p.quoteVolume),
    trades: sum(all, (p) => p.trades),
    takerBuyVolume: sum(all, (p) => p.takerBuyVolume),
    takerBuyQuoteVolume: sum(all, (p) => p.takerBuyQuoteVolume),
    firstTradeId: withIds.length > 0 ? withIds[0].firstTradeId : -1,
    lastTradeId: withIds.length > 0 ? withIds[withIds.length - 1].lastTradeId : -1,
    lastTradeMs: last.lastTradeMs,
  };
}

function sum<T>(items: T[], pick: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += pick(item);
  return total;
}
