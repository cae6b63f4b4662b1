// What the WebSocket servers consume: a source (synthetic market or replayed recording) that,
// asked for everything due up to `nowMs`, returns venue-shaped messages. The servers then apply
// per-connection concerns: subscriptions, key format, depth, envelopes, faults.
import type { JsonObject, JsonValue } from '../json/lossless.js';

/** One Upbit data message with DEFAULT keys (`stream_type` present, set per send). */
export interface UpbitMessage {
  /** DEFAULT type: 'trade' | 'orderbook' | 'ticker' | 'candle.1m' … */
  type: string;
  code: string;
  body: JsonObject;
}

/** One Binance stream payload; combined connections wrap it as {stream, data}. */
export interface BinanceFrame {
  stream: string;
  data: JsonValue;
}

export interface FeedBatch {
  upbit: UpbitMessage[];
  binance: BinanceFrame[];
}

/** Which messages someone is subscribed to, so sources skip building the rest. */
export interface FeedInterest {
  upbit(type: string, code: string): boolean;
  binance(stream: string): boolean;
}

export interface FeedSource {
  readonly kind: 'synthetic' | 'replay';
  advance(nowMs: number, interest: FeedInterest): FeedBatch;
  /** The latest message of a type for a code (sent as stream_type SNAPSHOT), if any. */
  upbitSnapshot(type: string, code: string, nowMs: number): JsonObject | undefined;
}

export const ALL_INTEREST: FeedInterest = { upbit: () => true, binance: () => true };
