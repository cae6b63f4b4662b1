// Binance USD-M stream payloads, shaped as Binance documents and sends them. Prices and
// quantities are strings with the symbol's decimals; ids, times and counts are numbers; key order
// as recorded.
import type { JsonObject } from '../json/lossless.js';
import type { Bar, Trade } from '../market/bars.js';
import { decimalString, type Instrument } from '../market/instruments.js';
import type { Book, Liquidation, MarkState } from '../market/synthetic.js';

export const formatPrice = (inst: Instrument, price: number): string => decimalString(price, inst.priceDecimals);
export const formatQty = (inst: Instrument, qty: number): string => decimalString(qty, inst.qtyDecimals);
export const formatQuote = (inst: Instrument, quote: number): string => decimalString(quote, inst.priceDecimals + inst.qtyDecimals);

export interface AggTrade {
  id: number;
  price: number;
  qty: number;
  firstTradeId: number;
  lastTradeId: number;
  tsMs: number;
  takerSide: Trade['takerSide'];
}

/** Groups consecutive fills with the same price and taker side, as Binance aggTrades do. */
export function aggregateTrades(trades: Trade[], nextAggId: number): AggTrade[] {
  const out: AggTrade[] = [];
  for (const t of trades) {
    const last = out[out.length - 1];
    if (last && last.price === t.price && last.takerSide === t.takerSide) {
      last.qty += t.qty;
      last.lastTradeId = t.id;
      last.tsMs = t.tsMs;
    } else {
      out.push({ id: nextAggId + out.length, price: t.price, qty: t.qty, firstTradeId: t.id, lastTradeId: t.id, tsMs: t.tsMs, takerSide: t.takerSide });
    }
  }
  return out;
}

export function aggTradePayload(inst: Instrument, agg: AggTrade, eventMs: number): JsonObject {
  return {
    e: 'aggTrade', E: eventMs, a: agg.id, s: inst.symbol, p: formatPrice(inst, agg.price), q: formatQty(inst, agg.qty),
    f: agg.firstTradeId, l: agg.lastTradeId, T: agg.tsMs, m: agg.takerSide === 'sell',
  };
}

export function tradePayload(inst: Instrument, trade: Trade, eventMs: number): JsonObject {
  return {
    e: 'trade', E: eventMs, T: trade.tsMs, s: inst.symbol, t: trade.id, p: formatPrice(inst, trade.price),
    q: formatQty(inst, trade.qty), X: 'MARKET', m: trade.takerSide === 'sell',
  };
}

export function klinePayload(inst: Instrument, interval: string, bar: Bar, closeMs: number, closed: boolean, eventMs: number): JsonObject {
  return {
    e: 'kline', E: eventMs, s: inst.symbol,
    k: {
      t: bar.openMs, T: closeMs - 1, s: inst.symbol, i: interval, f: bar.firstTradeId, L: bar.lastTradeId,
      o: formatPrice(inst, bar.open), c: formatPrice(inst, bar.close), h: formatPrice(inst, bar.high), l: formatPrice(inst, bar.low),
      v: formatQty(inst, bar.volume), n: bar.trades, x: closed, q: formatQuote(inst, bar.quoteVolume),
      V: formatQty(inst, bar.takerBuyVolume), Q: formatQuote(inst, bar.takerBuyQuoteVolume), B: '0',
    },
  };
}

export function markPricePayload(inst: Instrument, mark: MarkState, eventMs: number): JsonObject {
  return {
    e: 'markPriceUpdate', E: eventMs, s: inst.symbol, p: decimalString(mark.markPrice, 8), P: decimalString(mark.estimatedSettlePrice, 8),
    i: decimalString(mark.indexPrice, 8), r: decimalString(mark.fundingRate, 8), T: mark.nextFundingTimeMs,
  };
}

export function forceOrderPayload(inst: Instrument, liq: Liquidation, eventMs: number): JsonObject {
  const qty = formatQty(inst, liq.qty);
  const price = formatPrice(inst, liq.price);
  return {
    e: 'forceOrder', E: eventMs,
    o: { s: inst.symbol, S: liq.side, o: 'LIMIT', f: 'IOC', q: qty, p: price, ap: price, X: 'FILLED', l: qty, z: qty, T: liq.tsMs },
  };
}

export function bookTickerPayload(inst: Instrument, book: Book, updateId: number, txMs: number, eventMs: number): JsonObject {
  return {
    e: 'bookTicker', u: updateId, s: inst.symbol, b: formatPrice(inst, book.bids[0].price), B: formatQty(inst, book.bids[0].size),
    a: formatPrice(inst, book.asks[0].price), A: formatQty(inst, book.asks[0].size), T: txMs, E: eventMs,
  };
}
