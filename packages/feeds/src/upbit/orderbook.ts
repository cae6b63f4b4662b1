import type { Fields } from '../fields.js';
import type { UpbitKeyOf } from './keys.js';
import { STREAM_TYPES, type UpbitStreamType } from './types.js';

/** The i-th ask paired with the i-th bid, best level first. */
export interface UpbitOrderbookUnit {
  askPrice: number;
  bidPrice: number;
  askSize: number;
  bidSize: number;
}

/** A full top-N book (not a diff). */
export interface UpbitOrderbook {
  kind: 'orderbook';
  code: string;
  tsMs: number;
  totalAskSize: number;
  totalBidSize: number;
  orderbookUnits: UpbitOrderbookUnit[];
  /** Price-grouping unit; 0 (no grouping) when the payload omits it, as older payloads do. */
  level: number;
  streamType: UpbitStreamType;
}

export function parseUpbitOrderbook(f: Fields, key: UpbitKeyOf): UpbitOrderbook {
  const unitsKey = key('orderbook_units');
  return {
    kind: 'orderbook',
    code: f.string(key('code')),
    tsMs: f.epochMs(key('timestamp')),
    totalAskSize: f.number(key('total_ask_size')),
    totalBidSize: f.number(key('total_bid_size')),
    orderbookUnits: f.array(unitsKey).map((item, i) => {
      const unit = f.frame.object(item, `${f.pathOf(unitsKey)}[${i}]`);
      return {
        askPrice: unit.number(key('ask_price')),
        bidPrice: unit.number(key('bid_price')),
        askSize: unit.number(key('ask_size')),
        bidSize: unit.number(key('bid_size')),
      };
    }),
    level: f.optional(key('level'), f.number) ?? 0,
    streamType: f.oneOf(key('stream_type'), STREAM_TYPES),
  };
}
