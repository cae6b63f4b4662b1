import { describe, expect } from 'vitest';
import { envLines } from '../server.js';
import { defaultFakeExchangeOptions, resolveFakeExchangeOptions } from '../options.js';
import { test, TestClient } from './support.js';

describe.concurrent('startFakeExchange', () => {
  test('listens on loopback and prints endpoint variables for `set -a; eval`', async ({ t }) => {
    const ex = await t.exchange();
    const lines = envLines(ex.urls);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^UPBIT_WS_URL=ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^BINANCE_WS_URL=ws:\/\/127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^BINANCE_REST_URL=http:\/\/127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^UPBIT_REST_URL=http:\/\/127\.0\.0\.1:\d+$/),
      expect.stringMatching(/^COINGLASS_URL=http:\/\/127\.0\.0\.1:\d+$/),
    ]);
    expect(lines.every((l) => !/\s/.test(l))).toBe(true);
  });

  test('applies defaults and rejects nonsense options', () => {
    const options = resolveFakeExchangeOptions({ binance: { maxConnectionMs: 2000 }, source: { kind: 'replay', paths: ['x'] } });
    expect(options.binance.maxConnectionMs).toBe(2000);
    expect(options.binance.pingIntervalMs).toBe(defaultFakeExchangeOptions.binance.pingIntervalMs);
    expect(options.source).toMatchObject({ kind: 'replay', speed: 1, loop: true });
    expect(() => resolveFakeExchangeOptions({ source: { kind: 'replay', paths: ['x'], speed: 0 } })).toThrow(/speed/);
  });

  test('closes idempotently and refuses connections afterwards', async ({ t }) => {
    const ex = await t.exchange();
    const client = await t.client(ex.urls.UPBIT_WS_URL);
    await Promise.all([ex.close(), ex.close()]);
    await client.waitClose();
    await expect(t.client(ex.urls.UPBIT_WS_URL)).rejects.toThrow();
    await expect(fetch(`${ex.urls.BINANCE_REST_URL}/fapi/v1/time`)).rejects.toThrow();
  });

  test('answers unknown paths with 404, for HTTP and for WebSocket upgrades', async ({ t }) => {
    const ex = await t.exchange();
    expect((await fetch(`${ex.urls.BINANCE_REST_URL}/nothing`)).status).toBe(404);
    await expect(t.client(`${ex.urls.BINANCE_WS_URL}/private/ws/abc`)).rejects.toThrow(/HTTP 404/);
  });
});
