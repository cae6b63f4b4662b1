import type { FieldKey, Fields } from '../fields.js';
import type { Ohlcv } from '../ohlcv.js';

/** One bar, shared by the kline stream and GET /fapi/v1/klines. */
export interface BinanceCandle extends Ohlcv {
  openTsMs: number;
  /** openTsMs + interval − 1 ms. */
  closeTsMs: number;
  tradeCount: number;
  takerBuyVolume: number;
  takerBuyQuoteVolume: number;
}

/** Where each candle field sits: single-letter keys in the stream, array indexes in REST rows. */
export type CandleLayout = Record<keyof BinanceCandle, FieldKey>;

export function readCandle(f: Fields, at: CandleLayout): BinanceCandle {
  const openTsMs = f.epochMs(at.openTsMs);
  const closeTsMs = f.epochMs(at.closeTsMs);
  if (closeTsMs <= openTsMs) f.fail(at.closeTsMs, `a close time after the open time ${openTsMs}`);
  return {
    openTsMs,
    closeTsMs,
    open: f.decimal(at.open),
    high: f.decimal(at.high),
    low: f.decimal(at.low),
    close: f.decimal(at.close),
    volume: f.decimal(at.volume),
    quoteVolume: f.decimal(at.quoteVolume),
    tradeCount: f.integer(at.tradeCount),
    takerBuyVolume: f.decimal(at.takerBuyVolume),
    takerBuyQuoteVolume: f.decimal(at.takerBuyQuoteVolume),
  };
}
