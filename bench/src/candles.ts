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
import { startFakeExchange } from '@cqt/testkit';
import { sized, type BenchRow, type BenchSuite } from './harness.js';

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

export const suite: BenchSuite = {
  name: 'candles',
  async run() {
    const m = await candlesModule();
    const ex = await startFakeExchange({ seed: 17, markets: { upbit: ['KRW-BTC'], binance: ['BTCUSDT'] } });
    try {
      return await withStore(async (db, store) => {
        const rows: BenchRow[] = [];
        const toMs = m.candleOpen('1m', ex.nowMs()) - 10 * MIN;
        const fromMs = toMs - DAYS * 24 * 60 * MIN;
        const slots = (toMs - fromMs) / MIN;
        const venues = [
          { venue: 'upbit' as const, symbol: 'KRW-BTC', client: new m.UpbitCandles(ex.urls.UPBIT_REST_URL), pageSize: 200, ceiling: 10 * 200, ceilingName: 'ceiling 10 req/s × 200' },
          { venue: 'binance' as const, symbol: 'BTCUSDT', client: new m.BinanceKlines(ex.urls.BINANCE_REST_URL), pageSize: 1500, ceiling: (2400 / 10) * 1500 / 60, ceilingName: 'ceiling 2,400 weight/min ÷ 10 × 1,500' },
        ];
        for (const v of venues) {
          const series: Series = { venue: v.venue, symbol: v.symbol, timeframe: '1m' };
          const start = performance.now();
          const done = await m.backfillSeries(db.sql, v.client, series, { fromMs, toMs });
          const sec = (performance.now() - start) / 1000;
          const perSec = slots / sec;
          const violations = ex.stats.rest[v.venue].rateLimitViolations;
          rows.push({
            name: `${v.venue} backfill ${DAYS} d of 1 m (${slots.toLocaleString('en-US')} slots, ${done.candles.toLocaleString('en-US')} candles, ${done.pages} pages), ${store}`,
            value: perSec, unit: 'slots/s', baseline: v.ceiling, baselineName: v.ceilingName, ratio: perSec / v.ceiling,
            note: `${sec.toFixed(1)} s, ${v.client.stats.requests} requests, ${violations} violations, waited ${(v.client.stats.waitedMs / 1000).toFixed(1)} s; target ≥ 0.9 ${perSec / v.ceiling >= 0.9 ? 'met' : 'MISSED'}`,
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
      await ex.close();
    }
  },
};
