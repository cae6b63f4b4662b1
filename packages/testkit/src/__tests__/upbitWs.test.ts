import { describe, expect } from 'vitest';
import { rawIntegers, sleep, test, TestClient, waitFor } from './support.js';

const TWO_POW_53 = 2n ** 53n;

describe.concurrent('Upbit WebSocket fake (/websocket/v1)', () => {
  test('sends SNAPSHOT then REALTIME data as binary UTF-8 JSON with DEFAULT keys', async ({ t }) => {
    const ex = await t.exchange({ seed: 11 });
    const client = await t.client(ex.urls.UPBIT_WS_URL);
    client.send([{ ticket: 't1' }, { type: 'trade', codes: ['KRW-BTC'] }, { type: 'orderbook', codes: ['KRW-BTC'] }, { type: 'ticker', codes: ['KRW-BTC'] }]);
    await client.waitMatching((f) => f.text.includes('"REALTIME"') && f.text.includes('"type":"trade"'), 'realtime trades', 3);
    expect(client.frames.every((f) => f.isBinary)).toBe(true);
    const messages = client.json() as Array<Record<string, unknown>>;
    // One snapshot per type per code, all before any realtime message.
    const firstRealtime = messages.findIndex((m) => m.stream_type === 'REALTIME');
    const snapshots = messages.slice(0, firstRealtime);
    expect(snapshots.map((m) => m.type).sort()).toEqual(['orderbook', 'ticker', 'trade']);
    expect(snapshots.every((m) => m.stream_type === 'SNAPSHOT')).toBe(true);
    expect(messages.slice(firstRealtime).every((m) => m.stream_type === 'REALTIME')).toBe(true);
    const trade = messages.find((m) => m.type === 'trade' && m.stream_type === 'REALTIME')!;
    expect(Object.keys(trade)).toEqual([
      'type', 'code', 'timestamp', 'trade_date', 'trade_time', 'trade_timestamp', 'trade_price', 'trade_volume', 'ask_bid',
      'prev_closing_price', 'change', 'change_price', 'sequential_id', 'best_ask_price', 'best_ask_size', 'best_bid_price',
      'best_bid_size', 'stream_type',
    ]);
    expect(trade.code).toBe('KRW-BTC');
    expect(typeof trade.trade_price).toBe('number');
    expect(trade.trade_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(trade.trade_time).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    const ticker = messages.find((m) => m.type === 'ticker')!;
    expect(ticker.trade_date).toMatch(/^\d{8}$/);
    expect(ticker.trade_time).toMatch(/^\d{6}$/);
  });

  test('writes sequential_id above 2^53 with exact digits = trade_timestamp × 10000 + k', async ({ t }) => {
    const ex = await t.exchange({ seed: 12 });
    const client = await t.client(ex.urls.UPBIT_WS_URL);
    client.send([{ ticket: 't' }, { type: 'trade', codes: ['KRW-BTC'], is_only_realtime: true }]);
    // Several fills of one taker order share a millisecond, so k > 0 (odd ids) shows up.
    await waitFor(() => client.frames.some((f) => BigInt(rawIntegers(f.text, 'sequential_id')[0]) % 10000n > 0n), 'a trade with k > 0', 15_000);
    const ids: bigint[] = [];
    for (const f of client.frames) {
      const [sid] = rawIntegers(f.text, 'sequential_id');
      const [tradeTs] = rawIntegers(f.text, 'trade_timestamp');
      const id = BigInt(sid);
      expect(id).toBeGreaterThan(TWO_POW_53);
      expect(id / 10000n).toBe(BigInt(tradeTs));
      ids.push(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    // What a naive client would see: JSON.parse rounds odd ids above 2^53.
    const odd = client.frames.find((f) => BigInt(rawIntegers(f.text, 'sequential_id')[0]) % 2n === 1n);
    if (odd) expect(String((JSON.parse(odd.text) as { sequential_id: number }).sequential_id)).not.toBe(rawIntegers(odd.text, 'sequential_id')[0]);
  });

  test('honours SIMPLE, JSON_LIST and SIMPLE_LIST formats', async ({ t }) => {
    const ex = await t.exchange({ seed: 13 });
    const simple = await t.client(ex.urls.UPBIT_WS_URL);
    simple.send([{ ticket: 's' }, { type: 'trade', codes: ['KRW-BTC'] }, { type: 'orderbook', codes: ['KRW-BTC.1'] }, { format: 'SIMPLE' }]);
    const jsonList = await t.client(ex.urls.UPBIT_WS_URL);
    jsonList.send([{ ticket: 'l' }, { type: 'trade', codes: ['KRW-BTC'] }, { format: 'JSON_LIST' }]);
    const simpleList = await t.client(ex.urls.UPBIT_WS_URL);
    simpleList.send([{ ticket: 'sl' }, { type: 'trade', codes: ['KRW-BTC'] }, { format: 'SIMPLE_LIST' }]);
    await simple.waitMatching((f) => f.text.includes('"ty":"orderbook"'), 'SIMPLE orderbook', 2);
    await jsonList.waitFrames(3);
    await simpleList.waitFrames(3);

    const trade = (simple.json() as Array<Record<string, unknown>>).find((m) => m.ty === 'trade')!;
    expect(Object.keys(trade)).toEqual(['ty', 'cd', 'tms', 'td', 'ttm', 'ttms', 'tp', 'tv', 'ab', 'pcp', 'c', 'cp', 'sid', 'bap', 'bas', 'bbp', 'bbs', 'st']);
    const book = (simple.json() as Array<Record<string, unknown>>).find((m) => m.ty === 'orderbook')!;
    expect(Object.keys(book)).toEqual(['ty', 'cd', 'tms', 'tas', 'tbs', 'obu', 'st', 'lv']);
    expect(Object.keys((book.obu as object[])[0])).toEqual(['ap', 'bp', 'as', 'bs']);

    for (const list of jsonList.json()) {
      expect(Array.isArray(list)).toBe(true);
      expect(Object.keys((list as object[])[0])).toContain('trade_price');
    }
    for (const list of simpleList.json()) expect(Object.keys((list as object[])[0])).toContain('tp');
    expect(jsonList.frames.every((f) => f.isBinary)).toBe(true);
  });

  test('sends full top-N orderbooks: N from the .N suffix (1/5/15/30), 30 by default and for unsupported N', async ({ t }) => {
    const ex = await t.exchange({ seed: 14 });
    const depthOf = async (code: string): Promise<number> => {
      const c = await t.client(ex.urls.UPBIT_WS_URL);
      c.send([{ ticket: code }, { type: 'orderbook', codes: [code] }]);
      const [frame] = await c.waitMatching((f) => f.text.includes('"orderbook_units"'), `orderbook ${code}`);
      const book = JSON.parse(frame.text) as { orderbook_units: Array<{ ask_size: number }>; total_ask_size: number; level: number };
      expect(book.level).toBe(0);
      expect(book.total_ask_size).toBeCloseTo(book.orderbook_units.reduce((s, u) => s + u.ask_size, 0), 6);
      return book.orderbook_units.length;
    };
    expect(await depthOf('KRW-BTC')).toBe(30);
    expect(await depthOf('KRW-BTC.1')).toBe(1);
    expect(await depthOf('KRW-BTC.5')).toBe(5);
    expect(await depthOf('KRW-BTC.15')).toBe(15);
    expect(await depthOf('KRW-BTC.7')).toBe(30);
  });

  test('rejects malformed requests with Upbit error objects', async ({ t }) => {
    const ex = await t.exchange({ upbit: { subscribeLimitPerSec: 50 } });
    const client = await t.client(ex.urls.UPBIT_WS_URL);
    const cases: Array<[unknown, string]> = [
      ['not json', 'WRONG_FORMAT'],
      [{ ticket: 'x' }, 'WRONG_FORMAT'],
      [[{ type: 'trade', codes: ['KRW-BTC'] }], 'NO_TICKET'],
      [[{ ticket: 'x' }, { format: 'SIMPLE' }], 'NO_TYPE'],
      [[{ ticket: 'x' }, { type: 'trade' }], 'NO_CODES'],
      [[{ ticket: 'x' }, { type: 'trade', codes: [] }], 'NO_CODES'],
      [[{ ticket: 'x' }, { type: 'trades', codes: ['KRW-BTC'] }], 'INVALID_PARAM'],
      [[{ ticket: 'x' }, { type: 'trade', codes: ['krw-btc'] }], 'INVALID_PARAM'],
      [[{ ticket: 'x' }, { type: 'trade', codes: ['KRW-BTC'] }, { format: 'XML' }], 'INVALID_PARAM'],
    ];
    for (const [request, _] of cases) client.send(typeof request === 'string' ? request : JSON.stringify(request));
    await client.waitFrames(cases.length);
    const names = client.json().map((m) => (m as { error: { name: string; message: string } }).error.name);
    expect(names).toEqual(cases.map(([, name]) => name));
    expect(ex.stats.upbit.errorsSent).toBe(cases.length);
    expect(client.closeEvent).toBeUndefined();
  });

  test('limits data requests per connection (5/s by default)', async ({ t }) => {
    const ex = await t.exchange();
    const client = await t.client(ex.urls.UPBIT_WS_URL);
    for (let i = 0; i < 7; i++) client.send([{ ticket: `t${i}` }, { type: 'trade', codes: ['KRW-BTC'], is_only_snapshot: true }]);
    const [error] = await client.waitMatching((f) => f.text.includes('"error"'), 'rate-limit error');
    expect(JSON.parse(error.text)).toMatchObject({ error: { name: 'TOO_MANY_REQUESTS' } });
  });

  test('refuses more than 5 connection attempts per second per IP with HTTP 429', async ({ t }) => {
    const ex = await t.exchange();
    const attempts = await Promise.allSettled(Array.from({ length: 7 }, () => t.client(ex.urls.UPBIT_WS_URL)));
    const refused = attempts.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason));
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.every((r) => r.includes('HTTP 429'))).toBe(true);
    expect(ex.stats.upbit.connectionsRejected).toBe(refused.length);
  });

  test('accepts is_only_realtime / is_only_snapshot in snake_case and camelCase', async ({ t }) => {
    const ex = await t.exchange({ seed: 15 });
    const realtime = await t.client(ex.urls.UPBIT_WS_URL);
    realtime.send([{ ticket: 'r' }, { type: 'orderbook', codes: ['KRW-BTC'], isOnlyRealtime: true }]);
    const snapshotOnly = await t.client(ex.urls.UPBIT_WS_URL);
    snapshotOnly.send([{ ticket: 's' }, { type: 'orderbook', codes: ['KRW-BTC', 'KRW-ETH'], is_only_snapshot: true }]);
    const camelSnapshot = await t.client(ex.urls.UPBIT_WS_URL);
    camelSnapshot.send([{ ticket: 'c' }, { type: 'trade', codes: ['KRW-ETH'], isOnlySnapshot: true }]);
    await realtime.waitFrames(3);
    await snapshotOnly.waitFrames(2);
    await sleep(800);
    expect((realtime.json() as Array<{ stream_type: string }>).every((m) => m.stream_type === 'REALTIME')).toBe(true);
    expect((snapshotOnly.json() as Array<{ stream_type: string; code: string }>).map((m) => [m.stream_type, m.code])).toEqual([
      ['SNAPSHOT', 'KRW-BTC'], ['SNAPSHOT', 'KRW-ETH'],
    ]);
    expect((camelSnapshot.json() as Array<{ stream_type: string }>).map((m) => m.stream_type)).toEqual(['SNAPSHOT']);
  });

  test('answers text PING with {"status":"UP"} and repeats it while healthy', async ({ t }) => {
    const ex = await t.exchange({ upbit: { statusIntervalMs: 200 } });
    const client = await t.client(ex.urls.UPBIT_WS_URL);
    client.send('PING');
    const statuses = await client.waitMatching((f) => f.text === '{"status":"UP"}', 'status UP', 3);
    expect(statuses[0].isBinary).toBe(true);
  });

  test('closes a connection after the idle timeout, but not one that receives data', async ({ t }) => {
    const ex = await t.exchange({ upbit: { idleTimeoutMs: 700 } });
    const silent = await t.client(ex.urls.UPBIT_WS_URL);
    const busy = await t.client(ex.urls.UPBIT_WS_URL);
    busy.send([{ ticket: 'b' }, { type: 'orderbook', codes: ['KRW-BTC'] }]);
    const close = await silent.waitClose(5000);
    expect(close.reason).toBe('idle timeout');
    expect(ex.stats.upbit.closedByServer.idle).toBe(1);
    await sleep(800);
    expect(busy.closeEvent).toBeUndefined();
  });

  test('lists subscriptions, and a new request replaces the subscription set', async ({ t }) => {
    const ex = await t.exchange({ seed: 16 });
    const client = await t.client(ex.urls.UPBIT_WS_URL);
    client.send([{ ticket: 'a' }, { type: 'trade', codes: ['KRW-BTC'] }, { type: 'orderbook', codes: ['KRW-ETH.5'] }]);
    await client.waitMatching((f) => f.text.includes('"orderbook"'), 'orderbook');
    client.send([{ ticket: 'a' }, { method: 'LIST_SUBSCRIPTIONS' }]);
    const [list] = await client.waitMatching((f) => f.text.includes('LIST_SUBSCRIPTIONS'), 'list reply');
    expect(JSON.parse(list.text)).toEqual({
      method: 'LIST_SUBSCRIPTIONS', result: [{ type: 'trade', codes: ['KRW-BTC'] }, { type: 'orderbook', codes: ['KRW-ETH.5'] }], ticket: 'a',
    });
    client.send([{ ticket: 'a' }, { type: 'ticker', codes: ['KRW-ETH'], is_only_realtime: true }]);
    await sleep(300);
    const from = client.frames.length;
    await client.waitFrames(from + 3);
    expect(client.frames.slice(from).map((f) => (JSON.parse(f.text) as { type: string }).type).every((t) => t === 'ticker')).toBe(true);
  });
});
