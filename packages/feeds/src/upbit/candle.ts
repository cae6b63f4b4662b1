import type { Fields } from '../fields.js';
import type { UpbitKeyOf } from './keys.js';
import { CANDLE_INTERVALS, STREAM_TYPES, type UpbitCandleInterval, type UpbitStreamType } from './types.js';

/**
 * A live candle update. The same candleStartMs is sent many times while the bar fills;
 * the last one received wins. No message is sent for intervals without trades.
 */
export interface UpbitCandle {
  kind: 'candle';
  code: string;
  interval: UpbitCandleInterval;
  /** Bar start, from candle_date_time_utc. */
  candleStartMs: number;
  openingPrice: number;
  highPrice: number;
  lowPrice: number;
  tradePrice: number;
  candleAccTradeVolume: number;
  candleAccTradePrice: number;
  tsMs: number;
  streamType: UpbitStreamType;
}

/** `type` is the already-read message type, e.g. "candle.1m". */
export function parseUpbitCandle(f: Fields, key: UpbitKeyOf, type: string): UpbitCandle {
  const interval = type.slice('candle.'.length) as UpbitCandleInterval;
  if (!CANDLE_INTERVALS.includes(interval)) f.fail(key('type'), `candle.<${CANDLE_INTERVALS.join('|')}>`);
  return {
    kind: 'candle',
    code: f.string(key('code')),
    interval,
    candleStartMs: f.utcDateTimeMs(key('candle_date_time_utc')),
    openingPrice: f.number(key('opening_price')),
    highPrice: f.number(key('high_price')),
    lowPrice: f.number(key('low_price')),
    tradePrice: f.number(key('trade_price')),
    candleAccTradeVolume: f.number(key('candle_acc_trade_volume')),
    candleAccTradePrice: f.number(key('candle_acc_trade_price')),
    tsMs: f.epochMs(key('timestamp')),
    streamType: f.oneOf(key('stream_type'), STREAM_TYPES),
  };
}
