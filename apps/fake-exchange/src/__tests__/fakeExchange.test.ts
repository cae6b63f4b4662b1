import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UsageError } from '@cqt/config';
import { parseSymbolMap } from '../index.js';

const bin = fileURLToPath(new URL('../../../cqt/dist/bin.js', import.meta.url));

describe('cqt fake-exchange', () => {
  it('maps recorded=served pairs per venue', () => {
    expect(parseSymbolMap('KRW-ADA=KRW-BTC,SUSHIUSDT=BTCUSDT')).toEqual({ upbit: { 'KRW-BTC': 'KRW-ADA' }, binance: { BTCUSDT: 'SUSHIUSDT' } });
    for (const bad of ['KRW-ADA', 'KRW-ADA=BTCUSDT', 'a=b']) expect(() => parseSymbolMap(bad)).toThrow(UsageError);
  });

  it('prints env lines that a plain client can use, and stops on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [bin, 'fake-exchange', '--seed', '11'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const deadline = Date.now() + 20_000;
    while (!out.includes('COINGLASS_URL=') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const env = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
    expect(Object.keys(env)).toEqual(['UPBIT_WS_URL', 'BINANCE_WS_URL', 'BINANCE_REST_URL', 'UPBIT_REST_URL', 'COINGLASS_URL', 'COINGLASS_API_KEY']);
    expect(env.UPBIT_WS_URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket\/v1$/);
    const res = await fetch(`${env.BINANCE_REST_URL}/fapi/v1/openInterest?symbol=BTCUSDT`);
    expect(res.status).toBe(200);
    expect(typeof (await res.json()).openInterest).toBe('string');
    const exit = new Promise((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
