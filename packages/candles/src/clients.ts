// The venue's candle client from the configuration both candle commands read (backfill, gaps).
import { BinanceKlines } from './venues/binance.js';
import type { Venue } from './timeframes.js';
import type { CandleClient } from './venues/types.js';
import { UpbitCandles } from './venues/upbit.js';

export interface ClientSettings {
  upbitRestUrl: string;
  binanceRestUrl: string;
  backfillUpbitReqPerSec?: number;
  backfillBinanceWeightShare?: number;
}

/** `onRetry`: one line per failed attempt that is retried (a network error, 5xx, 429/418). */
export function candleClient(venue: Venue, config: ClientSettings, onRetry?: (line: string) => void): CandleClient {
  return venue === 'upbit'
    ? new UpbitCandles(config.upbitRestUrl, { requestsPerSec: config.backfillUpbitReqPerSec, onRetry })
    : new BinanceKlines(config.binanceRestUrl, { weightShare: config.backfillBinanceWeightShare, onRetry });
}
