// forceOrder and delivery-contract frames are synthetic (no public recording has them), shaped
// like the documented examples in Binance's USD-M WebSocket documentation.
import { describe, expect, it } from 'vitest';
import { parseBinanceFrame } from '../binance/streamFrame.js';
import { binanceMarketStreamUrl, binanceStreamName, buildBinanceStreamRequest } from '../binance/streams.js';
import { expectParseError } from './expectParseError.js';
import { MARK_PRICE, MARK_PRICE_EVENT } from './recordedExamples.js';

const FORCE_ORDER =
  '{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}}';
const AGG_TRADE =
  '{"stream":"ctkusdt@aggTrade","data":{"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10","f":23961322,"l":23961322,"T":1626992741421,"m":false}}';
const TRADE =
  '{"stream":"btcusdt@trade","data":{"e":"trade","E":1680652700455,"T":1680652700452,"s":"BTCUSDT","t":3535186032,"p":"28145.10","q":"0.002","X":"MARKET","m":true}}';
const BOOK_TICKER =
  '{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":2710246762461,"s":"BTCUSDT","b":"28145.10","B":"3.868","a":"28145.20","A":"6.887","T":1680652700430,"E":1680652700435}}';
const KLINE =
  '{"stream":"ctkusdt@kline_1m","data":{"e":"kline","E":1626992741424,"s":"CTKUSDT","k":{"t":1626992700000,"T":1626992759999,"s":"CTKUSDT","i":"1m","f":23961275,"L":23961322,"o":"1.01000","c":"1.01100","h":"1.01100","l":"1.01000","v":"3917","n":48,"x":false,"q":"3957.89900","V":"1729","Q":"1748.01900","B":"0"}}}';
const DEPTH =
  '{"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161601105,"T":1723161601054,"s":"BTCUSDT","U":5123135475514,"u":5123135475514,"pu":5123135221461,"b":[["61631.70","0.283"],["61632.60","0.000"]],"a":[]}}';

describe('parseBinanceFrame', () => {
  it('parses markPriceUpdate', () => {
    expect(parseBinanceFrame(MARK_PRICE)).toEqual(MARK_PRICE_EVENT);
  });

  it('maps a delivery contract\'s empty funding rate and zero funding time to null', () => {
    const delivery = MARK_PRICE.replace('"r":"0.00002760"', '"r":""').replace('"T":1680652800000', '"T":0');
    expect(parseBinanceFrame(delivery)).toMatchObject({ fundingRate: null, nextFundingTsMs: null });
  });

  it('parses forceOrder (synthetic)', () => {
    expect(parseBinanceFrame(FORCE_ORDER)).toEqual({
      kind: 'forceOrder',
      symbol: 'BTCUSDT',
      tsMs: 1568014460893,
      side: 'SELL',
      orderType: 'LIMIT',
      timeInForce: 'IOC',
      origQty: 0.014,
      price: 9910,
      avgPrice: 9910,
      status: 'FILLED',
      lastFilledQty: 0.014,
      filledQty: 0.014,
      tradeTsMs: 1568014460893,
    });
  });

  it('parses aggTrade, trade, bookTicker, kline and depth', () => {
    expect(parseBinanceFrame(AGG_TRADE)).toEqual({
      kind: 'aggTrade',
      symbol: 'CTKUSDT',
      tsMs: 1626992741575,
      aggTradeId: 16599292,
      price: 1.011,
      qty: 10,
      firstTradeId: 23961322,
      lastTradeId: 23961322,
      tradeTsMs: 1626992741421,
      buyerIsMaker: false,
    });
    expect(parseBinanceFrame(TRADE)).toEqual({
      kind: 'trade',
      symbol: 'BTCUSDT',
      tsMs: 1680652700455,
      tradeId: 3535186032,
      price: 28145.1,
      qty: 0.002,
      tradeTsMs: 1680652700452,
      buyerIsMaker: true,
      tradeType: 'MARKET',
    });
    expect(parseBinanceFrame(BOOK_TICKER)).toEqual({
      kind: 'bookTicker',
      symbol: 'BTCUSDT',
      tsMs: 1680652700435,
      transactionTsMs: 1680652700430,
      updateId: 2710246762461,
      bidPrice: 28145.1,
      bidQty: 3.868,
      askPrice: 28145.2,
      askQty: 6.887,
    });
    expect(parseBinanceFrame(KLINE)).toEqual({
      kind: 'kline',
      symbol: 'CTKUSDT',
      tsMs: 1626992741424,
      interval: '1m',
      firstTradeId: 23961275,
      lastTradeId: 23961322,
      openTsMs: 1626992700000,
      closeTsMs: 1626992759999,
      open: 1.01,
      high: 1.011,
      low: 1.01,
      close: 1.011,
      volume: 3917,
      quoteVolume: 3957.899,
      tradeCount: 48,
      takerBuyVolume: 1729,
      takerBuyQuoteVolume: 1748.019,
      closed: false,
    });
    expect(parseBinanceFrame(DEPTH)).toEqual({
      kind: 'depth',
      symbol: 'BTCUSDT',
      tsMs: 1723161601105,
      transactionTsMs: 1723161601054,
      firstUpdateId: 5123135475514,
      finalUpdateId: 5123135475514,
      prevFinalUpdateId: 5123135221461,
      bids: [
        { price: 61631.7, qty: 0.283 },
        { price: 61632.6, qty: 0 },
      ],
      asks: [],
    });
  });

  it('accepts a bare payload from a raw /ws/ socket', () => {
    const bare = JSON.stringify(JSON.parse(MARK_PRICE).data);
    expect(parseBinanceFrame(bare)).toEqual(parseBinanceFrame(MARK_PRICE));
  });

  it('parses control replies and control errors', () => {
    expect(parseBinanceFrame('{"result":null,"id":1}')).toEqual({ kind: 'result', id: 1, result: null });
    expect(parseBinanceFrame('{"result":["btcusdt@aggTrade"],"id":3}')).toEqual({ kind: 'result', id: 3, result: ['btcusdt@aggTrade'] });
    expect(parseBinanceFrame('{"code":2,"msg":"Invalid request: unknown variant `SUBSCRIB`","id":4}')).toEqual({
      kind: 'error',
      code: 2,
      msg: 'Invalid request: unknown variant `SUBSCRIB`',
      id: 4,
    });
    expect(parseBinanceFrame('{"code":0,"msg":"Unknown property"}')).toMatchObject({ kind: 'error', code: 0, id: null });
  });
});

describe('parseBinanceFrame rejects malformed frames with the raw frame attached', () => {
  const cases: [string, string, RegExp][] = [
    ['truncated JSON', MARK_PRICE.slice(0, 60), /invalid JSON/],
    ['empty frame', '', /invalid JSON/],
    ['an array', '[]', /\$: expected an object/],
    ['nothing recognisable', '{"foo":1}', /not a stream envelope, payload or control reply/],
    ['an envelope without data', '{"stream":"btcusdt@trade"}', /\$\.data: expected an object, got nothing/],
    ['an unknown event type', MARK_PRICE.replace('markPriceUpdate', 'markPriceUpdated'), /\$\.data\.e: expected markPriceUpdate\|forceOrder/],
    ['an inherited property name as event type', MARK_PRICE.replace('markPriceUpdate', 'toString'), /\$\.data\.e: expected markPriceUpdate/],
    ['a payload on the wrong stream', MARK_PRICE.replace('btcusdt@markPrice@1s', 'btcusdt@aggTrade'), /btcusdt@aggTrade does not carry markPriceUpdate/],
    ['a payload for another symbol', MARK_PRICE.replace('btcusdt@markPrice@1s', 'ethusdt@markPrice@1s'), /does not carry markPriceUpdate for BTCUSDT/],
    ['a price as a JSON number', MARK_PRICE.replace('"p":"28155.10000000"', '"p":28155.1'), /\$\.data\.p: expected a decimal string, got 28155\.1/],
    ['a NaN price', MARK_PRICE.replace('"p":"28155.10000000"', '"p":"NaN"'), /\$\.data\.p: expected a decimal string, got "NaN"/],
    ['an Infinity price', MARK_PRICE.replace('"p":"28155.10000000"', '"p":"Infinity"'), /\$\.data\.p: expected a decimal string/],
    ['an empty price', MARK_PRICE.replace('"p":"28155.10000000"', '"p":""'), /\$\.data\.p: expected a decimal string, got ""/],
    ['a garbage funding rate', MARK_PRICE.replace('"r":"0.00002760"', '"r":"abc"'), /\$\.data\.r: expected a decimal string/],
    ['an event time in seconds', MARK_PRICE.replace('"E":1680652800010', '"E":1680652800'), /\$\.data\.E: expected epoch ms/],
    ['a negative funding time', MARK_PRICE.replace('"T":1680652800000', '"T":-1'), /\$\.data\.T: expected epoch ms/],
    ['an event time as a string', MARK_PRICE.replace('"E":1680652800010', '"E":"1680652800010"'), /\$\.data\.E: expected epoch ms/],
    ['a missing symbol', MARK_PRICE.replace('"s":"BTCUSDT",', ''), /\$\.data\.s: expected a non-empty string, got nothing/],
    ['a force order without its order', '{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1568014460893}}', /\$\.data\.o: expected an object/],
    ['a force order with an unknown side', FORCE_ORDER.replace('"S":"SELL"', '"S":"SHORT"'), /\$\.data\.o\.S: expected one of BUY\|SELL/],
    ['a force order with an absurd trade time', FORCE_ORDER.replace('"T":1568014460893}', '"T":4102444800000}'), /\$\.data\.o\.T: expected epoch ms/],
    ['an aggTrade id beyond 2^53', AGG_TRADE.replace('"a":16599292', '"a":9007199254740993'), /\$\.data\.a: expected a safe integer/],
    ['an aggTrade maker flag as a string', AGG_TRADE.replace('"m":false', '"m":"false"'), /\$\.data\.m: expected a boolean/],
    ['a trade without its type', TRADE.replace(',"X":"MARKET"', ''), /\$\.data\.X: expected a non-empty string/],
    ['a book ticker with a NaN bid size', BOOK_TICKER.replace('"B":"3.868"', '"B":"NaN"'), /\$\.data\.B: expected a decimal string/],
    ['a kline with an unknown interval', KLINE.replace('"i":"1m"', '"i":"7m"'), /\$\.data\.k\.i: expected one of 1m\|3m/],
    ['a kline closing before it opens', KLINE.replace('"T":1626992759999', '"T":1626992600000'), /\$\.data\.k\.T: expected a close time after the open time/],
    ['a kline with a fractional trade count', KLINE.replace('"n":48', '"n":4.8'), /\$\.data\.k\.n: expected a safe integer/],
    ['a kline without the closed flag', KLINE.replace('"x":false,', ''), /\$\.data\.k\.x: expected a boolean, got nothing/],
    ['a depth level too short', DEPTH.replace('["61631.70","0.283"]', '["61631.70"]'), /\$\.data\.b\[0\]: expected at least 2 items/],
    ['a depth level with a bad quantity', DEPTH.replace('"0.283"', '"-"'), /\$\.data\.b\[0\]\[1\]: expected a decimal string/],
    ['a control reply with a string id', '{"result":null,"id":"1"}', /\$\.id: expected a safe integer/],
    ['a control error without msg', '{"code":2}', /\$\.msg: expected a non-empty string/],
  ];
  it.each(cases)('%s', (_name, raw, reason) => {
    expectParseError(() => parseBinanceFrame(raw), 'binance.ws', raw, reason);
  });
});

describe('Binance stream names and URLs', () => {
  it('builds lower-case stream names and the /market combined-stream URL', () => {
    const streams = [
      binanceStreamName('BTCUSDT', 'markPrice@1s'),
      binanceStreamName('btcusdt', 'forceOrder'),
      binanceStreamName('BTCUSDT', 'aggTrade'),
      binanceStreamName('BTCUSDT', 'kline_1m'),
    ];
    expect(binanceMarketStreamUrl('wss://fstream.binance.com/', streams)).toBe(
      'wss://fstream.binance.com/market/stream?streams=btcusdt@markPrice@1s/btcusdt@forceOrder/btcusdt@aggTrade/btcusdt@kline_1m',
    );
    expect(binanceMarketStreamUrl('ws://127.0.0.1:4000', ['btcusdt@aggTrade'])).toBe('ws://127.0.0.1:4000/market/stream?streams=btcusdt@aggTrade');
  });

  it('builds live (un)subscribe requests', () => {
    expect(JSON.parse(buildBinanceStreamRequest('SUBSCRIBE', ['btcusdt@aggTrade'], 1))).toEqual({
      method: 'SUBSCRIBE',
      params: ['btcusdt@aggTrade'],
      id: 1,
    });
  });

  it('rejects bad symbols, empty stream lists and bad ids', () => {
    expect(() => binanceStreamName('BTC/USDT', 'aggTrade')).toThrow(RangeError);
    expect(() => binanceStreamName('', 'aggTrade')).toThrow(RangeError);
    expect(() => binanceMarketStreamUrl('wss://x', [])).toThrow(RangeError);
    expect(() => buildBinanceStreamRequest('SUBSCRIBE', ['a'], -1)).toThrow(RangeError);
    expect(() => buildBinanceStreamRequest('UNSUBSCRIBE', [], 1)).toThrow(RangeError);
  });
});
