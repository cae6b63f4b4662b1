// Enumerations shared by several Upbit message types.

export const STREAM_TYPES = ['SNAPSHOT', 'REALTIME'] as const;
export type UpbitStreamType = (typeof STREAM_TYPES)[number];

/** ASK = the taker sold (매도), BID = the taker bought (매수). */
export const ASK_BID = ['ASK', 'BID'] as const;
export type UpbitAskBid = (typeof ASK_BID)[number];

/** Direction versus the previous close. */
export const CHANGES = ['RISE', 'EVEN', 'FALL'] as const;
export type UpbitChange = (typeof CHANGES)[number];

export const CANDLE_INTERVALS = ['1s', '1m', '3m', '5m', '10m', '15m', '30m', '60m', '240m'] as const;
export type UpbitCandleInterval = (typeof CANDLE_INTERVALS)[number];

/** Message formats a subscription can ask for; the *_LIST ones deliver a JSON array per frame. */
export type UpbitFormat = 'DEFAULT' | 'SIMPLE' | 'JSON_LIST' | 'SIMPLE_LIST';
