// Upbit frames below are synthetic, shaped like the documented payloads (Upbit's WebSocket documentation).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseUpbitFrame } from '../upbit/frame.js';
import type { UpbitTrade } from '../upbit/trade.js';
import { expectParseError } from './expectParseError.js';

const DEFAULT_TRADE =
  '{"type":"trade","code":"KRW-BTC","timestamp":1730336862082,"trade_date":"2024-10-31","trade_time":"01:07:42","trade_timestamp":1730336862047,"trade_price":100473000.0,"trade_volume":0.00014208,"ask_bid":"BID","prev_closing_price":100571000.0,"change":"FALL","change_price":98000.0,"sequential_id":17303368620470001,"best_ask_price":100473000,"best_ask_size":0.43139478,"best_bid_price":100465000,"best_bid_size":0.01990656,"stream_type":"SNAPSHOT"}';
const SIMPLE_TRADE =
  '{"ty":"trade","cd":"KRW-BTC","tms":1730336862082,"td":"2024-10-31","ttm":"01:07:42","ttms":1730336862047,"tp":100473000.0,"tv":0.00014208,"ab":"BID","pcp":100571000.0,"c":"FALL","cp":98000.0,"sid":17303368620470001,"bap":100473000,"bas":0.43139478,"bbp":100465000,"bbs":0.01990656,"st":"SNAPSHOT"}';
const SIMPLE_ORDERBOOK =
  '{"ty":"orderbook","cd":"KRW-BTC","tms":1730336862082,"tas":1.5,"tbs":2.5,"obu":[{"ap":100473000,"bp":100465000,"as":0.5,"bs":1.25},{"ap":100474000,"bp":100464000,"as":1,"bs":1.25}],"lv":0,"st":"REALTIME"}';
const DEFAULT_TICKER =
  '{"type":"ticker","code":"KRW-BTC","opening_price":100000000,"high_price":101000000,"low_price":99000000,"trade_price":100473000,"prev_closing_price":100571000,"change":"FALL","change_price":98000,"signed_change_price":-98000,"change_rate":0.0009744359,"signed_change_rate":-0.0009744359,"trade_volume":0.00014208,"acc_trade_volume":1200.5,"acc_trade_volume_24h":2400.25,"acc_trade_price":120000000000,"acc_trade_price_24h":240000000000,"trade_date":"20241031","trade_time":"010742","trade_timestamp":1730336862047,"ask_bid":"BID","acc_ask_volume":600.1,"acc_bid_volume":600.4,"highest_52_week_price":105000000,"highest_52_week_date":"2024-03-14","lowest_52_week_price":50000000,"lowest_52_week_date":"2023-11-01","market_state":"ACTIVE","is_trading_suspended":false,"delisting_date":null,"market_warning":"NONE","timestamp":1730336862082,"stream_type":"REALTIME"}';
const SIMPLE_CANDLE =
  '{"ty":"candle.1m","cd":"KRW-BTC","cdttmu":"2024-10-31T01:07:00","cdttmk":"2024-10-31T10:07:00","op":100470000,"hp":100480000,"lp":100460000,"tp":100473000,"catv":0.75,"catp":75350000,"tms":1730336862082,"st":"REALTIME"}';

describe('parseUpbitFrame', () => {
  it('normalises DEFAULT and SIMPLE trades to one event shape', () => {
    const [fromDefault] = parseUpbitFrame(DEFAULT_TRADE);
    const [fromSimple] = parseUpbitFrame(SIMPLE_TRADE);
    expect(fromSimple).toEqual(fromDefault);
    expect(fromDefault).toEqual({
      kind: 'trade',
      code: 'KRW-BTC',
      tradePrice: 100473000,
      tradeVolume: 0.00014208,
      askBid: 'BID',
      prevClosingPrice: 100571000,
      change: 'FALL',
      changePrice: 98000,
      tradeTsMs: 1730336862047,
      tsMs: 1730336862082,
      sequentialId: '17303368620470001',
      bestAskPrice: 100473000,
      bestAskSize: 0.43139478,
      bestBidPrice: 100465000,
      bestBidSize: 0.01990656,
      streamType: 'SNAPSHOT',
    });
  });

  it('keeps an odd sequential_id above 2^53 exact where JSON.parse rounds it', () => {
    expect(JSON.parse(SIMPLE_TRADE).sid).toBe(17303368620470000); // what a naive parser would store
    const [trade] = parseUpbitFrame(SIMPLE_TRADE) as UpbitTrade[];
    expect(trade.sequentialId).toBe('17303368620470001');
    expect(BigInt(trade.sequentialId) > 2n ** 53n).toBe(true);
  });

  it('a kept sequential id does not hold its whole frame in memory (the collector remembers 20,000 of them)', () => {
    // Found by heap snapshots of a soaking collector: 7,730 whole trade frames (3.6 MB) were kept
    // alive by the 17-digit id strings of its dedupe ring, each a slice of its frame's text.
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    const pad = 'x'.repeat(4096);
    const ids: string[] = [];
    gc();
    const beforeBytes = process.memoryUsage().heapUsed;
    for (let i = 0; i < 5000; i++) {
      const raw = SIMPLE_TRADE.replace('"sid":17303368620470001', `"sid":${17303368620470001n + BigInt(i)},"pad":"${pad}${i}"`);
      ids.push((parseUpbitFrame(raw) as UpbitTrade[])[0].sequentialId);
    }
    gc();
    const keptBytes = process.memoryUsage().heapUsed - beforeBytes;
    expect(ids[4999]).toBe('17303368620475000');
    // 5,000 frames of > 4 KB each: ≥ 20 MB if the ids held them, a few hundred kB if not.
    expect(keptBytes).toBeLessThan(4_000_000);
  });

  it('decodes binary (Buffer) frames as UTF-8', () => {
    expect(parseUpbitFrame(Buffer.from(SIMPLE_TRADE, 'utf8'))).toEqual(parseUpbitFrame(SIMPLE_TRADE));
    expect(parseUpbitFrame(new TextEncoder().encode(SIMPLE_ORDERBOOK))).toEqual(parseUpbitFrame(SIMPLE_ORDERBOOK));
  });

  it('parses an orderbook, defaulting a missing level to 0', () => {
    const [book] = parseUpbitFrame(SIMPLE_ORDERBOOK);
    expect(book).toEqual({
      kind: 'orderbook',
      code: 'KRW-BTC',
      tsMs: 1730336862082,
      totalAskSize: 1.5,
      totalBidSize: 2.5,
      orderbookUnits: [
        { askPrice: 100473000, bidPrice: 100465000, askSize: 0.5, bidSize: 1.25 },
        { askPrice: 100474000, bidPrice: 100464000, askSize: 1, bidSize: 1.25 },
      ],
      level: 0,
      streamType: 'REALTIME',
    });
    const withoutLevel = SIMPLE_ORDERBOOK.replace('"lv":0,', '');
    expect(parseUpbitFrame(withoutLevel)[0]).toMatchObject({ level: 0 });
  });

  it('parses a ticker and a SIMPLE ticker alike', () => {
    const [ticker] = parseUpbitFrame(DEFAULT_TICKER);
    expect(ticker).toMatchObject({
      kind: 'ticker',
      code: 'KRW-BTC',
      tradePrice: 100473000,
      signedChangePrice: -98000,
      accTradeVolume24h: 2400.25,
      askBid: 'BID',
      tradeTsMs: 1730336862047,
      tsMs: 1730336862082,
      marketState: 'ACTIVE',
      streamType: 'REALTIME',
    });
    const simple =
      '{"ty":"ticker","cd":"KRW-BTC","op":100000000,"hp":101000000,"lp":99000000,"tp":100473000,"pcp":100571000,"c":"FALL","cp":98000,"scp":-98000,"cr":0.0009744359,"scr":-0.0009744359,"tv":0.00014208,"atv":1200.5,"atv24h":2400.25,"atp":120000000000,"atp24h":240000000000,"tdt":"20241031","ttm":"010742","ttms":1730336862047,"ab":"BID","aav":600.1,"abv":600.4,"ms":"ACTIVE","tms":1730336862082,"st":"REALTIME"}';
    expect(parseUpbitFrame(simple)).toEqual([ticker]);
  });

  it('parses a candle with its zone-less UTC start', () => {
    expect(parseUpbitFrame(SIMPLE_CANDLE)).toEqual([
      {
        kind: 'candle',
        code: 'KRW-BTC',
        interval: '1m',
        candleStartMs: Date.UTC(2024, 9, 31, 1, 7),
        openingPrice: 100470000,
        highPrice: 100480000,
        lowPrice: 100460000,
        tradePrice: 100473000,
        candleAccTradeVolume: 0.75,
        candleAccTradePrice: 75350000,
        tsMs: 1730336862082,
        streamType: 'REALTIME',
      },
    ]);
  });

  it('returns every message of a *_LIST frame, each trade with its own exact sequential id', () => {
    const second = SIMPLE_TRADE.replace('"sid":17303368620470001', '"sid":17303368620470003').replace('"cd":"KRW-BTC"', '"cd":"KRW-ETH"');
    const events = parseUpbitFrame(`[${SIMPLE_TRADE},${SIMPLE_ORDERBOOK},${second}]`);
    expect(events.map((event) => event.kind)).toEqual(['trade', 'orderbook', 'trade']);
    expect((events as UpbitTrade[]).filter((e) => e.kind === 'trade').map((e) => [e.code, e.sequentialId])).toEqual([
      ['KRW-BTC', '17303368620470001'],
      ['KRW-ETH', '17303368620470003'],
    ]);
    expect(parseUpbitFrame('[]')).toEqual([]);
  });

  it('turns error and status frames into events, not exceptions', () => {
    expect(parseUpbitFrame('{"error":{"name":"NO_CODES","message":"Not found codes"}}')).toEqual([
      { kind: 'error', name: 'NO_CODES', message: 'Not found codes' },
    ]);
    expect(parseUpbitFrame(Buffer.from('{"status":"UP"}'))).toEqual([{ kind: 'status', status: 'UP' }]);
  });
});

describe('parseUpbitFrame rejects malformed frames with the raw frame attached', () => {
  const cases: [string, string, RegExp][] = [
    ['truncated JSON', SIMPLE_TRADE.slice(0, 80), /invalid JSON/],
    ['empty frame', '', /invalid JSON/],
    ['a JSON scalar', '42', /\$: expected an object, got 42/],
    ['a list holding a scalar', '[1]', /\$\[0\]: expected an object/],
    ['unknown message type', '{"ty":"myTrade","cd":"KRW-BTC"}', /\$\.ty: expected trade, orderbook, ticker or candle/],
    ['no type at all', '{"foo":1}', /not an Upbit message/],
    ['price as a string', SIMPLE_TRADE.replace('"tp":100473000.0', '"tp":"100473000"'), /\$\.tp: expected a finite number, got "100473000"/],
    ['price as a NaN string', SIMPLE_TRADE.replace('"tp":100473000.0', '"tp":"NaN"'), /\$\.tp: expected a finite number/],
    ['price overflowing to Infinity', SIMPLE_TRADE.replace('"tp":100473000.0', '"tp":1e999'), /\$\.tp: expected a finite number, got Infinity/],
    ['missing volume', SIMPLE_TRADE.replace('"tv":0.00014208,', ''), /\$\.tv: expected a finite number, got nothing/],
    ['empty code', SIMPLE_TRADE.replace('"cd":"KRW-BTC"', '"cd":""'), /\$\.cd: expected a non-empty string/],
    ['unknown side', SIMPLE_TRADE.replace('"ab":"BID"', '"ab":"BUY"'), /\$\.ab: expected one of ASK\|BID/],
    ['unknown change', SIMPLE_TRADE.replace('"c":"FALL"', '"c":"DOWN"'), /\$\.c: expected one of RISE\|EVEN\|FALL/],
    ['unknown stream type', SIMPLE_TRADE.replace('"st":"SNAPSHOT"', '"st":"LIVE"'), /\$\.st: expected one of SNAPSHOT\|REALTIME/],
    ['timestamp in seconds', SIMPLE_TRADE.replace('"tms":1730336862082', '"tms":1730336862'), /\$\.tms: expected epoch ms/],
    ['negative trade timestamp', SIMPLE_TRADE.replace('"ttms":1730336862047', '"ttms":-1'), /\$\.ttms: expected epoch ms/],
    ['absurd timestamp', SIMPLE_TRADE.replace('"ttms":1730336862047', '"ttms":99999999999999999'), /\$\.ttms: expected epoch ms/],
    ['fractional timestamp', SIMPLE_TRADE.replace('"tms":1730336862082', '"tms":1730336862082.5'), /\$\.tms: expected epoch ms/],
    ['sequential id as a string', SIMPLE_TRADE.replace('"sid":17303368620470001', '"sid":"17303368620470001"'), /\$\.sid: expected a finite number/],
    ['fractional sequential id', SIMPLE_TRADE.replace('"sid":17303368620470001', '"sid":1.5'), /\$\.sid: expected an unsigned integer sequential id, got 1.5/],
    ['negative sequential id', SIMPLE_TRADE.replace('"sid":17303368620470001', '"sid":-7'), /\$\.sid: expected an unsigned integer sequential id, got -7/],
    ['missing sequential id', SIMPLE_TRADE.replace('"sid":17303368620470001,', ''), /\$\.sid: expected a finite number, got nothing/],
    ['a stray sequential id after the trade', `[${SIMPLE_TRADE},${SIMPLE_ORDERBOOK.replace('"lv":0', '"lv":0,"sid":5')}]`, /found 2 sequential ids in the text but 1 trades/],
    ['a stray sequential id before the trade', `[${SIMPLE_ORDERBOOK.replace('"lv":0', '"lv":0,"sid":5')},${SIMPLE_TRADE}]`, /\$\[1\]\.sid: sequential id 5 in the text does not match 17303368620470000/],
    ['orderbook units not an array', SIMPLE_ORDERBOOK.replace(/"obu":\[.*?\]\]?,"lv"/, '"obu":{},"lv"'), /\$\.obu: expected an array/],
    ['orderbook unit missing a size', SIMPLE_ORDERBOOK.replace('"as":0.5,', ''), /\$\.obu\[0\]\.as: expected a finite number, got nothing/],
    ['candle with an unknown interval', SIMPLE_CANDLE.replace('candle.1m', 'candle.2m'), /\$\.ty: expected candle\.</],
    ['candle start with a zone', SIMPLE_CANDLE.replace('2024-10-31T01:07:00', '2024-10-31T01:07:00Z'), /\$\.cdttmu: expected a UTC date-time/],
    ['candle start that is no date', SIMPLE_CANDLE.replace('2024-10-31T01:07:00', '2024-02-30T01:07:00'), /\$\.cdttmu: expected a UTC date-time/],
    ['error frame without a name', '{"error":{"message":"x"}}', /\$\.error\.name: expected a non-empty string/],
    ['status that is not a string', '{"status":1}', /\$\.status: expected a non-empty string/],
    ['ticker missing its 24h volume', DEFAULT_TICKER.replace('"acc_trade_volume_24h":2400.25,', ''), /\$\.acc_trade_volume_24h: expected a finite number/],
  ];
  it.each(cases)('%s', (_name, raw, reason) => {
    expectParseError(() => parseUpbitFrame(raw), 'upbit.ws', raw, reason);
    expectParseError(() => parseUpbitFrame(Buffer.from(raw)), 'upbit.ws', raw, reason);
  });

  it('rejects bytes that are not UTF-8', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expectParseError(() => parseUpbitFrame(bytes), 'upbit.ws', bytes.toString('utf8'), /not valid UTF-8/);
  });
});
