// @cqt/feeds — pure exchange adapters: raw frame or body → typed event, and request builders.
// Parsers throw FeedParseError only; builders throw RangeError for bad arguments.

export { FeedParseError, type FeedSource } from './errors.js';
// The feed_events vocabulary: sources, kinds, and the forceOrder stream's liveness rules.
export {
  HEARTBEAT_EVERY_SEC,
  MAX_SILENCE_SEC,
  STREAM_KINDS,
  STREAM_SOURCE,
  STREAM_SOURCES,
  carriesForceOrders,
  describeBreak,
  isStreamDown,
  isStreamRestart,
  isStreamUp,
  streamHistory,
  streamsOf,
  type FeedEventKind,
  type FeedEventSource,
  type StreamBreak,
  type StreamEvent,
  type StreamHistory,
  type StreamSpan,
} from './feedEvents.js';
export { parseDecimal } from './decimal.js';
export { MIN_EPOCH_MS, MAX_EPOCH_MS, isEpochMs, parseZonelessUtcMs } from './time.js';
export { restUrl, readHeader, type RestRequest, type HeaderSource } from './http.js';
export type { Ohlcv } from './ohlcv.js';

// Upbit
export { parseUpbitFrame, type UpbitEvent, type UpbitErrorMessage, type UpbitStatus } from './upbit/frame.js';
export type { UpbitTrade } from './upbit/trade.js';
export type { UpbitOrderbook, UpbitOrderbookUnit } from './upbit/orderbook.js';
export type { UpbitTicker } from './upbit/ticker.js';
export type { UpbitCandle } from './upbit/candle.js';
export type { UpbitStreamType, UpbitAskBid, UpbitChange, UpbitCandleInterval, UpbitFormat } from './upbit/types.js';
export { buildUpbitSubscribe, ORDERBOOK_DEPTHS, type UpbitSubscription, type UpbitOrderbookDepth } from './upbit/subscribe.js';
export {
  upbitMinuteCandlesRequest,
  parseUpbitMinuteCandles,
  MINUTE_CANDLE_UNITS,
  MAX_CANDLE_COUNT,
  type UpbitMinuteCandle,
  type UpbitMinuteUnit,
} from './upbit/restCandles.js';

// Binance USD-M
export { KLINE_INTERVALS, FUTURES_DATA_PERIODS, type BinanceKlineInterval, type BinanceFuturesDataPeriod } from './binance/intervals.js';
export { binanceStreamName, binanceMarketStreamUrl, buildBinanceStreamRequest, type BinanceChannel } from './binance/streams.js';
export {
  parseBinanceFrame,
  type BinanceStreamMessage,
  type BinanceControlResult,
  type BinanceControlError,
} from './binance/streamFrame.js';
export type {
  BinanceMarketEvent,
  BinanceMarkPrice,
  BinanceForceOrder,
  BinanceAggTrade,
  BinanceTrade,
  BinanceBookTicker,
  BinanceKline,
  BinanceDepthUpdate,
  BinanceBookLevel,
} from './binance/streamEvents.js';
export type { BinanceCandle } from './binance/candle.js';
export {
  binanceOpenInterestRequest,
  binanceFuturesDataRequest,
  binanceBasisRequest,
  binancePremiumIndexRequest,
  binanceFundingRateRequest,
  binanceKlinesRequest,
  binanceKlinesWeight,
  binanceRequestCost,
  FUTURES_DATA_METRICS,
  BASIS_CONTRACT_TYPES,
  type BinanceFuturesDataMetric,
  type BinanceContractType,
  type BinanceRequestCost,
  type TimeWindow,
} from './binance/restRequests.js';
export {
  parseBinanceOpenInterest,
  parseBinanceOpenInterestHist,
  parseBinanceLongShortRatio,
  parseBinanceTakerLongShortRatio,
  parseBinanceBasis,
  parseBinancePremiumIndex,
  parseBinanceFundingRates,
  parseBinanceKlines,
  type BinanceOpenInterest,
  type BinanceOpenInterestHist,
  type BinanceLongShortRatio,
  type BinanceTakerLongShortRatio,
  type BinanceBasis,
  type BinancePremiumIndex,
  type BinanceFundingRate,
} from './binance/restResponses.js';
export { classifyBinanceResponse, parseBinanceUsedWeight1m, type BinanceResponseStatus } from './binance/restStatus.js';

// Coinglass v4
export {
  coinglassAggregatedLiquidationMapRequest,
  coinglassLiquidationMapRequest,
  coinglassLiquidationHistoryRequest,
  coinglassAggregatedLiquidationHistoryRequest,
  MAP_RANGES,
  HISTORY_INTERVALS,
  type CoinglassMapRange,
  type CoinglassHistoryInterval,
} from './coinglass/requests.js';
export {
  classifyCoinglassResponse,
  parseCoinglassRateLimit,
  type CoinglassResponseStatus,
  type CoinglassErrorKind,
  type CoinglassRateLimit,
} from './coinglass/envelope.js';
export {
  parseCoinglassLiquidationMap,
  parseCoinglassLiquidationHistory,
  parseCoinglassAggregatedLiquidationHistory,
  type CoinglassLiquidationLevel,
  type CoinglassLiquidationBucket,
} from './coinglass/liquidation.js';

// Derived data (pure): Upbit trades and order books → 1 s bars.
export { BAR_GRACE_MS, BarBuilder, type BarBuilderOptions } from './derived/bars.js';

// Clients (I/O): a reconnecting WebSocket with watchdog and rotation, a REST call with timeout, and
// a REST poller base owning schedule, rate-limit pauses and stop.
export {
  FeedSocket,
  HandshakeRejectedError,
  handshakeResumeAtMs,
  type FeedSocketOptions,
  type FeedSocketHandlers,
  type SocketCloseReason,
} from './client/feedSocket.js';
export { fetchRest, RestTransportError, type RestResponse } from './client/rest.js';
export { RestPoller } from './client/restPoller.js';
export { readRetryAfterSec, readBannedUntilMs, nextMinuteMs, resumeAtMs, type RateLimitHint } from './client/pollTiming.js';
