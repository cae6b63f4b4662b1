/** The prices and traded amounts every bar has: Binance candles, the collector's seconds, the fake exchange's bars. */
export interface Ohlcv {
  open: number;
  high: number;
  low: number;
  close: number;
  /** Base-asset volume. */
  volume: number;
  quoteVolume: number;
}
