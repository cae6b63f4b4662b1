import { connect, type Socket } from 'node:net';
import { describe, expect } from 'vitest';
import { sleep, test, TestClient, waitFor } from './support.js';

const isData = (text: string): boolean => text.startsWith('{"stream"');

describe.concurrent('fault injection', () => {
  test('drops connections now (no close frame) and can refuse the reconnect', async ({ t }) => {
    const ex = await t.exchange();
    const binance = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`);
    const upbit = await t.client(ex.urls.UPBIT_WS_URL);
    await binance.waitFrames(1);
    expect(ex.faults.dropConnections('binance')).toBe(1);
    expect((await binance.waitClose()).code).toBe(1006);
    await sleep(200);
    expect(upbit.closeEvent).toBeUndefined();

    ex.faults.rejectConnections('binance', 1, 503);
    await expect(t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`)).rejects.toThrow(/HTTP 503/);
    const again = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`);
    await again.waitFrames(1);
    expect(ex.stats.binance.connectionsOpened).toBe(2);
    expect(ex.stats.binance.connectionsRejected).toBe(1);
  });

  test('delays an Upbit subscription: no data until it takes effect, then the snapshot and the stream', async ({ t }) => {
    const ex = await t.exchange();
    const upbit = await t.client(ex.urls.UPBIT_WS_URL);
    ex.faults.delaySubscriptions('upbit', { delayMs: 600 });
    const sentMs = Date.now();
    upbit.send([{ ticket: 'd' }, { type: 'orderbook', codes: ['KRW-BTC'] }]);
    await upbit.waitFrames(2);
    // A lower bound only: a loaded machine delays the first frame further, never less.
    expect(upbit.frames[0].recvTsMs - sentMs).toBeGreaterThanOrEqual(600);
  });

  test('stalls data while pings, pongs and Upbit status replies keep flowing', async ({ t }) => {
    const ex = await t.exchange({ binance: { pingIntervalMs: 150, pongTimeoutMs: 400 }, upbit: { statusIntervalMs: 10_000 } });
    const binance = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s`);
    const upbit = await t.client(ex.urls.UPBIT_WS_URL);
    upbit.send([{ ticket: 's' }, { type: 'orderbook', codes: ['KRW-BTC'], is_only_realtime: true }]);
    await binance.waitFrames(3);
    await upbit.waitFrames(2);
    ex.faults.stall('all', 1500);
    await sleep(100);
    const binanceBefore = binance.frames.length;
    const upbitBefore = upbit.frames.length;
    const pingsBefore = binance.pingsReceived;
    upbit.send('PING');
    await sleep(1000);
    // Only the status reply arrived on Upbit; Binance got pings (and answered them: still open).
    expect(upbit.frames.slice(upbitBefore).map((f) => f.text)).toEqual(['{"status":"UP"}']);
    expect(binance.frames.length).toBe(binanceBefore);
    expect(binance.pingsReceived).toBeGreaterThan(pingsBefore + 2);
    expect(binance.closeEvent).toBeUndefined();
    expect(ex.stats.binance.dataFramesSuppressed).toBeGreaterThan(0);
    await binance.waitFrames(binanceBefore + 3, 'data after the stall');
  });

  test('injects malformed frames in each venue’s framing', async ({ t }) => {
    const ex = await t.exchange();
    const upbit = await t.client(ex.urls.UPBIT_WS_URL);
    upbit.send([{ ticket: 'm' }, { type: 'trade', codes: ['KRW-BTC'] }]);
    await upbit.waitFrames(1);
    const binance = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`);
    await binance.waitFrames(1);
    expect(ex.faults.injectMalformedFrame('upbit', 'truncated-json')).toBe(1);
    expect(ex.faults.injectMalformedFrame('binance', 'not-json')).toBe(1);
    const badUpbit = await upbit.waitMatching((f) => !isJson(f.text), 'malformed Upbit frame');
    expect(badUpbit[0].isBinary).toBe(true);
    const badBinance = await binance.waitMatching((f) => !isJson(f.text), 'malformed Binance frame');
    expect(badBinance[0].isBinary).toBe(false);
    ex.faults.injectMalformedFrame('binance', 'unexpected-shape');
    await binance.waitMatching((f) => f.text === '{"stream":null,"data":"n/a"}', 'unexpected shape');
  });

  test('duplicates, replays and reorders data frames', async ({ t }) => {
    const ex = await t.exchange({ seed: 61 });
    const c = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`);
    await c.waitFrames(2);
    ex.faults.duplicateFrames('binance', 3);
    await waitFor(() => countAdjacentDuplicates(c) >= 3, 'three duplicated frames');

    // Stall live data (and let in-flight frames land) so only the replayed frames arrive next.
    ex.faults.stall('binance', 60_000);
    await sleep(200);
    const before = c.frames.length;
    expect(ex.faults.replayRecentFrames('binance', 4)).toBe(4);
    await c.waitFrames(before + 4);
    expect(c.frames.slice(before, before + 4).map((f) => f.text)).toEqual(c.frames.slice(before - 4, before).map((f) => f.text));

    ex.faults.stall('binance', 0);
    const mark = c.frames.length;
    ex.faults.reorderFrames('binance', 1);
    await waitFor(() => {
      const ids = c.frames.slice(mark).map((f) => (JSON.parse(f.text) as { data: { a: number } }).data.a);
      return ids.some((id, i) => i > 0 && id < ids[i - 1]);
    }, 'an aggTrade id going backwards');
  });

  test('answers 429 then 418 with Retry-After for the next K Binance calls, then recovers', async ({ t }) => {
    const ex = await t.exchange();
    ex.faults.rateLimitRest('binance', { calls: 3, retryAfterSec: 7 });
    const url = `${ex.urls.BINANCE_REST_URL}/fapi/v1/premiumIndex?symbol=BTCUSDT`;
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await fetch(url));
    expect(responses.map((r) => r.status)).toEqual([429, 418, 418, 200]);
    expect(responses[0].headers.get('retry-after')).toBe('7');
    expect(await responses[0].json()).toMatchObject({ code: -1003 });
    expect(((await responses[1].json()) as { msg: string }).msg).toMatch(/IP banned until/);
  });

  test('fails Coinglass with 401 and 500, then serves again', async ({ t }) => {
    const ex = await t.exchange();
    const url = `${ex.urls.COINGLASS_URL}/api/futures/liquidation/aggregated-history?exchange_list=Binance&symbol=BTC&interval=1h&limit=1`;
    const headers = { 'CG-API-KEY': 'cg-test-key' };
    ex.faults.failRest('coinglass', { status: 401 });
    ex.faults.failRest('coinglass', { status: 500 });
    const unauthorized = await fetch(url, { headers });
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ code: '401' });
    const broken = await fetch(url, { headers });
    expect(broken.status).toBe(500);
    expect(await broken.json()).toMatchObject({ code: '500' });
    const ok = await fetch(url, { headers });
    expect(ok.status).toBe(200);
    expect(ex.stats.rest.coinglass.requests).toBe(3);
  });

  test('slows down or never answers REST calls', async ({ t }) => {
    const ex = await t.exchange();
    const url = `${ex.urls.UPBIT_REST_URL}/v1/candles/minutes/1?market=KRW-BTC`;
    ex.faults.delayRest('upbit', { delayMs: 600 });
    const started = Date.now();
    expect((await fetch(url)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);

    ex.faults.hangRest('binance', { pathPrefix: '/fapi/v1/openInterest' });
    await expect(fetch(`${ex.urls.BINANCE_REST_URL}/fapi/v1/openInterest?symbol=BTCUSDT`, { signal: AbortSignal.timeout(500) })).rejects.toThrow();
    expect((await fetch(`${ex.urls.BINANCE_REST_URL}/fapi/v1/time`)).status).toBe(200);
    ex.faults.hangRest('binance');
    const pending = fetch(`${ex.urls.BINANCE_REST_URL}/fapi/v1/time`).catch((err: unknown) => err);
    await sleep(100);
    // close() must not wait for a hanging request.
    await ex.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe.concurrent('wire faults', () => {
  test('refuses upgrades for a time with a status, Retry-After, a body and Connection: close; then accepts', async ({ t }) => {
    const ex = await t.exchange();
    const path = '/market/stream?streams=btcusdt@markPrice@1s';
    const armedMs = Date.now();
    ex.faults.rejectConnections('binance', { status: 429, durationMs: 1500, retryAfter: 2, body: 'Too many connection attempts' });
    const first = await rawUpgrade(ex.urls.BINANCE_WS_URL, path);
    expect(first).toMatchObject({ status: 429, body: 'Too many connection attempts', serverClosed: true });
    expect(first.headers).toMatchObject({ 'retry-after': '2', connection: 'close' });
    // Still refused within the window, on every attempt; Upbit is not affected.
    expect((await rawUpgrade(ex.urls.BINANCE_WS_URL, path)).status).toBe(429);
    expect((await rawUpgrade(ex.urls.UPBIT_WS_URL, '')).status).toBe(101);
    while ((await rawUpgrade(ex.urls.BINANCE_WS_URL, path)).status !== 101) {
      if (Date.now() - armedMs > 15_000) throw new Error('timed out waiting for an accepted upgrade');
    }
    expect(Date.now() - armedMs).toBeGreaterThanOrEqual(1500);
    expect(ex.stats.binance.connectionsRejected).toBeGreaterThanOrEqual(2);
  });

  test('keep-alive refusals leave the TCP socket open; a count ends them; close() frees the held sockets', async ({ t }) => {
    const ex = await t.exchange();
    const retryAfter = 'Wed, 21 Oct 2037 07:28:00 GMT';
    ex.faults.rejectConnections('upbit', { status: 503, count: 2, keepAlive: true, retryAfter });
    const held: RawHandshake[] = [];
    for (let i = 0; i < 2; i++) held.push(await rawUpgrade(ex.urls.UPBIT_WS_URL, '', { keepOpen: true }));
    for (const r of held) {
      expect(r).toMatchObject({ status: 503, body: 'Service Unavailable', serverClosed: false });
      expect(r.headers).toMatchObject({ 'retry-after': retryAfter, connection: 'keep-alive', 'content-length': '19' });
    }
    // The count is used up: the third upgrade is accepted.
    expect((await rawUpgrade(ex.urls.UPBIT_WS_URL, '')).status).toBe(101);
    expect(ex.stats.upbit.connectionsRejected).toBe(2);
    await ex.close();
    await waitFor(() => held.every((r) => r.socket.destroyed || r.socket.readableEnded), 'held sockets closed by close()');
  });

  test('the shorthand (count, status) still refuses with Connection: close', async ({ t }) => {
    const ex = await t.exchange();
    ex.faults.rejectConnections('upbit', 1, 418);
    expect(await rawUpgrade(ex.urls.UPBIT_WS_URL, '')).toMatchObject({ status: 418, serverClosed: true });
    expect((await rawUpgrade(ex.urls.UPBIT_WS_URL, '')).status).toBe(101);
  });

  test('a stall answers the client’s pings on both venues while no data flows', async ({ t }) => {
    const ex = await t.exchange();
    const binance = await t.client(`${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s`);
    const upbit = await t.client(ex.urls.UPBIT_WS_URL);
    upbit.send([{ ticket: 'p' }, { type: 'trade', codes: ['KRW-BTC'] }, { type: 'orderbook', codes: ['KRW-BTC'] }]);
    await binance.waitFrames(2);
    await upbit.waitFrames(2);
    ex.faults.stall('all', 60_000);
    await sleep(200);
    const before = { binance: binance.frames.length, upbit: upbit.frames.length };
    for (let i = 0; i < 3; i++) {
      binance.ws.ping();
      upbit.ws.ping();
      await sleep(100);
    }
    await waitFor(() => binance.pongsReceived >= 3 && upbit.pongsReceived >= 3, 'pongs to every ping');
    expect({ binance: binance.frames.length, upbit: upbit.frames.length }).toEqual(before);
    expect(binance.closeEvent ?? upbit.closeEvent).toBeUndefined();
  });

  test('garbage on the wire: a binary frame, bytes that are not UTF-8, random bytes in a text frame', async ({ t }) => {
    const ex = await t.exchange();
    const url = `${ex.urls.BINANCE_WS_URL}/market/stream?streams=btcusdt@aggTrade`;
    // A client that validates UTF-8 (every ws client by default) and one that shows what arrived.
    const strict = await t.client(url);
    const lenient = await t.client(url, { skipUTF8Validation: true });
    const upbit = await t.client(ex.urls.UPBIT_WS_URL);
    upbit.send([{ ticket: 'g' }, { type: 'trade', codes: ['KRW-BTC'] }]);
    await strict.waitFrames(1);
    await lenient.waitFrames(1);
    await upbit.waitFrames(1);

    expect(ex.faults.injectMalformedFrame('binance', 'binary-frame')).toBe(2);
    const [binary] = await lenient.waitMatching((f) => f.isBinary, 'a binary frame on Binance');
    expect(isJson(binary.text)).toBe(false);

    expect(ex.faults.injectMalformedFrame('upbit', 'invalid-utf8')).toBe(1);
    const [notUtf8] = await upbit.waitMatching((f) => f.text.includes('\uFFFD'), 'an Upbit frame that is not UTF-8');
    expect(notUtf8.isBinary).toBe(true);
    expect(notUtf8.text.startsWith('{')).toBe(true);

    const strictErrors: Error[] = [];
    strict.ws.on('error', (err) => strictErrors.push(err));
    ex.faults.injectMalformedFrame('binance', 'random-bytes');
    const [random] = await lenient.waitMatching((f) => !f.isBinary && f.text.includes('\uFFFD'), 'random bytes in a text frame');
    expect(isJson(random.text)).toBe(false);
    // A validating client refuses the text frame that is not UTF-8 and drops the connection.
    await strict.waitClose();
    expect(strictErrors.map((e) => e.message)).toEqual([expect.stringMatching(/UTF-8/)]);
  });
});

interface RawHandshake {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server ended the TCP connection after its answer. */
  serverClosed: boolean;
  socket: Socket;
}

/**
 * A WebSocket upgrade written by hand on a plain TCP socket, to see exactly what the server
 * answers: status, headers, body, and whether it closes the connection (watched for 500 ms: a
 * slow machine can only make a close later, never invent one).
 */
async function rawUpgrade(wsUrl: string, path: string, options: { keepOpen?: boolean } = {}): Promise<RawHandshake> {
  const url = new URL(wsUrl + path);
  const socket = connect(Number(url.port), url.hostname);
  let serverClosed = false;
  socket.on('end', () => (serverClosed = true));
  socket.on('error', () => undefined);
  const request = [
    `GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Upgrade: websocket', 'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13',
  ];
  socket.write(`${request.join('\r\n')}\r\n\r\n`);
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  const head = await waitFor(() => {
    const end = received.indexOf('\r\n\r\n');
    return end >= 0 ? end : undefined;
  }, 'the upgrade response');
  const [statusLine, ...headerLines] = received.subarray(0, head).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(headerLines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  const status = Number(statusLine.split(' ')[1]);
  const length = Number(headers['content-length'] ?? 0);
  await waitFor(() => received.length >= head + 4 + length, 'the response body');
  if (status !== 101) await sleep(500);
  const result = { status, headers, body: received.subarray(head + 4, head + 4 + length).toString('utf8'), serverClosed, socket };
  if (!options.keepOpen) socket.destroy();
  return result;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function countAdjacentDuplicates(c: TestClient): number {
  return c.frames.filter((f, i) => i > 0 && f.text === c.frames[i - 1].text).length;
}
