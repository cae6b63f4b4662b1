// Interval vocabularies shared by the WS kline stream and the REST endpoints.

export const KLINE_INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '8h', '12h', '1d', '3d', '1w', '1M'] as const;
export type BinanceKlineInterval = (typeof KLINE_INTERVALS)[number];

/** Periods of the /futures/data statistics endpoints. */
export const FUTURES_DATA_PERIODS = ['5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'] as const;
export type BinanceFuturesDataPeriod = (typeof FUTURES_DATA_PERIODS)[number];
