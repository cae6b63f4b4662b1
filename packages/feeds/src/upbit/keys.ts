// Upbit sends each message with DEFAULT (snake_case) or SIMPLE (abbreviated) keys, chosen per
// subscription. Parsers name fields by their DEFAULT key and resolve the wire key through this table.

const SIMPLE_KEY = {
  type: 'ty',
  code: 'cd',
  timestamp: 'tms',
  stream_type: 'st',
  trade_price: 'tp',
  trade_volume: 'tv',
  ask_bid: 'ab',
  prev_closing_price: 'pcp',
  change: 'c',
  change_price: 'cp',
  trade_timestamp: 'ttms',
  sequential_id: 'sid',
  best_ask_price: 'bap',
  best_ask_size: 'bas',
  best_bid_price: 'bbp',
  best_bid_size: 'bbs',
  total_ask_size: 'tas',
  total_bid_size: 'tbs',
  orderbook_units: 'obu',
  ask_price: 'ap',
  bid_price: 'bp',
  ask_size: 'as',
  bid_size: 'bs',
  level: 'lv',
  opening_price: 'op',
  high_price: 'hp',
  low_price: 'lp',
  signed_change_price: 'scp',
  change_rate: 'cr',
  signed_change_rate: 'scr',
  acc_trade_volume: 'atv',
  acc_trade_volume_24h: 'atv24h',
  acc_trade_price: 'atp',
  acc_trade_price_24h: 'atp24h',
  acc_ask_volume: 'aav',
  acc_bid_volume: 'abv',
  market_state: 'ms',
  candle_date_time_utc: 'cdttmu',
  candle_acc_trade_volume: 'catv',
  candle_acc_trade_price: 'catp',
} as const;

export type UpbitKey = keyof typeof SIMPLE_KEY;

/** Maps a DEFAULT field name to the key used on the wire in the message's format. */
export type UpbitKeyOf = (name: UpbitKey) => string;

export const defaultKey: UpbitKeyOf = (name) => name;
export const simpleKey: UpbitKeyOf = (name) => SIMPLE_KEY[name];
