// Payloads of the USD-M market streams. Prices and quantities arrive as decimal strings,
// times as integer ms. `tsMs` is always the event time `E`.
import type { Fields } from '../fields.js';
import { readCandle, type BinanceCandle } from './candle.js';
import { KLINE_INTERVALS, type BinanceKlineInterval } from './intervals.js';

const SIDES = ['BUY', 'SELL'] as const;

/** `<symbol>@markPrice[@1s]`. */
export interface BinanceMarkPrice {
  kind: 'markPrice';
  symbol: string;
  tsMs: number;
  markPrice: number;
  indexPrice: number;
  /** Only meaningful in the last hour before settlement. */
  estSettlePrice: number;
  /** Null for delivery contracts (sent as ""). */
  fundingRate: number | null;
  /** Null for delivery contracts (sent as 0). */
  nextFundingTsMs: number | null;
}

/** `<symbol>@forceOrder`: the latest liquidation per symbol per second — a sample, not a tape. */
export interface BinanceForceOrder {
  kind: 'forceOrder';
  symbol: string;
  tsMs: number;
  /** SELL: a long was liquidated; BUY: a short. */
  side: 'BUY' | 'SELL';
  orderType: string;
  timeInForce: string;
  origQty: number;
  price: number;
  avgPrice: number;
  status: string;
  lastFilledQty: number;
  filledQty: number;
  tradeTsMs: number;
}

/** `<symbol>@aggTrade`. */
export interface BinanceAggTrade {
  kind: 'aggTrade';
  symbol: string;
  tsMs: number;
  aggTradeId: number;
  price: number;
  qty: number;
  firstTradeId: number;
  lastTradeId: number;
  tradeTsMs: number;
  /** True when the taker sold. */
  buyerIsMaker: boolean;
}

/** `<symbol>@trade`. */
export interface BinanceTrade {
  kind: 'trade';
  symbol: string;
  tsMs: number;
  tradeId: number;
  price: number;
  qty: number;
  tradeTsMs: number;
  buyerIsMaker: boolean;
  /** MARKET, or INSURANCE_FUND / ADL for fills that are not ordinary trades. */
  tradeType: string;
}

/** `<symbol>@bookTicker`. */
export interface BinanceBookTicker {
  kind: 'bookTicker';
  symbol: string;
  tsMs: number;
  transactionTsMs: number;
  updateId: number;
  bidPrice: number;
  bidQty: number;
  askPrice: number;
  askQty: number;
}

/** `<symbol>@kline_<interval>`: repeated updates of the open bar; persist it when `closed`. */
export interface BinanceKline extends BinanceCandle {
  kind: 'kline';
  symbol: string;
  tsMs: number;
  interval: BinanceKlineInterval;
  /** -1 when the bar has no trades yet. */
  firstTradeId: number;
  lastTradeId: number;
  closed: boolean;
}

export interface BinanceBookLevel {
  price: number;
  /** 0 removes the level. */
  qty: number;
}

/** `<symbol>@depth@<speed>`: a diff of the book. */
export interface BinanceDepthUpdate {
  kind: 'depth';
  symbol: string;
  tsMs: number;
  transactionTsMs: number;
  firstUpdateId: number;
  finalUpdateId: number;
  /** finalUpdateId of the previous message; a mismatch means a gap. */
  prevFinalUpdateId: number;
  bids: BinanceBookLevel[];
  asks: BinanceBookLevel[];
}

export type BinanceMarketEvent =
  | BinanceMarkPrice
  | BinanceForceOrder
  | BinanceAggTrade
  | BinanceTrade
  | BinanceBookTicker
  | BinanceKline
  | BinanceDepthUpdate;

/** Payload event type (`e`) → its parser and the stream-name prefix it must arrive on. */
export const STREAM_EVENTS: Record<string, { channel: string; parse: (f: Fields) => BinanceMarketEvent }> = {
  markPriceUpdate: { channel: 'markPrice', parse: parseMarkPrice },
  forceOrder: { channel: 'forceOrder', parse: parseForceOrder },
  aggTrade: { channel: 'aggTrade', parse: parseAggTrade },
  trade: { channel: 'trade', parse: parseTrade },
  bookTicker: { channel: 'bookTicker', parse: parseBookTicker },
  kline: { channel: 'kline_', parse: parseKline },
  depthUpdate: { channel: 'depth', parse: parseDepthUpdate },
};

function parseMarkPrice(f: Fields): BinanceMarkPrice {
  return {
    kind: 'markPrice',
    symbol: f.string('s'),
    tsMs: f.epochMs('E'),
    markPrice: f.decimal('p'),
    indexPrice: f.decimal('i'),
    estSettlePrice: f.decimal('P'),
    fundingRate: f.decimalOrEmpty('r'),
    nextFundingTsMs: f.raw('T') === 0 ? null : f.epochMs('T'),
  };
}

function parseForceOrder(f: Fields): BinanceForceOrder {
  const o = f.object('o');
  return {
    kind: 'forceOrder',
    symbol: o.string('s'),
    tsMs: f.epochMs('E'),
    side: o.oneOf('S', SIDES),
    orderType: o.string('o'),
    timeInForce: o.string('f'),
    origQty: o.decimal('q'),
    price: o.decimal('p'),
    avgPrice: o.decimal('ap'),
    status: o.string('X'),
    lastFilledQty: o.decimal('l'),
    filledQty: o.decimal('z'),
    tradeTsMs: o.epochMs('T'),
  };
}

function parseAggTrade(f: Fields): BinanceAggTrade {
  return {
    kind: 'aggTrade',
    symbol: f.string('s'),
    tsMs: f.epochMs('E'),
    aggTradeId: f.integer('a'),
    price: f.decimal('p'),
    qty: f.decimal('q'),
    firstTradeId: f.integer('f'),
    lastTradeId: f.integer('l'),
    tradeTsMs: f.epochMs('T'),
    buyerIsMaker: f.boolean('m'),
  };
}

function parseTrade(f: Fields): BinanceTrade {
  return {
    kind: 'trade',
    symbol: f.string('s'),
    tsMs: f.epochMs('E'),
    tradeId: f.integer('t'),
    price: f.decimal('p'),
    qty: f.decimal('q'),
    tradeTsMs: f.epochMs('T'),
    buyerIsMaker: f.boolean('m'),
    tradeType: f.string('X'),
  };
}

function parseBookTicker(f: Fields): BinanceBookTicker {
  return {
    kind: 'bookTicker',
    symbol: f.string('s'),
    tsMs: f.epochMs('E'),
    transactionTsMs: f.epochMs('T'),
    updateId: f.integer('u'),
    bidPrice: f.decimal('b'),
    bidQty: f.decimal('B'),
    askPrice: f.decimal('a'),
    askQty: f.decimal('A'),
  };
}

const KLINE_LAYOUT = {
  openTsMs: 't',
  closeTsMs: 'T',
  open: 'o',
  high: 'h',
  low: 'l',
  close: 'c',
  volume: 'v',
  quoteVolume: 'q',
  tradeCount: 'n',
  takerBuyVolume: 'V',
  takerBuyQuoteVolume: 'Q',
} as const;

function parseKline(f: Fields): BinanceKline {
  const k = f.object('k');
  return {
    kind: 'kline',
    symbol: f.string('s'),
    tsMs: f.epochMs('E'),
    interval: k.oneOf('i', KLINE_INTERVALS),
    firstTradeId: k.integer('f'),
    lastTradeId: k.integer('L'),
    ...readCandle(k, KLINE_LAYOUT),
    closed: k.boolean('x'),
  };
}

function parseDepthUpdate(f: Fields): BinanceDepthUpdate {
  return {
    kind: 'depth',
    symbol: f.string('s'),
    tsMs: f.epochMs('E'),
    transactionTsMs: f.epochMs('T'),
    firstUpdateId: f.integer('U'),
    finalUpdateId: f.integer('u'),
    prevFinalUpdateId: f.integer('pu'),
    bids: readLevels(f, 'b'),
    asks: readLevels(f, 'a'),
  };
}

function readLevels(f: Fields, key: string): BinanceBookLevel[] {
  return f.array(key).map((item, i) => {
    const level = f.frame.tuple(item, `${f.pathOf(key)}[${i}]`, 2);
    return { price: level.decimal(0), qty: level.decimal(1) };
  });
}
