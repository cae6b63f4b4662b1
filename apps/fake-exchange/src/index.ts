// Runs the testkit fake exchange standalone until stopped, printing where it listens.
import { existsSync } from 'node:fs';
import { sleepMs, UsageError, type CommandOutput } from '@cqt/config';
import { envLines, startFakeExchange, type FakeExchangeInput, type ReplaySymbolMap } from '@cqt/testkit';
import { fakeExchangeFlags } from './command.js';

export interface FakeExchangeCommandOptions {
  /** A seeded synthetic market (the default source). */
  synthetic?: boolean;
  seed?: number;
  replay?: string;
  speed?: number;
  loop?: boolean;
  map?: string;
  port?: number;
  coinglassKey?: string;
  durationSec?: number;
  signal?: AbortSignal;
}

/** The key the fake Coinglass accepts by default: long enough to count as a real key. */
export const DEFAULT_FAKE_COINGLASS_KEY = 'cqt-fake-coinglass-key-0000000001';

/** "KRW-ADA=KRW-BTC,SUSHIUSDT=BTCUSDT" (recorded=served) → testkit's served → recorded map per venue. */
export function parseSymbolMap(text: string | undefined): ReplaySymbolMap | undefined {
  if (!text) return undefined;
  const map: Required<ReplaySymbolMap> = { upbit: {}, binance: {} };
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Z0-9]+(-[A-Z0-9]+)?)=([A-Z0-9]+(-[A-Z0-9]+)?)$/.exec(pair);
    const upbit = m && m[2] !== undefined && m[4] !== undefined;
    const binance = m && m[2] === undefined && m[4] === undefined;
    if (!m || !(upbit || binance)) {
      throw new UsageError(`invalid --map entry "${pair}"`, 'use RECORDED=SERVED pairs of one venue, e.g. KRW-ADA=KRW-BTC or SUSHIUSDT=BTCUSDT');
    }
    (upbit ? map.upbit : map.binance)[m[3]] = m[1];
  }
  return map;
}

export async function start(opts: FakeExchangeCommandOptions, emit: (o: CommandOutput) => Promise<void>): Promise<void> {
  if (opts.synthetic && opts.replay) throw new UsageError('--synthetic and --replay exclude each other', 'choose one source');
  if (opts.replay && !existsSync(opts.replay)) throw new UsageError(`replay path not found: ${opts.replay}`, 'give a recording file or a folder of recordings');
  const seed = opts.seed ?? fakeExchangeFlags.seed.default;
  const input: FakeExchangeInput = {
    seed,
    port: opts.port ?? fakeExchangeFlags.port.default,
    ...(opts.replay && { source: { kind: 'replay', paths: [opts.replay], speed: opts.speed ?? fakeExchangeFlags.speed.default, loop: Boolean(opts.loop), symbolMap: parseSymbolMap(opts.map) } }),
  };
  const key = opts.coinglassKey ?? DEFAULT_FAKE_COINGLASS_KEY;
  const exchange = await startFakeExchange({ ...input, coinglass: { apiKeys: [key] } } as FakeExchangeInput);
  const lines = envLines(exchange.urls);
  await emit({
    exitCode: 0,
    json: { urls: exchange.urls, coinglassKey: key, source: opts.replay ? 'replay' : 'synthetic', seed },
    human: () => `${lines.join('\n')}\nCOINGLASS_API_KEY=${key}`,
  });
  process.stderr.write(`fake-exchange: serving on ${exchange.urls.BINANCE_REST_URL}; Ctrl-C to stop\n`);
  await sleepMs(opts.durationSec === undefined ? Infinity : opts.durationSec * 1000, opts.signal);
  await exchange.close();
}
