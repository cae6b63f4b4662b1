// Collector throughput and CPU.
// 1. Sustained frames/s: a loopback server blasts the same Upbit DEFAULT trade/orderbook frames
//    (binary, as Upbit sends them) to (a) a bare `ws` client doing JSON.parse per message — the
//    baseline — and (b) the collector's Upbit path: FeedSocket + parse + 1 s bars + bulk writer
//    into PostgreSQL. Target ratio ≥ 0.5.
// 2. CPU% at a real-world rate: the full collector against the synthetic fake exchange (run in a
//    child process) for a fixed time; process CPU time / wall time, with the frame rate it handled.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import WebSocket from 'ws';
import { createWriter } from '@cqt/db';
import { FeedEventLog, UpbitFeed, run as runCollect } from '@cqt/collect';
import { sized, stopChild, withBenchDatabase, type BenchRow, type BenchSuite } from './harness.js';

const FRAMES = Number(process.env.CQT_BENCH_COLLECT_FRAMES ?? sized(200_000, 5_000));
const bin = fileURLToPath(new URL('../../apps/cqt/dist/bin.js', import.meta.url));

function frames(): Buffer[] {
  const start = Date.now() + 2000;
  const out: Buffer[] = [];
  for (let i = 0; i < FRAMES; i++) {
    // 20 trades and 1 book per 10 ms of exchange time: bars fill and close as the run advances.
    const ts = start + Math.floor(i / 21) * 10;
    const text =
      i % 21 === 20
        ? `{"type":"orderbook","code":"KRW-BTC","timestamp":${ts},"total_ask_size":1.5,"total_bid_size":2.5,"orderbook_units":[{"ask_price":${100000000 + (i % 7) * 1000},"bid_price":${99999000 + (i % 7) * 1000},"ask_size":0.5,"bid_size":0.7}],"stream_type":"REALTIME","level":0}`
        : `{"type":"trade","code":"KRW-BTC","timestamp":${ts},"trade_date":"2026-11-23","trade_time":"10:00:00","trade_timestamp":${ts},"trade_price":${100000000 + (i % 13) * 1000}.0,"trade_volume":0.0012,"ask_bid":"${i % 2 ? 'ASK' : 'BID'}","prev_closing_price":99000000.0,"change":"RISE","change_price":1000000.0,"sequential_id":${BigInt(ts) * 10000n + BigInt(i % 21)},"stream_type":"REALTIME"}`;
    out.push(Buffer.from(text));
  }
  return out;
}

/** A server that sends every frame to each client as fast as the socket takes them. */
async function blastServer(payload: Buffer[]): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    let i = 0;
    const pump = () => {
      while (i < payload.length) {
        ws.send(payload[i++], { binary: true });
        if (ws.bufferedAmount > 4 << 20) return void setImmediate(pump);
      }
    };
    // The collector subscribes first; the bare client does not, so start on connect for both.
    pump();
  });
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/websocket/v1`, close: () => new Promise((r) => wss.close(() => r())) };
}

async function bareRate(payload: Buffer[]): Promise<number> {
  const server = await blastServer(payload);
  const ws = new WebSocket(server.url);
  let n = 0;
  let first = 0;
  const elapsed = await new Promise<number>((resolve) => {
    ws.on('message', (data: Buffer) => {
      if (n === 0) first = performance.now();
      JSON.parse(data.toString('utf8'));
      if (++n === payload.length) resolve(performance.now() - first);
    });
  });
  ws.terminate();
  await server.close();
  return payload.length / (elapsed / 1000);
}

async function collectorRate(payload: Buffer[]): Promise<{ rate: number; bars: number }> {
  return withBenchDatabase('collect', async (db) => {
    const server = await blastServer(payload);
    try {
      const bars = createWriter(db, 'market_1s');
      const eventRows = createWriter(db, 'feed_events');
      const events = new FeedEventLog(eventRows);
      const feed = new UpbitFeed({ url: server.url, markets: ['KRW-BTC'], bars, events, graceMs: 0 });
      const ticker = setInterval(() => feed.tick(Date.now()), 100);
      let first = 0;
      feed.start();
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (feed.stats.frames > 0 && first === 0) first = performance.now();
          if (feed.stats.frames >= payload.length) {
            clearInterval(check);
            resolve();
          }
        }, 1);
      });
      const elapsed = performance.now() - first;
      clearInterval(ticker);
      await feed.stop();
      await bars.close();
      await eventRows.close();
      return { rate: payload.length / (elapsed / 1000), bars: bars.stats.written };
    } finally {
      await server.close();
    }
  });
}

/** Full collector at the synthetic market's pace (fake exchange in a child process). */
async function cpuAtRealRate(seconds: number): Promise<{ cpuPct: number; framesPerSec: number }> {
  const fake = spawn(process.execPath, [bin, 'fake-exchange', '--seed', '9', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  fake.stdout.on('data', (d) => (out += d));
  while (!out.includes('COINGLASS_URL')) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200));
  const { urls, coinglassKey } = JSON.parse(out);
  try {
    return await withBenchDatabase('cpu', async (_db, url) => {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await runCollect({
        durationSec: seconds,
        databaseUrl: url,
        statusIntervalSec: 3600,
        log: () => {},
        env: { ...urls, COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: coinglassKey, BINANCE_POLL_SEC: '60', COINGLASS_POLL_SEC: '300' },
      });
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      const framesTotal = result.streams.reduce((n, s) => n + s.frames, 0);
      return { cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, framesPerSec: framesTotal / (wallMs / 1000) };
    });
  } finally {
    await stopChild(fake);
  }
}

/** The collector's Upbit path (socket + parse + bars + writer) at a paced real-world rate. */
async function cpuAtRate(framesPerSec: number, seconds: number): Promise<{ cpuPct: number; frames: number }> {
  const server = spawn(process.execPath, [fileURLToPath(new URL('./pacedServer.js', import.meta.url)), String(framesPerSec)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let url = '';
  server.stdout.on('data', (d) => (url += d));
  while (!url.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  try {
    return await withBenchDatabase('rate', async (db) => {
      const bars = createWriter(db, 'market_1s');
      const eventRows = createWriter(db, 'feed_events');
      const events = new FeedEventLog(eventRows);
      const feed = new UpbitFeed({ url: url.trim(), markets: ['KRW-BTC'], bars, events });
      const ticker = setInterval(() => feed.tick(Date.now()), 250);
      feed.start();
      await new Promise((r) => setTimeout(r, 2000)); // connected and warm
      const frames0 = feed.stats.frames;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      const frames = feed.stats.frames - frames0;
      clearInterval(ticker);
      await feed.stop();
      await bars.close();
      // Closed before the database is dropped: an open writer would retry its last rows for ever.
      await eventRows.close();
      return { cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100, frames: frames / (wallMs / 1000) };
    });
  } finally {
    await stopChild(server);
  }
}

export const suite: BenchSuite = {
  name: 'collect',
  async run(): Promise<BenchRow[]> {
    const payload = frames();
    const bare = await bareRate(payload);
    const subject = await collectorRate(payload);
    const cpu = await cpuAtRealRate(sized(20, 3));
    const paced = await cpuAtRate(300, sized(15, 2));
    return [
      {
        name: `upbit frames through parse + bars + writer (${FRAMES} frames, ${subject.bars} bars)`,
        value: subject.rate,
        unit: 'frames/s',
        baseline: bare,
        baselineName: 'bare ws + JSON.parse',
        ratio: subject.rate / bare,
        note: subject.rate / bare >= 0.5 ? 'target ≥ 0.5 met' : 'BELOW 0.5 target',
      },
      { name: `full collector CPU at ${cpu.framesPerSec.toFixed(0)} frames/s (synthetic market, ${sized(20, 3)} s)`, value: cpu.cpuPct, unit: '% of one core' },
      { name: `collector Upbit path CPU at ${paced.frames.toFixed(0)} frames/s (paced server in another process, ${sized(15, 2)} s)`, value: paced.cpuPct, unit: '% of one core' },
    ];
  },
};
