import type { BinanceKlineInterval } from './intervals.js';
import { symbolParam } from './symbol.js';

/** Streams on the /market route (aggTrade, markPrice, kline, forceOrder) and on /public (trade, bookTicker, depth). */
export type BinanceChannel =
  | 'markPrice'
  | 'markPrice@1s'
  | 'forceOrder'
  | 'aggTrade'
  | `kline_${BinanceKlineInterval}`
  | 'trade'
  | 'bookTicker'
  | 'depth@100ms';

/** `btcusdt@markPrice@1s`: stream names use the lower-case symbol. */
export function binanceStreamName(symbol: string, channel: BinanceChannel): string {
  return `${symbolParam(symbol).toLowerCase()}@${channel}`;
}

/**
 * Combined-stream URL on the /market route: base + `/market/stream?streams=a/b/c`. The legacy
 * un-routed `/stream` URL was retired in 2026 and silently delivers nothing.
 */
export function binanceMarketStreamUrl(baseUrl: string, streams: readonly string[]): string {
  if (streams.length === 0) throw new RangeError('at least one stream is needed');
  return `${baseUrl.replace(/\/+$/, '')}/market/stream?streams=${streams.join('/')}`;
}

/** Live (un)subscribe on an open socket; the server answers `{"result":null,"id":id}` (see parseBinanceFrame). */
export function buildBinanceStreamRequest(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', streams: readonly string[], id: number): string {
  if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`id must be an unsigned integer, got ${id}`);
  if (streams.length === 0) throw new RangeError('at least one stream is needed');
  return JSON.stringify({ method, params: streams, id });
}
