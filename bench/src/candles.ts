// Candle backfill: 30 days of 1 m candles for one symbol from the fake exchange with the venues'
// real limits (Upbit: 10 candle requests/s × 200 slots = 2,000 slots/s; Binance: 2,400 weight per
// minute, 10 per 1,500-kline page = 6,000 klines/s sustained), as candles/s against that ceiling
// (target ≥ 0.9). Beside each, the store's own figure: the same candles committed page by page
// (commitPage: upsert, coverage, cursor) with no network, so the store is shown not to be the
// limit. Embedded store by default, PostgreSQL when DATABASE_URL is set (a throwaway database on
// that server).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { openDb, type Db } from '@cqt/db';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sized, stopChild, type BenchRow, type BenchSuite } from './harness.js';

// One day under --quick (its figures mean nothing there).
const DAYS = Number(process.env.CQT_BENCH_CANDLE_DAYS ?? sized(30, 1));
const MIN = 60_000;

// packages/candles is not a dependency of the bench package (adding one needs an install): its
// built module is loaded by path, typed by the little this suite uses.
interface Candle { openMs: number; open: number; high: number; low: number; close: number; volume: number; quoteVolume: number | null; tradeCount: number | null }
interface Series { venue: 'upbit' | 'binance'; symbol: string; timeframe: string }
interface Client { stats: { requests: number; rateLimited: number; waitedMs: number } }
interface CandlesModule {
  UpbitCandles: new (url: string) => Client;
  BinanceKlines: new (url: string) => Client;
  backfillSeries(sql: Sql, client: Client, series: Series, options: { fromMs: number; toMs: number }): Promise<{ candles: number; pages: number }>;
  commitPage(sql: Sql, series: Series, page: { candles: Candle[]; queried: { fromMs: number; toMs: number }; holes: never[]; recvMs: number }): Promise<void>;
  candleOpen(timeframe: string, tsMs: number): number;
}
const candlesModule = () => import(new URL('../../packages/candles/dist/index.js', import.meta.url).href) as Promise<CandlesModule>;

async function withStore<T>(fn: (db: Db, label: string) => Promise<T>): Promise<T> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'cqt-bench-candles-'));
    const db = await openDb({ dataDir: join(dir, 'store') });
    try {
      return await fn(db, 'embedded');
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const name = `cqt_bench_candles_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = await openDb({ databaseUrl: url.toString() });
  try {
    return await fn(db, 'PostgreSQL');
  } finally {
    await db.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function readBack(sql: Sql, s: Series): Promise<Candle[]> {
  const rows = await sql<Array<{ ts: Date; open: number; high: number; low: number; close: number; volume: number; quote_volume: number | null; trade_count: number | null }>>`
    select ts, open, high, low, close, volume, quote_volume, trade_count from candles
    where venue = ${s.venue} and symbol = ${s.symbol} and timeframe = ${s.timeframe} order by ts`;
  return rows.map((r) => ({ openMs: r.ts.getTime(), open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, quoteVolume: r.quote_volume, tradeCount: r.trade_count }));
}

const bin = fileURLToPath(new URL('../../apps/cqt/dist/bin.js', import.meta.url));

/**
 * The fake exchange in a process of its own, as the venue is remote: in this process it would
 * compute its answers on the same event loop as the client and the embedded store.
 */
async function startFake(): Promise<{ child: ChildProcess; urls: { UPBIT_REST_URL: string; BINANCE_REST_URL: string } }> {
  const child = spawn(process.execPath, [bin, 'fake-exchange', '--seed', '17', '--json', '--duration', '2h'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  const urls = await new Promise<{ UPBIT_REST_URL: string; BINANCE_REST_URL: string }>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      // One pretty-printed object: complete once a line is a lone closing brace.
      const end = out.indexOf('\n}');
      if (end >= 0) resolve((JSON.parse(out.slice(0, end + 2)) as { urls: { UPBIT_REST_URL: string; BINANCE_REST_URL: string } }).urls);
    });
    child.once('exit', (code) => reject(new Error(`cqt fake-exchange exited ${code} before printing its URLs`)));
  });
  return { child, urls };
}

export const suite: BenchSuite = {
  name: 'candles',
  async run() {
    const m = await candlesModule();
    const ex = await startFake();
    try {
      return await withStore(async (db, store) => {
        const rows: BenchRow[] = [];
        const toMs = m.candleOpen('1m', Date.now()) - 10 * MIN;
        const fromMs = toMs - DAYS * 24 * 60 * MIN;
        const slots = (toMs - fromMs) / MIN;
        const venues = [
          { venue: 'upbit' as const, symbol: 'KRW-BTC', client: new m.UpbitCandles(ex.urls.UPBIT_REST_URL), pageSize: 200, ceiling: 10 * 200, ceilingName: 'ceiling 10 req/s × 200' },
          { venue: 'binance' as const, symbol: 'BTCUSDT', client: new m.BinanceKlines(ex.urls.BINANCE_REST_URL), pageSize: 1500, ceiling: (2400 / 10) * 1500 / 60, ceilingName: 'ceiling 2,400 weight/min ÷ 10 × 1,500' },
        ];
        for (const v of venues) {
          const series: Series = { venue: v.venue, symbol: v.symbol, timeframe: '1m' };
          // Where a page's time goes: inside fetchPage (the pacer's wait, the round trip, the fake
          // computing the candles) or outside it (the commit and the loop's own work).
          const fetchMs: number[] = [];
          const timed = Object.create(v.client) as Client & { fetchPage: (...a: unknown[]) => Promise<unknown> };
          timed.fetchPage = async (...a: unknown[]) => {
            const t = performance.now();
            try {
              return await (v.client as unknown as { fetchPage: (...b: unknown[]) => Promise<unknown> }).fetchPage(...a);
            } finally {
              fetchMs.push(performance.now() - t);
            }
          };
          const start = performance.now();
          const done = await m.backfillSeries(db.sql, timed, series, { fromMs, toMs });
          const sec = (performance.now() - start) / 1000;
          const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
          const fetchTotalMs = fetchMs.reduce((a, b) => a + b, 0);
          const outsideMs = (sec * 1000 - fetchTotalMs) / Math.max(1, fetchMs.length);
          const perSec = slots / sec;
          // 429/418 answers the client received (the fake counts the same ones as violations).
          const violations = v.client.stats.rateLimited;
          rows.push({
            name: `${v.venue} backfill ${DAYS} d of 1 m (${slots.toLocaleString('en-US')} slots, ${done.candles.toLocaleString('en-US')} candles, ${done.pages} pages), ${store}`,
            value: perSec, unit: 'slots/s', baseline: v.ceiling, baselineName: v.ceilingName, ratio: perSec / v.ceiling,
            note: `${sec.toFixed(1)} s, ${v.client.stats.requests} requests, ${violations} violations, waited ${(v.client.stats.waitedMs / 1000).toFixed(1)} s; ` +
              `per page: fetch (pacing + round trip + fake) median ${median(fetchMs).toFixed(0)} ms, commit and loop ${outsideMs.toFixed(0)} ms; target ≥ 0.9 ${perSec / v.ceiling >= 0.9 ? 'met' : 'MISSED'}`,
          });

          // The store alone: the same candles, the same page size, committed as a new series.
          const candles = await readBack(db.sql, series);
          const copy: Series = { ...series, symbol: `${v.symbol}-BENCH` };
          const pages: Array<{ candles: Candle[]; queried: { fromMs: number; toMs: number } }> = [];
          for (let pageFromMs = fromMs; pageFromMs < toMs; pageFromMs += v.pageSize * MIN) {
            const pageToMs = Math.min(toMs, pageFromMs + v.pageSize * MIN);
            pages.push({ candles: candles.filter((c) => c.openMs >= pageFromMs && c.openMs < pageToMs), queried: { fromMs: pageFromMs, toMs: pageToMs } });
          }
          const dbStart = performance.now();
          for (const page of pages) await m.commitPage(db.sql, copy, { ...page, holes: [], recvMs: Date.now() });
          const dbPerSec = candles.length / ((performance.now() - dbStart) / 1000);
          rows.push({
            name: `${v.venue} store only: commitPage of the same ${candles.length.toLocaleString('en-US')} candles in pages of ${v.pageSize}, ${store}`,
            value: dbPerSec, unit: 'rows/s', baseline: done.candles / sec, baselineName: 'backfill candles/s', ratio: dbPerSec / (done.candles / sec),
            note: dbPerSec > v.ceiling ? 'above the venue ceiling: the store is not the limit' : 'BELOW the venue ceiling: the store limits',
          });
        }
        return rows;
      });
    } finally {
      await stopChild(ex.child);
    }
  },
};
