// Frames copied from the real recordings (../shared/fixtures/real) with the events the parsers
// make of them: the unit tests parse the copies, realRecordings.test.ts the frames in the files.

/** The markPrice example of SOURCES.md: the first markPriceUpdate of hftbacktest btcusdt_20230405.dat.gz. */
export const MARK_PRICE =
  '{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1680652800010,"s":"BTCUSDT","p":"28155.10000000","P":"28141.47600845","i":"28165.04857143","r":"0.00002760","T":1680652800000}}';

export const MARK_PRICE_EVENT = {
  kind: 'markPrice',
  symbol: 'BTCUSDT',
  tsMs: 1680652800010,
  markPrice: 28155.1,
  indexPrice: 28165.04857143,
  estSettlePrice: 28141.47600845,
  fundingRate: 0.0000276,
  nextFundingTsMs: 1680652800000,
};

/** The newest candle (first element) of the smtm body upbit_1m_20200220_170000-20200220_202000.json. */
export const UPBIT_MINUTE_CANDLE =
  '{"market":"KRW-BTC","candle_date_time_utc":"2020-02-20T11:19:00","candle_date_time_kst":"2020-02-20T20:19:00","opening_price":11509000.0,"high_price":11511000.0,"low_price":11489000.0,"trade_price":11498000.0,"timestamp":1582197598691,"candle_acc_trade_price":30279009.54681,"candle_acc_trade_volume":2.63267824,"unit":1}';

export const UPBIT_MINUTE_CANDLE_EVENT = {
  market: 'KRW-BTC',
  unit: 1,
  candleStartMs: Date.UTC(2020, 1, 20, 11, 19),
  openingPrice: 11509000,
  highPrice: 11511000,
  lowPrice: 11489000,
  tradePrice: 11498000,
  lastTradeTsMs: 1582197598691,
  candleAccTradePrice: 30279009.54681,
  candleAccTradeVolume: 2.63267824,
};
