import type { Fields } from '../fields.js';
import type { UpbitKeyOf } from './keys.js';
import { ASK_BID, CHANGES, STREAM_TYPES, type UpbitAskBid, type UpbitChange, type UpbitStreamType } from './types.js';

/** Current price and running totals of one market (52-week and deprecated fields are not kept). */
export interface UpbitTicker {
  kind: 'ticker';
  code: string;
  openingPrice: number;
  highPrice: number;
  lowPrice: number;
  tradePrice: number;
  prevClosingPrice: number;
  change: UpbitChange;
  changePrice: number;
  signedChangePrice: number;
  changeRate: number;
  signedChangeRate: number;
  tradeVolume: number;
  /** Since 00:00 UTC. */
  accTradeVolume: number;
  accTradeVolume24h: number;
  accTradePrice: number;
  accTradePrice24h: number;
  askBid: UpbitAskBid;
  accAskVolume: number;
  accBidVolume: number;
  tradeTsMs: number;
  tsMs: number;
  /** PREVIEW / ACTIVE / DELISTED when sent. */
  marketState?: string;
  streamType: UpbitStreamType;
}

export function parseUpbitTicker(f: Fields, key: UpbitKeyOf): UpbitTicker {
  return {
    kind: 'ticker',
    code: f.string(key('code')),
    openingPrice: f.number(key('opening_price')),
    highPrice: f.number(key('high_price')),
    lowPrice: f.number(key('low_price')),
    tradePrice: f.number(key('trade_price')),
    prevClosingPrice: f.number(key('prev_closing_price')),
    change: f.oneOf(key('change'), CHANGES),
    changePrice: f.number(key('change_price')),
    signedChangePrice: f.number(key('signed_change_price')),
    changeRate: f.number(key('change_rate')),
    signedChangeRate: f.number(key('signed_change_rate')),
    tradeVolume: f.number(key('trade_volume')),
    accTradeVolume: f.number(key('acc_trade_volume')),
    accTradeVolume24h: f.number(key('acc_trade_volume_24h')),
    accTradePrice: f.number(key('acc_trade_price')),
    accTradePrice24h: f.number(key('acc_trade_price_24h')),
    askBid: f.oneOf(key('ask_bid'), ASK_BID),
    accAskVolume: f.number(key('acc_ask_volume')),
    accBidVolume: f.number(key('acc_bid_volume')),
    tradeTsMs: f.epochMs(key('trade_timestamp')),
    tsMs: f.epochMs(key('timestamp')),
    marketState: f.optional(key('market_state'), f.string),
    streamType: f.oneOf(key('stream_type'), STREAM_TYPES),
  };
}
