// Replays the real recordings in shared/fixtures/real (see SOURCES.md) through the fake
// exchange, and checks the synthetic frames against their real shapes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { describeReal } from '@cqt/test-support/realFixtures';
import { SyntheticFeed } from '../feed/synthetic.js';
import { ALL_INTEREST } from '../feed/types.js';
import { isJsonObject, parseLossless, stringifyLossless, type JsonObject, type JsonValue } from '../json/lossless.js';
import { SyntheticMarket } from '../market/synthetic.js';
import { decodePythonBytesLiteral, readCryptofeedFile, readHftbacktestFile, type Recording } from '../replay/recordings.js';
import { toDefaultKeys, toKeyFormat } from '../upbit/keys.js';
import { rawIntegers, sleep, test, TestClient } from './support.js';

const UPBIT_REBASED = new Set(['code', 'timestamp', 'trade_timestamp', 'trade_date', 'trade_time', 'sequential_id', 'stream_type']);

function kindCounts(recording: Recording): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of recording.frames) {
    const kind = /^\{"stream":"[^"@]+@([^"]+)"/.exec(f.text)?.[1] ?? /"ty":"(\w+)"/.exec(f.text)?.[1] ?? '?';
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

const field = (obj: JsonObject, key: string): string => stringifyLossless(obj[key]);

/** Index in `recorded` where `received` starts as a contiguous run, matching on `keys`. */
function alignment(received: JsonObject[], recorded: JsonObject[], keys: string[]): number {
  const same = (a: JsonObject, b: JsonObject): boolean => keys.every((k) => field(a, k) === field(b, k));
  for (let start = 0; start + received.length <= recorded.length; start++) {
    if (received.every((r, i) => same(r, recorded[start + i]))) return start;
  }
  return -1;
}

describeReal('replay of real recordings', (dir) => {
  const path = (...parts: string[]): string => join(dir, ...parts);

  test.concurrent('reads hftbacktest and cryptofeed files with the frame counts of SOURCES.md', async ({ t }) => {
    const april4 = await readHftbacktestFile(path('hftbacktest/usdm/btcusdt_20230404.dat.gz'));
    expect(kindCounts(april4)).toEqual({ bookTicker: 6765, trade: 2197, 'depth@0ms': 4322, 'markPrice@1s': 99 });
    expect(april4.frames[0].localTsMs).toBeCloseTo(1680652700423.575, 3);
    const august = await readHftbacktestFile(path('hftbacktest/usdm/btcusdt_20240808.gz'));
    // Nanosecond local times, ~1.3 s behind the exchange's E.
    expect(Math.floor(august.frames[0].localTsMs / 1000)).toBe(1723161255);
    const upbit = await readCryptofeedFile(path('cryptofeed/UPBIT.ws.62.0'));
    expect(upbit.venue).toBe('upbit');
    expect(kindCounts(upbit)).toEqual({ trade: 304, orderbook: 145 });
    const futures = await readCryptofeedFile(path('cryptofeed/BINANCE_FUTURES.ws.1.0'));
    expect(kindCounts(futures)).toMatchObject({ aggTrade: 91, kline_1m: 67 });
    expect(decodePythonBytesLiteral(String.raw`b'{"a":"it\'s \xea\xb0\x80 \\ok"}'`)).toBe('{"a":"it\'s 가 \\ok"}');
  });

  test.concurrent('replays recorded Upbit SIMPLE frames as KRW-BTC in the client’s format, content unchanged except times and symbol', async ({ t }) => {
    const file = path('cryptofeed/commit-1312c062/UPBIT-d78752.0');
    const recorded = (await readCryptofeedFile(file)).frames
      .map((f) => parseLossless(f.text) as JsonObject)
      .filter((m) => m.cd === 'KRW-DAWN');
    const recordedTrades = recorded.filter((m) => m.ty === 'trade');
    const ex = await t.exchange({
      source: { kind: 'replay', paths: [file], speed: 4, symbolMap: { upbit: { 'KRW-BTC': 'KRW-DAWN' } } },
      markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] },
    });
    const defaults = await t.client(ex.urls.UPBIT_WS_URL);
    defaults.send([{ ticket: 'd' }, { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true }, { type: 'orderbook', codes: ['KRW-BTC'], is_only_realtime: true }]);
    const simple = await t.client(ex.urls.UPBIT_WS_URL);
    simple.send([{ ticket: 's' }, { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true }, { format: 'SIMPLE' }]);
    await defaults.waitMatching((f) => f.text.includes('"type":"trade"'), 'replayed trades', 8);
    await simple.waitFrames(8);

    const received = defaults.frames.map((f) => parseLossless(f.text) as JsonObject);
    const trades = received.filter((m) => m.type === 'trade');
    const expected = recordedTrades.map((m) => toDefaultKeys(m));
    const start = alignment(trades, expected, ['trade_price', 'trade_volume', 'ask_bid', 'prev_closing_price', 'change', 'change_price']);
    expect(start).toBeGreaterThanOrEqual(0);
    trades.forEach((trade, i) => {
      const original = expected[start + i];
      expect(Object.keys(trade)).toEqual(Object.keys(original));
      for (const key of Object.keys(trade)) if (!UPBIT_REBASED.has(key)) expect(field(trade, key)).toBe(field(original, key));
      expect(trade.code).toBe('KRW-BTC');
      const tradeMs = Number(field(trade, 'trade_timestamp'));
      expect(Math.abs(tradeMs - Date.now())).toBeLessThan(15_000);
      expect(`${trade.trade_date}T${trade.trade_time}Z`).toBe(new Date(Math.floor(tradeMs / 1000) * 1000).toISOString().replace('.000', ''));
      // The recorded per-ms counter survives; the id follows the rebased trade time (×1000 in 2021 files).
      const [sid] = rawIntegers(defaults.frames[received.indexOf(trade)].text, 'sequential_id');
      expect(BigInt(sid) - BigInt(tradeMs) * 1000n).toBe(BigInt(field(original, 'sequential_id')) - BigInt(field(original, 'trade_timestamp')) * 1000n);
    });
    // Number text is preserved exactly (e.g. "1234.0" stays "1234.0").
    expect(defaults.frames.some((f) => /"trade_price":\d+\.0[,}]/.test(f.text))).toBe(true);
    const book = received.find((m) => m.type === 'orderbook')!;
    expect((book.orderbook_units as JsonValue[]).length).toBe(15);

    for (const f of simple.frames) {
      const message = parseLossless(f.text) as JsonObject;
      expect(Object.keys(message)).toEqual(Object.keys(recordedTrades[0]));
      expect(message.cd).toBe('KRW-BTC');
    }
  });

  test.concurrent('replays hftbacktest markPrice@1s and trades for the requested symbol, rebased to now', async ({ t }) => {
    const file = path('hftbacktest/usdm/btcusdt_20230405.dat.gz');
    const recording = await readHftbacktestFile(file);
    const recordedMarks = recording.frames.filter((f) => f.text.includes('@markPrice@1s')).map((f) => (parseLossless(f.text) as JsonObject).data as JsonObject);
    const ex = await t.exchange({ source: { kind: 'replay', paths: [file], speed: 5 }, markets: { binance: ['ETHUSDT'], upbit: ['KRW-BTC'] } });
    const market = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=ethusdt@markPrice@1s`);
    const publicRoute = await t.client(`${ex.urls.BINANCE_WS_URL}/public/stream?streams=ethusdt@trade`);
    await market.waitFrames(4);
    await publicRoute.waitFrames(5);
    const marks = market.frames.map((f) => parseLossless(f.text) as { stream: string; data: JsonObject });
    expect(marks.every((m) => m.stream === 'ethusdt@markPrice@1s' && m.data.s === 'ETHUSDT')).toBe(true);
    const start = alignment(marks.map((m) => m.data), recordedMarks, ['p', 'P', 'i', 'r']);
    expect(start).toBeGreaterThanOrEqual(0);
    for (const m of marks) {
      expect(Math.abs(Number(field(m.data, 'E')) - Date.now())).toBeLessThan(10_000);
      expect(Object.keys(m.data)).toEqual(['e', 'E', 's', 'p', 'P', 'i', 'r', 'T']);
    }
    // At speed 5, recorded 1 s spacing becomes ~200 ms.
    const e0 = Number(field(marks[0].data, 'E'));
    const e1 = Number(field(marks[1].data, 'E'));
    expect(e1 - e0).toBeLessThan(400);
    const trade = (parseLossless(publicRoute.frames[0].text) as { data: JsonObject }).data;
    expect(trade).toMatchObject({ e: 'trade', s: 'ETHUSDT', X: 'MARKET' });
  });

  test.concurrent('replays cryptofeed aggTrade and kline frames with mapped symbols, aligned bars and fresh ids on loop', async ({ t }) => {
    const file = path('cryptofeed/BINANCE_FUTURES.ws.1.0');
    const recordedAggs = (await readCryptofeedFile(file)).frames.filter((f) => f.text.startsWith('{"stream":"ctkusdt@aggTrade"')).length;
    const ex = await t.exchange({
      source: { kind: 'replay', paths: [file], speed: 20, loop: true, symbolMap: { binance: { BTCUSDT: 'CTKUSDT' } } },
      markets: { binance: ['BTCUSDT'], upbit: ['KRW-BTC'] },
    });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade/btcusdt@kline_1m`);
    // 30 s recorded at 20× ≈ 1.5 s per loop: wait until more than one loop was played.
    await c.waitMatching((f) => f.text.includes('aggTrade'), 'a second loop', recordedAggs + 2);
    const frames = c.frames.map((f) => JSON.parse(f.text) as { stream: string; data: Record<string, any> });
    const aggs = frames.filter((f) => f.stream === 'btcusdt@aggTrade').map((f) => f.data);
    const klines = frames.filter((f) => f.stream === 'btcusdt@kline_1m').map((f) => f.data.k);
    expect(aggs.length).toBeGreaterThan(2);
    expect(klines.length).toBeGreaterThan(2);
    expect(aggs.every((a) => a.s === 'BTCUSDT' && typeof a.p === 'string')).toBe(true);
    expect(new Set(aggs.map((a) => a.a)).size).toBe(aggs.length);
    for (const k of klines) {
      expect(k.s).toBe('BTCUSDT');
      expect(k.t % 60_000).toBe(0);
      expect(k.T - k.t).toBe(59_999);
    }
    expect(klines.map((k) => k.o).every((o) => o.startsWith('1.0'))).toBe(true);
  });

  test.concurrent('synthetic frames have the keys and JSON types of the real ones', async ({ t }) => {
    const futures = await readCryptofeedFile(path('cryptofeed/BINANCE_FUTURES.ws.1.0'));
    const hft = await readHftbacktestFile(path('hftbacktest/usdm/btcusdt_20230404.dat.gz'));
    const upbit = await readCryptofeedFile(path('cryptofeed/UPBIT.ws.62.0'));
    const realBinance = new Map<string, JsonObject>();
    for (const f of [...futures.frames, ...hft.frames]) {
      const envelope = parseLossless(f.text) as JsonObject;
      const kind = String(envelope.stream).split('@').slice(1).join('@');
      if (!realBinance.has(kind)) realBinance.set(kind, envelope.data as JsonObject);
    }
    const origin = Date.UTC(2026, 0, 15, 9, 59, 58);
    const feed = new SyntheticFeed(new SyntheticMarket({ seed: 1, originMs: origin, binanceSymbols: ['BTCUSDT'], upbitMarkets: ['KRW-BTC'], usdKrw: 1380, tickMs: 50 }));
    const batch = feed.advance(origin + 5000, ALL_INTEREST);
    const shape = (value: JsonValue): unknown =>
      isJsonObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)])) : Array.isArray(value) ? 'array' : typeof stringifyLossless(value) === 'string' ? jsonType(value) : 'never';
    for (const kind of ['aggTrade', 'kline_1m', 'markPrice@1s', 'bookTicker', 'trade']) {
      const synthetic = batch.binance.find((f) => f.stream === `btcusdt@${kind}`)!.data;
      expect(shape(synthetic), kind).toEqual(shape(realBinance.get(kind)!));
    }
    for (const type of ['trade', 'orderbook']) {
      const real = parseLossless(upbit.frames.find((f) => f.text.includes(`"ty":"${type}"`))!.text) as JsonObject;
      const synthetic = toKeyFormat(batch.upbit.find((m) => m.type === type)!.body, type, 'simple');
      // Upbit added best_* fields and `lv` after 2021: ours are a superset, in the same order.
      const common = Object.keys(synthetic).filter((k) => k in real);
      expect(common).toEqual(Object.keys(real));
      for (const k of common) expect(jsonType(synthetic[k]), `${type}.${k}`).toBe(jsonType(real[k]));
    }
  });

  test.concurrent('REST responses have the keys and types of the recorded ones (Upbit candles, Binance exchangeInfo)', async ({ t }) => {
    const smtm = JSON.parse(await readFile(path('smtm/upbit_1m_20200220_202000-20200220_210000.json'), 'utf8')) as Array<Record<string, unknown>>;
    const infoLine = (await readFile(path('cryptofeed/BINANCE_FUTURES.0'), 'utf8')).split('\n').find((l) => l.includes('/fapi/v1/exchangeInfo'))!;
    const recordedInfo = JSON.parse(infoLine.slice(infoLine.indexOf(': ') + 2)) as Record<string, any>;
    const ex = await t.exchange();
    const candles = (await (await fetch(`${ex.urls.UPBIT_REST_URL}/v1/candles/minutes/1?market=KRW-BTC&count=3`)).json()) as Array<Record<string, unknown>>;
    const typesOf = (row: Record<string, unknown>): Record<string, string> => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v]));
    expect(typesOf(candles[0])).toEqual(typesOf(smtm[0]));
    expect(Object.keys(candles[0])).toEqual(Object.keys(smtm[0]));
    const info = (await (await fetch(`${ex.urls.BINANCE_REST_URL}/fapi/v1/exchangeInfo`)).json()) as Record<string, any>;
    expect(Object.keys(info)).toEqual(Object.keys(recordedInfo));
    expect(info.rateLimits).toEqual(recordedInfo.rateLimits);
    const recordedBtc = recordedInfo.symbols.find((s: { symbol: string }) => s.symbol === 'BTCUSDT');
    expect(Object.keys(info.symbols[0])).toEqual(Object.keys(recordedBtc));
  });
});

function jsonType(value: JsonValue | undefined): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const text = stringifyLossless(value as JsonValue);
  if (text.startsWith('"')) return 'string';
  if (text === 'true' || text === 'false') return 'boolean';
  if (text.startsWith('{')) return 'object';
  return 'number';
}
