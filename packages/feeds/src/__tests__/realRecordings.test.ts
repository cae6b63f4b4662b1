// Replays every frame of the real recordings in ../shared/fixtures/real through the parsers.
// Expected counts come from SOURCES.md and, independently, from substring counts in the files.
import { expect, it } from 'vitest';
import { describeReal } from '@cqt/test-support/realFixtures';
import { parseBinanceFrame, type BinanceStreamMessage } from '../binance/streamFrame.js';
import { FeedParseError } from '../errors.js';
import { parseUpbitFrame, type UpbitEvent } from '../upbit/frame.js';
import { parseUpbitMinuteCandles } from '../upbit/restCandles.js';
import type { UpbitOrderbook } from '../upbit/orderbook.js';
import type { UpbitTrade } from '../upbit/trade.js';
import { MARK_PRICE_EVENT, UPBIT_MINUTE_CANDLE_EVENT } from './recordedExamples.js';
import { countKinds, countOf, readCryptofeed, readHftbacktest, readText, type RecordedFrame } from './recordings.js';

/** Parses every frame; failures are collected (line + reason) so one assertion shows them all. */
function replay<T>(frames: RecordedFrame[], parse: (frame: RecordedFrame) => T[]): { events: T[]; failures: string[] } {
  const events: T[] = [];
  const failures: string[] = [];
  for (const frame of frames) {
    try {
      events.push(...parse(frame));
    } catch (error) {
      failures.push(`line ${frame.line}: ${error instanceof FeedParseError ? error.reason : String(error)}`);
    }
  }
  return { events, failures };
}

const ofKind = <K extends string, E extends { kind: string }>(events: E[], kind: K) =>
  events.filter((event): event is Extract<E, { kind: K }> => event.kind === kind);

describeReal('Upbit SIMPLE WebSocket recordings (cryptofeed)', (dir) => {
  const recordings = [
    // Counts from SOURCES.md.
    { file: 'cryptofeed/UPBIT.ws.62.0', trade: 304, orderbook: 145 },
    { file: 'cryptofeed/commit-1312c062/UPBIT-d78752.0', trade: 672, orderbook: 1061 },
  ];

  for (const expected of recordings) {
    it(`parses every frame of ${expected.file} as a binary frame`, () => {
      const { text, frames, otherLines } = readCryptofeed(dir, expected.file);
      const { events, failures } = replay<UpbitEvent>(frames, (f) => parseUpbitFrame(Buffer.from(f.frame, 'utf8')));
      expect(failures).toEqual([]);
      expect(countOf(text, '"ty":"trade"')).toBe(expected.trade);
      expect(countOf(text, '"ty":"orderbook"')).toBe(expected.orderbook);
      expect(countKinds(events)).toEqual({ trade: expected.trade, orderbook: expected.orderbook });
      // One message per frame (SIMPLE, not SIMPLE_LIST); the rest is connect/subscribe/config lines.
      expect(frames).toHaveLength(expected.trade + expected.orderbook);
      expect(otherLines.every((line) => /^(wss:\/\/|configuration: )/.test(line))).toBe(true);

      const trades = ofKind(events, 'trade');
      const sidDigits = frames.filter((f) => f.frame.includes('"ty":"trade"')).map((f) => /"sid":(\d+)/.exec(f.frame)?.[1]);
      expect(trades.map((trade) => trade.sequentialId)).toEqual(sidDigits);
      // SOURCES.md: every ttms is a whole second in these files.
      expect(trades.every((trade) => trade.tradeTsMs % 1000 === 0)).toBe(true);
      const books = ofKind(events, 'orderbook');
      expect(books.every((book) => book.orderbookUnits.length === 15 && book.level === 0 && book.streamType === 'REALTIME')).toBe(true);
    });
  }

  it('matches spot values of the first trade and orderbook of UPBIT.ws.62.0 against the raw text', () => {
    const { frames } = readCryptofeed(dir, 'cryptofeed/UPBIT.ws.62.0');
    expect(frames[0].frame).toBe(
      '{"ty":"trade","cd":"KRW-LAMB","tms":1618678262712,"td":"2021-04-17","ttm":"16:51:02","ttms":1618678262000,"tp":127.0,"tv":46.48838371,"ab":"BID","pcp":123.00000000,"c":"RISE","cp":4.00000000,"sid":1618678262000003,"st":"REALTIME"}',
    );
    expect(frames[0].recvTsMs).toBe(1618678263011);
    expect(parseUpbitFrame(Buffer.from(frames[0].frame))).toEqual([
      {
        kind: 'trade',
        code: 'KRW-LAMB',
        tradePrice: 127,
        tradeVolume: 46.48838371,
        askBid: 'BID',
        prevClosingPrice: 123,
        change: 'RISE',
        changePrice: 4,
        tradeTsMs: 1618678262000,
        tsMs: 1618678262712,
        sequentialId: '1618678262000003',
        bestAskPrice: undefined,
        bestAskSize: undefined,
        bestBidPrice: undefined,
        bestBidSize: undefined,
        streamType: 'REALTIME',
      },
    ]);
    const [book] = parseUpbitFrame(Buffer.from(frames[1].frame)) as UpbitOrderbook[];
    expect(book).toMatchObject({ code: 'KRW-LAMB', tsMs: 1618678262640, totalAskSize: 25752275.55420627, totalBidSize: 14407925.20098682 });
    expect(book.orderbookUnits[0]).toEqual({ askPrice: 127, bidPrice: 126, askSize: 280460.37885666, bidSize: 688682.44561413 });
  });

  it('keeps the 17-digit sequential ids (above 2^53) exact and reads exponent prices such as 6E-8', () => {
    const { frames } = readCryptofeed(dir, 'cryptofeed/UPBIT.ws.62.0');
    const frame = frames.find((f) => f.frame.includes('"sid":16186782720000000'));
    const [trade] = parseUpbitFrame(Buffer.from(frame!.frame)) as UpbitTrade[];
    expect(trade).toMatchObject({ code: 'BTC-ITAM', tradePrice: 0.00000113, changePrice: 6e-8, sequentialId: '16186782720000000' });
    expect(BigInt(trade.sequentialId) > 2n ** 53n).toBe(true);
  });

  it('shows sequential_id is unique per market only, so dedupe must key on (code, sequentialId)', () => {
    const { frames } = readCryptofeed(dir, 'cryptofeed/commit-1312c062/UPBIT-d78752.0');
    const trades = ofKind(
      frames.flatMap((f) => parseUpbitFrame(f.frame)),
      'trade',
    );
    const ids = new Set(trades.map((t) => t.sequentialId));
    const pairs = new Set(trades.map((t) => `${t.code} ${t.sequentialId}`));
    expect(ids.size).toBeLessThan(trades.length);
    expect(pairs.size).toBe(trades.length);
  });
});

describeReal('Binance USD-M recordings (hftbacktest, BTCUSDT)', (dir) => {
  const recordings = [
    // Counts from SOURCES.md; `lines` includes the bare REST depth snapshot where present.
    { file: 'hftbacktest/usdm/btcusdt_20230404.dat.gz', lines: 13_384, markPrice: 99, trade: 2_197, bookTicker: 6_765, depth: 4_322, snapshots: 1 },
    { file: 'hftbacktest/usdm/btcusdt_20230405.dat.gz', lines: 60_381, markPrice: 415, trade: 10_738, bookTicker: 37_440, depth: 11_788, snapshots: 0 },
    { file: 'hftbacktest/usdm/btcusdt_20240808.gz', lines: 93_954, markPrice: 0, trade: 21_313, bookTicker: 66_089, depth: 6_551, snapshots: 1 },
  ];

  for (const expected of recordings) {
    it(`parses every stream frame of ${expected.file}`, () => {
      const { text, frames, otherLines } = readHftbacktest(dir, expected.file);
      const { events, failures } = replay<BinanceStreamMessage>(frames, (f) => [parseBinanceFrame(f.frame)]);
      expect(failures).toEqual([]);
      expect(frames.length + otherLines.length).toBe(expected.lines);

      const independent = {
        markPrice: countOf(text, '"e":"markPriceUpdate"'),
        trade: countOf(text, '"e":"trade"'),
        bookTicker: countOf(text, '"e":"bookTicker"'),
        depth: countOf(text, '"e":"depthUpdate"'),
      };
      const fromSources = { markPrice: expected.markPrice, trade: expected.trade, bookTicker: expected.bookTicker, depth: expected.depth };
      expect(independent).toEqual(fromSources);
      const counts = countKinds(events);
      expect({ markPrice: counts.markPrice ?? 0, trade: counts.trade, bookTicker: counts.bookTicker, depth: counts.depth }).toEqual(fromSources);

      // The documented non-data line: a bare REST depth snapshot, which is no stream frame.
      expect(otherLines).toHaveLength(expected.snapshots);
      for (const line of otherLines) {
        const snapshot = line.slice(line.indexOf(' ') + 1);
        expect(snapshot).toMatch(/^\{"lastUpdateId": ?\d+/);
        expect(() => parseBinanceFrame(snapshot)).toThrow(FeedParseError);
      }
    });
  }

  it('matches the first and last markPrice frames against the raw text', () => {
    for (const file of ['hftbacktest/usdm/btcusdt_20230404.dat.gz', 'hftbacktest/usdm/btcusdt_20230405.dat.gz']) {
      const markFrames = readHftbacktest(dir, file).frames.filter((f) => f.frame.includes('"e":"markPriceUpdate"'));
      for (const { frame } of [markFrames[0], markFrames[markFrames.length - 1]]) {
        const field = (key: string) => new RegExp(`"${key}":"?([^",}]+)`).exec(frame)![1];
        expect(parseBinanceFrame(frame)).toEqual({
          kind: 'markPrice',
          symbol: 'BTCUSDT',
          tsMs: Number(field('E')),
          markPrice: Number(field('p')),
          indexPrice: Number(field('i')),
          estSettlePrice: Number(field('P')),
          fundingRate: Number(field('r')),
          nextFundingTsMs: Number(field('T')),
        });
      }
    }
    const first = readHftbacktest(dir, 'hftbacktest/usdm/btcusdt_20230405.dat.gz').frames.find((f) => f.frame.includes('markPriceUpdate'))!;
    expect(first.recvTsMs).toBe(1680652800091);
    // The example in SOURCES.md. Its T is 10 ms in the past: right after a funding instant the
    // stream still reports the funding that just happened; the next frame moves T 8 h ahead.
    expect(parseBinanceFrame(first.frame)).toEqual(MARK_PRICE_EVENT);
  });

  it('keeps trade types: one INSURANCE_FUND fill among MARKET trades', () => {
    const types: Record<string, number> = {};
    for (const file of recordings.map((r) => r.file)) {
      for (const { frame } of readHftbacktest(dir, file).frames) {
        const event = parseBinanceFrame(frame);
        if (event.kind === 'trade') types[event.tradeType] = (types[event.tradeType] ?? 0) + 1;
      }
    }
    expect(types).toEqual({ MARKET: 34_247, INSURANCE_FUND: 1 });
  });

  it('shows the 2024 local clock ~1.27 s behind the exchange event time', () => {
    const { frames } = readHftbacktest(dir, 'hftbacktest/usdm/btcusdt_20240808.gz');
    const skews = frames.map((f) => f.recvTsMs - (parseBinanceFrame(f.frame) as { tsMs: number }).tsMs).sort((a, b) => a - b);
    const median = skews[Math.floor(skews.length / 2)];
    expect(median).toBeGreaterThan(-1400);
    expect(median).toBeLessThan(-1150);
  });
});

describeReal('Binance USD-M recordings (cryptofeed)', (dir) => {
  const recordings = [
    // aggTrade and kline counts from SOURCES.md; bookTicker/depth counted from the files.
    { file: 'cryptofeed/BINANCE_FUTURES.ws.1.0', aggTrade: 91, kline: 67, bookTicker: 613, depth: 764, closedKlines: 4 },
    { file: 'cryptofeed/commit-3525dc8c/BINANCE_FUTURES.ws.5.0', aggTrade: 185, kline: 99, bookTicker: 1_959, depth: 1_016, closedKlines: 0 },
    { file: 'cryptofeed/commit-1312c062/BINANCE_FUTURES-1125a2.0', aggTrade: 574, kline: 0, bookTicker: 3_424, depth: 4_423, closedKlines: 0 },
  ];

  for (const expected of recordings) {
    it(`parses every stream frame of ${expected.file}`, () => {
      const { text, frames, otherLines } = readCryptofeed(dir, expected.file);
      const { events, failures } = replay<BinanceStreamMessage>(frames, (f) => [parseBinanceFrame(f.frame)]);
      expect(failures).toEqual([]);
      const { aggTrade, kline, bookTicker, depth } = expected;
      expect({
        aggTrade: countOf(text, '"e":"aggTrade"'),
        kline: countOf(text, '"e":"kline"'),
        bookTicker: countOf(text, '"e":"bookTicker"'),
        depth: countOf(text, '"e":"depthUpdate"'),
      }).toEqual({ aggTrade, kline, bookTicker, depth });
      const counts = countKinds(events);
      expect({ aggTrade: counts.aggTrade, kline: counts.kline ?? 0, bookTicker: counts.bookTicker, depth: counts.depth }).toEqual({ aggTrade, kline, bookTicker, depth });
      expect(frames).toHaveLength(aggTrade + kline + bookTicker + depth);
      expect(ofKind(events, 'kline').filter((k) => k.closed)).toHaveLength(countOf(text, '"x":true'));
      expect(ofKind(events, 'kline').filter((k) => k.closed)).toHaveLength(expected.closedKlines);
      // Connect line, configuration and REST depth snapshots (`url -> t: body`) are not frames.
      expect(otherLines.every((line) => /^(wss:\/\/|configuration: |https:\/\/\S+ -> )/.test(line))).toBe(true);
    });
  }

  it('matches the first aggTrade of BINANCE_FUTURES.ws.1.0 against the raw text', () => {
    const { frames } = readCryptofeed(dir, 'cryptofeed/BINANCE_FUTURES.ws.1.0');
    const frame = frames.find((f) => f.frame.includes('"e":"aggTrade"'))!;
    expect(frame.frame).toBe(
      '{"stream":"ctkusdt@aggTrade","data":{"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10","f":23961322,"l":23961322,"T":1626992741421,"m":false}}',
    );
    expect(parseBinanceFrame(frame.frame)).toMatchObject({ kind: 'aggTrade', symbol: 'CTKUSDT', aggTradeId: 16599292, price: 1.011, qty: 10, tradeTsMs: 1626992741421 });
  });
});

describeReal('Upbit REST minute candles (smtm)', (dir) => {
  const files = ['smtm/upbit_1m_20200220_170000-20200220_202000.json', 'smtm/upbit_1m_20200220_202000-20200220_210000.json'];

  it('parses both bodies: 240 contiguous KRW-BTC minutes, 08:00 → 11:59 UTC', () => {
    const [first, second] = files.map((file) => parseUpbitMinuteCandles(readText(dir, file)));
    expect(first).toHaveLength(200);
    expect(second).toHaveLength(40);
    const candles = [...first, ...second];
    expect(candles[0].candleStartMs).toBe(Date.UTC(2020, 1, 20, 8, 0));
    expect(candles[candles.length - 1].candleStartMs).toBe(Date.UTC(2020, 1, 20, 11, 59));
    expect(candles.every((c, i) => i === 0 || c.candleStartMs - candles[i - 1].candleStartMs === 60_000)).toBe(true);
    expect(candles.every((c) => c.market === 'KRW-BTC' && c.unit === 1)).toBe(true);
  });

  it('matches the newest candle of the first body against the raw text', () => {
    const raw = readText(dir, files[0]);
    const newest = JSON.parse(raw)[0];
    expect(newest.candle_date_time_utc).toBe('2020-02-20T11:19:00');
    const candles = parseUpbitMinuteCandles(raw);
    expect(candles[candles.length - 1]).toEqual(UPBIT_MINUTE_CANDLE_EVENT);
  });

  it('shows `timestamp` is the last tick, sometimes a few hundred ms after the bar ends', () => {
    const candles = files.flatMap((file) => parseUpbitMinuteCandles(readText(dir, file)));
    const offsets = candles.map((c) => c.lastTradeTsMs - c.candleStartMs);
    expect(Math.min(...offsets)).toBeGreaterThan(0);
    expect(Math.max(...offsets)).toBeGreaterThan(60_000);
    expect(Math.max(...offsets)).toBeLessThan(61_000);
  });
});
