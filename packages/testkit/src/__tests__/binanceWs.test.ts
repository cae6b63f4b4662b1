import { describe, expect } from 'vitest';
import { sleep, test, TestClient } from './support.js';

interface Envelope {
  stream: string;
  data: Record<string, unknown> & { E: number };
}

const DECIMAL = /^-?\d+\.\d+$|^\d+$/;
const envelopes = (c: TestClient): Envelope[] => c.json() as Envelope[];
const ofStream = (c: TestClient, stream: string): Envelope[] => envelopes(c).filter((e) => e.stream === stream);

describe.concurrent('Binance USD-M WebSocket fake', () => {
  test('wraps combined streams as {stream,data} text frames with every decimal as a string', async ({ t }) => {
    const ex = await t.exchange({ seed: 21 });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@markPrice@1s/btcusdt@aggTrade/btcusdt@kline_1m/ethusdt@aggTrade`);
    await c.waitMatching((f) => f.text.includes('markPriceUpdate'), 'three markPrice@1s updates', 3);
    expect(c.frames.every((f) => !f.isBinary)).toBe(true);

    const marks = ofStream(c, 'btcusdt@markPrice@1s').map((e) => e.data);
    expect(Object.keys(marks[0])).toEqual(['e', 'E', 's', 'p', 'P', 'i', 'r', 'T']);
    for (const key of ['p', 'P', 'i', 'r']) expect(marks[0][key]).toMatch(DECIMAL);
    expect(typeof marks[0].T).toBe('number');
    // One per second: consecutive event times about 1 s apart.
    for (let i = 1; i < marks.length; i++) expect(marks[i].E - marks[i - 1].E).toBeGreaterThanOrEqual(900);

    const aggs = ofStream(c, 'btcusdt@aggTrade').map((e) => e.data);
    expect(aggs.length).toBeGreaterThan(5);
    expect(Object.keys(aggs[0])).toEqual(['e', 'E', 'a', 's', 'p', 'q', 'f', 'l', 'T', 'm']);
    for (const a of aggs) {
      expect(a.p).toMatch(DECIMAL);
      expect(a.q).toMatch(DECIMAL);
      expect(a.s).toBe('BTCUSDT');
      expect(a.E).toBeGreaterThanOrEqual(a.T as number);
    }
    for (let i = 1; i < aggs.length; i++) expect(aggs[i].a).toBe((aggs[i - 1].a as number) + 1);
    // Batched per 100 ms: aggTrades share event times.
    expect(new Set(aggs.map((a) => a.E)).size).toBeLessThan(aggs.length);
    expect(ofStream(c, 'ethusdt@aggTrade').every((e) => e.data.s === 'ETHUSDT')).toBe(true);

    const klines = ofStream(c, 'btcusdt@kline_1m').map((e) => e.data.k as Record<string, unknown>);
    expect(klines.length).toBeGreaterThan(2);
    expect(Object.keys(klines[0])).toEqual(['t', 'T', 's', 'i', 'f', 'L', 'o', 'c', 'h', 'l', 'v', 'n', 'x', 'q', 'V', 'Q', 'B']);
    for (const key of ['o', 'c', 'h', 'l', 'v', 'q', 'V', 'Q']) expect(klines[0][key]).toMatch(DECIMAL);
    expect((klines[0].T as number) - (klines[0].t as number)).toBe(59_999);
  });

  test('pushes a final kline with x:true when the bar closes', async ({ t }) => {
    // Put the exchange clock 1.5 s before a minute boundary.
    const now = Date.now();
    const skew = (Math.floor(now / 60_000) + 1) * 60_000 - 1500 - now;
    const ex = await t.exchange({ seed: 22, clockSkewMs: skew });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@kline_1m`);
    const [closed] = await c.waitMatching((f) => f.text.includes('"x":true'), 'closed kline');
    const k = (JSON.parse(closed.text) as Envelope).data.k as { t: number; T: number; x: boolean };
    expect(k.t % 60_000).toBe(0);
    await c.waitMatching((f) => {
      const kline = (JSON.parse(f.text) as Envelope).data.k as { t: number };
      return kline.t === k.t + 60_000;
    }, 'next bar');
    const bars = ofStream(c, 'btcusdt@kline_1m').map((e) => e.data.k as { t: number; x: boolean });
    const closedIndex = bars.findIndex((b) => b.x);
    expect(bars.slice(0, closedIndex).every((b) => b.t === k.t && !b.x)).toBe(true);
    expect(bars.slice(closedIndex + 1).every((b) => b.t === k.t + 60_000)).toBe(true);
  });

  test('serves raw payloads on /market/ws/<stream>', async ({ t }) => {
    const ex = await t.exchange({ seed: 23 });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/ws/btcusdt@aggTrade`);
    await c.waitFrames(3);
    for (const m of c.json() as Array<Record<string, unknown>>) {
      expect(m.e).toBe('aggTrade');
      expect(m).not.toHaveProperty('stream');
    }
  });

  test('answers SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / properties and reports bad requests', async ({ t }) => {
    const ex = await t.exchange({ seed: 24 });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream`);
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@markPrice@1s'], id: 1 });
    await c.waitMatching((f) => f.text.includes('"aggTrade"'), 'data after SUBSCRIBE');
    c.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    c.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@aggTrade'], id: 3 });
    c.send({ method: 'GET_PROPERTY', params: ['combined'], id: 4 });
    c.send({ method: 'FOO', id: 5 });
    c.send('{nope');
    c.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade'], id: -1 });
    const replies = await c.waitMatching((f) => !f.text.startsWith('{"stream"'), 'seven replies', 7);
    const parsed = replies.map((f) => JSON.parse(f.text) as Record<string, unknown>);
    expect(parsed[0]).toEqual({ result: null, id: 1 });
    expect(parsed[1]).toEqual({ result: ['btcusdt@aggTrade', 'btcusdt@markPrice@1s'], id: 2 });
    expect(parsed[2]).toEqual({ result: null, id: 3 });
    expect(parsed[3]).toEqual({ result: true, id: 4 });
    expect(parsed[4]).toMatchObject({ code: 2, id: 5 });
    expect(parsed[5]).toMatchObject({ code: 3 });
    expect(parsed[6]).toMatchObject({ code: 2 });
    await sleep(400);
    const after = c.frames.length;
    await c.waitMatching((f) => f.text.includes('markPrice@1s'), 'markPrice still flowing', ofStream(c, 'btcusdt@markPrice@1s').length + 1);
    expect(c.frames.slice(after).some((f) => f.text.includes('"btcusdt@aggTrade"'))).toBe(false);
  });

  test('disconnects a client that sends more than 10 messages per second', async ({ t }) => {
    const ex = await t.exchange();
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`);
    for (let i = 0; i < 12; i++) c.send({ method: 'LIST_SUBSCRIPTIONS', id: i });
    const close = await c.waitClose();
    expect(close.code).toBe(1008);
    expect(ex.stats.binance.closedByServer['rate-limit']).toBe(1);
  });

  test('pings on schedule and drops a client that never answers', async ({ t }) => {
    const ex = await t.exchange({ binance: { pingIntervalMs: 150, pongTimeoutMs: 500 } });
    const polite = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@markPrice@1s`);
    const deaf = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@markPrice@1s`, { autoPong: false });
    await deaf.waitClose();
    expect(deaf.pingsReceived).toBeGreaterThan(0);
    expect(ex.stats.binance.closedByServer['no-pong']).toBe(1);
    expect(polite.pingsReceived).toBeGreaterThan(1);
    expect(polite.closeEvent).toBeUndefined();
  });

  test('cuts every connection at the configured lifetime (24 h on Binance)', async ({ t }) => {
    const ex = await t.exchange({ binance: { maxConnectionMs: 1200 } });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`);
    await c.waitFrames(1);
    const close = await c.waitClose();
    expect(close).toEqual({ code: 1000, reason: 'connection lifetime exceeded' });
    expect(ex.stats.binance.closedByServer.lifetime).toBe(1);
    expect(c.frames.length).toBeGreaterThan(0);
  });

  test('keeps the retired legacy /stream path open and ACKing but silent', async ({ t }) => {
    const ex = await t.exchange({ seed: 25 });
    const legacy = await t.client(`${ex.urls.BINANCE_WS_URL}/stream?streams=btcusdt@aggTrade/btcusdt@kline_1m`);
    const routed = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade/btcusdt@kline_1m`);
    legacy.send({ method: 'SUBSCRIBE', params: ['btcusdt@markPrice@1s'], id: 7 });
    await legacy.waitFrames(1);
    expect(legacy.json()[0]).toEqual({ result: null, id: 7 });
    await routed.waitFrames(20);
    await sleep(1200);
    expect(legacy.frames).toHaveLength(1);
    expect(legacy.closeEvent).toBeUndefined();
  });

  test('routes high-frequency streams to /public only', async ({ t }) => {
    const ex = await t.exchange({ seed: 26 });
    const publicRoute = await t.client(`${ex.urls.BINANCE_WS_URL}/public/stream?streams=btcusdt@bookTicker/btcusdt@trade`);
    const marketRoute = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@bookTicker/btcusdt@aggTrade`);
    await publicRoute.waitMatching((f) => f.text.includes('"btcusdt@bookTicker"'), 'bookTicker on /public');
    await publicRoute.waitMatching((f) => f.text.includes('"btcusdt@trade"'), 'trade on /public');
    await marketRoute.waitMatching((f) => f.text.includes('aggTrade'), 'aggTrade on /market', 5);
    expect(marketRoute.frames.some((f) => f.text.includes('bookTicker'))).toBe(false);
    const book = ofStream(publicRoute, 'btcusdt@bookTicker')[0].data;
    expect(Object.keys(book)).toEqual(['e', 'u', 's', 'b', 'B', 'a', 'A', 'T', 'E']);
  });

  test('pushes at most one forceOrder per symbol per second, even during a liquidation cascade (synthetic data)', async ({ t }) => {
    const ex = await t.exchange({ seed: 27 });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@forceOrder`);
    ex.market.liquidationBurst('BTCUSDT', 40, { withinMs: 2500, side: 'SELL' });
    await c.waitFrames(2);
    await sleep(1500);
    const orders = envelopes(c).map((e) => e.data as { E: number; o: Record<string, unknown> });
    const seconds = orders.map((o) => Math.floor(o.E / 1000));
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(orders.length).toBeLessThan(40);
    expect(Object.keys(orders[0].o)).toEqual(['s', 'S', 'o', 'f', 'q', 'p', 'ap', 'X', 'l', 'z', 'T']);
    expect(orders[0].o).toMatchObject({ s: 'BTCUSDT', o: 'LIMIT', f: 'IOC', X: 'FILLED' });
    for (const key of ['q', 'p', 'ap', 'l', 'z']) expect(orders[0].o[key]).toMatch(DECIMAL);
  });

  test('serves the all-market !markPrice@arr@1s and !forceOrder@arr streams', async ({ t }) => {
    const ex = await t.exchange({ seed: 28 });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=!markPrice@arr@1s/!forceOrder@arr`);
    ex.market.liquidationBurst('ETHUSDT', 10, { withinMs: 500 });
    await c.waitMatching((f) => f.text.includes('"!forceOrder@arr"'), 'an all-market liquidation');
    const [marks] = await c.waitMatching((f) => f.text.includes('"!markPrice@arr@1s"'), 'all-market mark prices');
    const data = (JSON.parse(marks.text) as { data: Array<{ e: string; s: string }> }).data;
    expect(data.map((m) => [m.e, m.s])).toEqual([['markPriceUpdate', 'BTCUSDT'], ['markPriceUpdate', 'ETHUSDT']]);
  });

  test('refuses more than 1024 streams in the URL', async ({ t }) => {
    const ex = await t.exchange();
    const streams = Array.from({ length: 1025 }, (_, i) => `s${i}usdt@aggTrade`).join('/');
    await expect(t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=${streams}`)).rejects.toThrow(/HTTP 400/);
    const maxed = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=${streams.slice(streams.indexOf('/') + 1)}`);
    maxed.send({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade'], id: 1 });
    const [reply] = await maxed.waitMatching((f) => f.text.includes('"id":1'), 'SUBSCRIBE reply');
    expect(JSON.parse(reply.text)).toMatchObject({ code: 2, id: 1 });
  });
});
