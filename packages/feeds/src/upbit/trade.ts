import type { Fields } from '../fields.js';
import type { UpbitKeyOf } from './keys.js';
import type { SequentialIds } from './sequentialId.js';
import { ASK_BID, CHANGES, STREAM_TYPES, type UpbitAskBid, type UpbitChange, type UpbitStreamType } from './types.js';

export interface UpbitTrade {
  kind: 'trade';
  code: string;
  tradePrice: number;
  tradeVolume: number;
  askBid: UpbitAskBid;
  prevClosingPrice: number;
  change: UpbitChange;
  changePrice: number;
  /** Execution time. */
  tradeTsMs: number;
  /** Message time. */
  tsMs: number;
  /**
   * Exact decimal digits (the value passes 2^53). Unique per code only: in the recordings
   * different markets share values, so dedupe on (code, sequentialId).
   */
  sequentialId: string;
  /** Top of book at trade time; absent in older payloads. */
  bestAskPrice?: number;
  bestAskSize?: number;
  bestBidPrice?: number;
  bestBidSize?: number;
  streamType: UpbitStreamType;
}

export function parseUpbitTrade(f: Fields, key: UpbitKeyOf, sequentialIds: SequentialIds): UpbitTrade {
  const sequentialIdKey = key('sequential_id');
  return {
    kind: 'trade',
    code: f.string(key('code')),
    tradePrice: f.number(key('trade_price')),
    tradeVolume: f.number(key('trade_volume')),
    askBid: f.oneOf(key('ask_bid'), ASK_BID),
    prevClosingPrice: f.number(key('prev_closing_price')),
    change: f.oneOf(key('change'), CHANGES),
    changePrice: f.number(key('change_price')),
    tradeTsMs: f.epochMs(key('trade_timestamp')),
    tsMs: f.epochMs(key('timestamp')),
    sequentialId: sequentialIds.take(f.number(sequentialIdKey), f.pathOf(sequentialIdKey)),
    bestAskPrice: f.optional(key('best_ask_price'), f.number),
    bestAskSize: f.optional(key('best_ask_size'), f.number),
    bestBidPrice: f.optional(key('best_bid_price'), f.number),
    bestBidSize: f.optional(key('best_bid_size'), f.number),
    streamType: f.oneOf(key('stream_type'), STREAM_TYPES),
  };
}
