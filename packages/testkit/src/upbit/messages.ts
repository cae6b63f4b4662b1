// Builders for Upbit WebSocket messages with DEFAULT keys, in the documented key order.
import { numberOf, type JsonObject, type JsonValue } from '../json/lossless.js';
import type { Bar, Trade } from '../market/bars.js';
import type { Book } from '../market/synthetic.js';
import { kstDateTime, utcDate, utcDateTime, utcTime } from '../time.js';

const num8 = (value: number): number => Number(value.toFixed(8));

type Change = 'RISE' | 'EVEN' | 'FALL';
const changeOf = (price: number, prevClose: number): Change => (price > prevClose ? 'RISE' : price < prevClose ? 'FALL' : 'EVEN');

/** sequential_id as Upbit builds it: trade_timestamp × 10000 + k (above 2^53, hence bigint). */
export function sequentialId(tradeTsMs: number, k: number): bigint {
  return BigInt(tradeTsMs) * 10000n + BigInt(k);
}

export interface TradeContext {
  code: string;
  trade: Trade;
  sequentialId: bigint;
  prevClosingPrice: number;
  book: Book;
  timestampMs: number;
}

export function tradeMessage(c: TradeContext): JsonObject {
  const { trade } = c;
  return {
    type: 'trade',
    code: c.code,
    timestamp: c.timestampMs,
    trade_date: utcDate(trade.tsMs),
    trade_time: utcTime(trade.tsMs),
    trade_timestamp: trade.tsMs,
    trade_price: num8(trade.price),
    trade_volume: num8(trade.qty),
    ask_bid: trade.takerSide === 'buy' ? 'BID' : 'ASK',
    prev_closing_price: num8(c.prevClosingPrice),
    change: changeOf(trade.price, c.prevClosingPrice),
    change_price: num8(Math.abs(trade.price - c.prevClosingPrice)),
    sequential_id: c.sequentialId,
    best_ask_price: num8(c.book.asks[0].price),
    best_ask_size: num8(c.book.asks[0].size),
    best_bid_price: num8(c.book.bids[0].price),
    best_bid_size: num8(c.book.bids[0].size),
    stream_type: 'REALTIME',
  };
}

export function orderbookMessage(code: string, book: Book, timestampMs: number): JsonObject {
  const units = book.asks.map((ask, i) => ({
    ask_price: num8(ask.price), bid_price: num8(book.bids[i].price), ask_size: num8(ask.size), bid_size: num8(book.bids[i].size),
  }));
  return {
    type: 'orderbook',
    code,
    timestamp: timestampMs,
    total_ask_size: num8(book.asks.reduce((s, l) => s + l.size, 0)),
    total_bid_size: num8(book.bids.reduce((s, l) => s + l.size, 0)),
    orderbook_units: units,
    stream_type: 'REALTIME',
    level: 0,
  };
}

/** Keeps the best `depth` units; totals then describe the units served. */
export function limitOrderbookDepth(body: JsonObject, depth: number): JsonObject {
  const units = body.orderbook_units;
  if (!Array.isArray(units) || units.length <= depth) return body;
  const kept = units.slice(0, depth);
  const total = (field: string): number =>
    num8(kept.reduce((s: number, u: JsonValue) => s + numberOf((u as JsonObject)[field]), 0));
  return { ...body, total_ask_size: total('ask_size'), total_bid_size: total('bid_size'), orderbook_units: kept };
}

export interface TickerContext {
  code: string;
  lastTrade: Trade;
  prevClosingPrice: number;
  /** Bar since 00:00 UTC and over the last 24 h. */
  day: Bar;
  last24h: Bar;
  high52w: { price: number; date: string };
  low52w: { price: number; date: string };
  timestampMs: number;
}

const compactDate = (tsMs: number): string => utcDate(tsMs).replaceAll('-', '');
const compactTime = (tsMs: number): string => utcTime(tsMs).replaceAll(':', '');

export function tickerMessage(c: TickerContext): JsonObject {
  const price = c.lastTrade.price;
  const change = changeOf(price, c.prevClosingPrice);
  const signedChange = price - c.prevClosingPrice;
  return {
    type: 'ticker',
    code: c.code,
    opening_price: num8(c.day.open),
    high_price: num8(c.day.high),
    low_price: num8(c.day.low),
    trade_price: num8(price),
    prev_closing_price: num8(c.prevClosingPrice),
    change,
    change_price: num8(Math.abs(signedChange)),
    signed_change_price: num8(signedChange),
    change_rate: Number(Math.abs(signedChange / c.prevClosingPrice).toFixed(10)),
    signed_change_rate: Number((signedChange / c.prevClosingPrice).toFixed(10)),
    trade_volume: num8(c.lastTrade.qty),
    acc_trade_volume: num8(c.day.volume),
    acc_trade_volume_24h: num8(c.last24h.volume),
    acc_trade_price: num8(c.day.quoteVolume),
    acc_trade_price_24h: num8(c.last24h.quoteVolume),
    trade_date: compactDate(c.lastTrade.tsMs),
    trade_time: compactTime(c.lastTrade.tsMs),
    trade_timestamp: c.lastTrade.tsMs,
    ask_bid: c.lastTrade.takerSide === 'buy' ? 'BID' : 'ASK',
    acc_ask_volume: num8(c.day.volume - c.day.takerBuyVolume),
    acc_bid_volume: num8(c.day.takerBuyVolume),
    highest_52_week_price: num8(Math.max(c.high52w.price, c.day.high)),
    highest_52_week_date: c.high52w.date,
    lowest_52_week_price: num8(Math.min(c.low52w.price, c.day.low)),
    lowest_52_week_date: c.low52w.date,
    market_state: 'ACTIVE',
    is_trading_suspended: false,
    delisting_date: null,
    market_warning: 'NONE',
    timestamp: c.timestampMs,
    stream_type: 'REALTIME',
  };
}

export function candleMessage(type: string, code: string, bar: Bar, timestampMs: number): JsonObject {
  return {
    type,
    code,
    candle_date_time_utc: utcDateTime(bar.openMs),
    candle_date_time_kst: kstDateTime(bar.openMs),
    opening_price: num8(bar.open),
    high_price: num8(bar.high),
    low_price: num8(bar.low),
    trade_price: num8(bar.close),
    candle_acc_trade_volume: num8(bar.volume),
    candle_acc_trade_price: num8(bar.quoteVolume),
    timestamp: timestampMs,
    stream_type: 'REALTIME',
  };
}

/** Candle units of the `candle.*` types, in ms. */
export const UPBIT_CANDLE_UNITS_MS: Record<string, number> = {
  '1s': 1000, '1m': 60_000, '3m': 180_000, '5m': 300_000, '10m': 600_000, '15m': 900_000,
  '30m': 1_800_000, '60m': 3_600_000, '240m': 14_400_000,
};

export const UPBIT_DATA_TYPES: ReadonlySet<string> = new Set([
  'ticker', 'trade', 'orderbook', ...Object.keys(UPBIT_CANDLE_UNITS_MS).map((u) => `candle.${u}`),
]);
