import type { CallStats } from '../http.js';
import type { Venue } from '../timeframes.js';

/** One candle as the venue gave it; openMs is its open time (the candle's ts). */
export interface Candle {
  openMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base volume. */
  volume: number;
  quoteVolume: number | null;
  tradeCount: number | null;
}

export interface Page {
  /** Candles the venue returned for the asked window, open or closed, in any order. */
  candles: Candle[];
  /** The venue's clock when it answered. */
  serverNowMs: number;
  /** Local receive time. */
  recvMs: number;
}

/** One market's traded value over the last 24 h, in its quote currency (KRW, USDT). */
export interface MarketVolume {
  symbol: string;
  quoteVolume24h: number;
}

/** A venue's candle endpoint behind its rate limits: one page of [fromMs, toMs) per call. */
export interface CandleClient {
  venue: Venue;
  /** Most candles one request returns. */
  maxPerPage: number;
  /**
   * True when the venue has a candle for every period it was trading (Binance: klines exist
   * without trades), so a missing one inside an answered range is an exchange hole. Upbit has
   * no candle for a period without trades: missing means "no trades".
   */
  missingIsHole: boolean;
  stats: CallStats;
  fetchPage(symbol: string, timeframe: string, fromMs: number, toMs: number): Promise<Page>;
  /** Every tradable market's 24 h traded value (Upbit KRW markets, Binance USD-M perpetuals), by the venue's clock. */
  volumes24h(): Promise<{ markets: MarketVolume[]; serverNowMs: number }>;
}
