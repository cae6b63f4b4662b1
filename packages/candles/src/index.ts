export * from './timeframes.js';
export * from './coverage.js';
export { HttpCaller, SlidingPacer, type CallStats, type HttpOptions } from './http.js';
export { UpbitCandles, parseUpbitCandle, upbitTime, type UpbitClientOptions } from './venues/upbit.js';
export { BinanceKlines, parseKline, klinesWeight, type BinanceClientOptions } from './venues/binance.js';
export type { Candle, Page, CandleClient } from './venues/types.js';
export { commitPage, readCursor, readCoverage, type Series, type CoverageKind, type CommittedPage } from './store.js';
export { backfillSeries, closedEnd, pageEnd, CLOSE_GRACE_MS, type SeriesResult, type SeriesOptions } from './backfill.js';
