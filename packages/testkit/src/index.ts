// @cqt/testkit — a faithful fake exchange on loopback (Upbit WS/REST, Binance USD-M WS/REST,
// Coinglass REST) fed by a seeded synthetic market or by real recordings, with fault injection.

export { startFakeExchange, envLines, type FakeExchange, type FakeExchangeUrls } from './server.js';
export {
  defaultFakeExchangeOptions, resolveFakeExchangeOptions, COINGLASS_PLAN_REQUESTS_PER_MIN,
  type FakeExchangeOptions, type FakeExchangeInput, type SyntheticSourceOptions, type ReplaySourceOptions,
  type UpbitOptions, type BinanceOptions, type CoinglassOptions, type CoinglassPlan,
} from './options.js';
export { FaultController, type WsVenue, type RestVenue, type MalformedFrameKind, type RestFaultAction } from './faults.js';
export type { FakeExchangeStats, WsVenueStats, RestVenueStats, ServerCloseReason } from './stats.js';

export { SyntheticMarket, type SyntheticMarketOptions, type Regime, type MarketTick, type Book, type Liquidation, type MarkState } from './market/synthetic.js';
export type { Bar, Trade } from './market/bars.js';
export { SyntheticFeed } from './feed/synthetic.js';
export { ALL_INTEREST, type FeedSource, type FeedBatch, type FeedInterest, type UpbitMessage, type BinanceFrame } from './feed/types.js';

export {
  loadRecordings, readRecordingFile, readHftbacktestFile, readCryptofeedFile, findRecordingFiles, decodePythonBytesLiteral, epochToMs,
  type Recording, type RecordedFrame, type RecordingFormat, type RecordedVenue,
} from './replay/recordings.js';
export { ReplayFeed, rebaseSequentialId, type ReplayFeedOptions, type ReplaySymbolMap } from './replay/source.js';

export { JsonNumber, parseLossless, stringifyLossless, type JsonValue, type JsonObject } from './json/lossless.js';
export { toKeyFormat, toDefaultKeys, type KeyFormat } from './upbit/keys.js';
export { parseRequest as parseUpbitRequest, type UpbitErrorName } from './upbit/ws.js';
