// Parse throughput of the feed parsers on real frames (Upbit SIMPLE trades/books, Binance
// markPrice and aggTrade), against bare JSON.parse of the same frames in the same run: the ratio
// is what validation, lossless sequential ids and normalisation cost on top of decoding.
// Without the recordings (../shared/fixtures/real or CQT_REAL_FIXTURES) it synthesises frames of
// the same shape.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseBinanceFrame, parseUpbitFrame } from '@cqt/feeds';
import type { BenchRow, BenchSuite } from './harness.js';
import { sized, timeMs } from './harness.js';

/** Frames parsed per timed run: the recordings are small, so each set is cycled up to this. */
const FRAMES_PER_RUN = sized(200_000, 5_000);

interface FrameSet {
  name: string;
  source: 'recorded' | 'synthetic';
  frames: (string | Buffer)[];
  parse: (frame: string | Buffer) => unknown;
}

function fixturesDir(): string {
  return process.env.CQT_REAL_FIXTURES ?? fileURLToPath(new URL('../../../shared/fixtures/real/', import.meta.url));
}

function readLines(path: string): string[] {
  const bytes = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').split('\n');
}

/** Upbit frames were binary; cryptofeed stores them as `<t>: b'<json>'`. */
function recordedUpbit(dir: string): Buffer[] {
  return ['cryptofeed/UPBIT.ws.62.0', 'cryptofeed/commit-1312c062/UPBIT-d78752.0']
    .flatMap((file) => readLines(join(dir, file)))
    .flatMap((line) => {
      const match = /^\d+(?:\.\d+)?: b'(.*)'$/.exec(line);
      return match === null ? [] : [Buffer.from(match[1], 'utf8')];
    });
}

/** hftbacktest lines are `<local time> <frame>`. */
function recordedMarkPrice(dir: string): string[] {
  return ['hftbacktest/usdm/btcusdt_20230404.dat.gz', 'hftbacktest/usdm/btcusdt_20230405.dat.gz']
    .flatMap((file) => readLines(join(dir, file)))
    .filter((line) => line.includes('"e":"markPriceUpdate"'))
    .map((line) => line.slice(line.indexOf(' ') + 1));
}

/** cryptofeed lines are `<t>: <frame>`. */
function recordedAggTrade(dir: string): string[] {
  return ['cryptofeed/BINANCE_FUTURES.ws.1.0', 'cryptofeed/commit-3525dc8c/BINANCE_FUTURES.ws.5.0', 'cryptofeed/commit-1312c062/BINANCE_FUTURES-1125a2.0']
    .flatMap((file) => readLines(join(dir, file)))
    .filter((line) => line.includes('"e":"aggTrade"'))
    .map((line) => line.slice(line.indexOf(': ') + 2));
}

const SYNTHETIC_COUNT = 2_000;
const T0_MS = 1_700_000_000_000;

function syntheticUpbit(): Buffer[] {
  return Array.from({ length: SYNTHETIC_COUNT }, (_, i) => {
    const ttms = T0_MS + i * 100;
    const text =
      i % 3 === 0
        ? `{"ty":"orderbook","cd":"KRW-BTC","tms":${ttms},"tas":12.5,"tbs":9.25,"obu":[${Array.from({ length: 15 }, (_, k) => `{"ap":${100_000_000 + k * 1000},"bp":${99_999_000 - k * 1000},"as":0.${k + 1},"bs":1.${k}}`).join(',')}],"st":"REALTIME"}`
        : `{"ty":"trade","cd":"KRW-BTC","tms":${ttms + 5},"td":"2023-11-14","ttm":"22:13:20","ttms":${ttms},"tp":100000000.0,"tv":0.0012,"ab":"BID","pcp":99000000.0,"c":"RISE","cp":1000000.0,"sid":${BigInt(ttms) * 10_000n + BigInt(i)},"st":"REALTIME"}`;
    return Buffer.from(text, 'utf8');
  });
}

function syntheticMarkPrice(): string[] {
  return Array.from(
    { length: SYNTHETIC_COUNT },
    (_, i) =>
      `{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":${T0_MS + i * 1000},"s":"BTCUSDT","p":"${(28000 + i / 10).toFixed(8)}","P":"28141.47600845","i":"28165.04857143","r":"0.00002760","T":${T0_MS + 28_800_000}}}`,
  );
}

function syntheticAggTrade(): string[] {
  return Array.from(
    { length: SYNTHETIC_COUNT },
    (_, i) =>
      `{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":${T0_MS + i * 100},"a":${16_599_292 + i},"s":"BTCUSDT","p":"28145.10","q":"0.0${(i % 9) + 1}","f":${23_961_322 + i},"l":${23_961_322 + i},"T":${T0_MS + i * 100 - 3},"m":${i % 2 === 0}}}`,
  );
}

function frameSets(): FrameSet[] {
  const dir = fixturesDir();
  const recorded = existsSync(join(dir, 'SOURCES.md'));
  const source = recorded ? 'recorded' : 'synthetic';
  const parseBinance = (frame: string | Buffer) => parseBinanceFrame(frame as string);
  return [
    { name: 'upbit SIMPLE trade+orderbook (Buffer)', source, frames: recorded ? recordedUpbit(dir) : syntheticUpbit(), parse: parseUpbitFrame },
    { name: 'binance markPrice@1s', source, frames: recorded ? recordedMarkPrice(dir) : syntheticMarkPrice(), parse: parseBinance },
    { name: 'binance aggTrade', source, frames: recorded ? recordedAggTrade(dir) : syntheticAggTrade(), parse: parseBinance },
  ];
}

/** Runs `decode` over FRAMES_PER_RUN frames cycled from `frames`; returns a value so nothing is optimised away. */
function cycle(frames: (string | Buffer)[], decode: (frame: string | Buffer) => unknown): number {
  let sink = 0;
  for (let i = 0; i < FRAMES_PER_RUN; i++) sink += decode(frames[i % frames.length]) === undefined ? 0 : 1;
  return sink;
}

const bareJsonParse = (frame: string | Buffer): unknown => JSON.parse(typeof frame === 'string' ? frame : frame.toString('utf8'));

export const suite: BenchSuite = {
  name: 'feeds',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    for (const set of frameSets()) {
      const parseMs = await timeMs(() => cycle(set.frames, set.parse));
      const jsonMs = await timeMs(() => cycle(set.frames, bareJsonParse));
      const parsePerSec = FRAMES_PER_RUN / (parseMs / 1000);
      const jsonPerSec = FRAMES_PER_RUN / (jsonMs / 1000);
      rows.push({
        name: `${set.name} parse`,
        value: Math.round(parsePerSec),
        unit: 'frames/s',
        baseline: Math.round(jsonPerSec),
        baselineName: 'bare JSON.parse',
        ratio: parsePerSec / jsonPerSec,
        note: `${set.frames.length} ${set.source} frames cycled to ${FRAMES_PER_RUN} per run; ratio < 1 is the cost of validation`,
      });
    }
    return rows;
  },
};
