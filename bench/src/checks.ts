// `cqt check altdata` must cost the same however much history the store holds: every query is a
// range on a primary key. Two PostgreSQL databases hold 1 day and 30 days of 1 s rows (market_1s
// and binance_mark_price_1s, plus metrics and heartbeats), seeded with generate_series; the check
// runs at the end of each, in-process (the queries) and as the CLI (what cron sees). The 1-day
// figure is the same-run baseline: a ratio near 1 means the cost did not grow with the table.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Db } from '@cqt/db';
import { run } from '@cqt/check-altdata';
import type { BenchRow, BenchSuite } from './harness.js';
import { sized, timeMs, withBenchDatabase } from './harness.js';

const LONG_DAYS = Number(process.env.CQT_BENCH_CHECK_DAYS ?? sized(30, 2));
const AS_OF = Date.UTC(2026, 10, 23, 10, 0, 0);
const ENV = { CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' };
const METRICS = ['open_interest', 'open_interest_value', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis'];

const bin = fileURLToPath(new URL('../../apps/cqt/dist/bin.js', import.meta.url));

async function seed(db: Db, days: number): Promise<number> {
  const asOf = new Date(AS_OF).toISOString();
  const seconds = days * 86_400;
  // g seconds before as-of, newest first; received 200 ms (mark price) or 1.2 s (bars) later.
  await db.sql.unsafe(
    `insert into market_1s (symbol, ts, open, high, low, close, volume, mid, best_bid, best_ask, recv_ts)
     select 'KRW-BTC', t, 1.4e8, 1.4e8, 1.4e8, 1.4e8, 0.01, 1.4e8, 1.4e8 - 500, 1.4e8 + 500, t + interval '1.2 s'
       from (select $1::timestamptz - g * interval '1 s' as t from generate_series(2, $2::int + 1) g) s`,
    [asOf, seconds],
  );
  await db.sql.unsafe(
    `insert into binance_mark_price_1s (symbol, ts, mark_price, index_price, funding_rate, recv_ts)
     select 'BTCUSDT', t, 9e4, 9e4, 0.0001, t + interval '0.2 s'
       from (select $1::timestamptz - g * interval '1 s' as t from generate_series(1, $2::int) g) s`,
    [asOf, seconds],
  );
  await db.sql.unsafe(
    `insert into binance_futures_metrics (symbol, metric, ts, value, recv_ts)
     select 'BTCUSDT', m, t, 1.5, t + interval '0.2 s'
       from unnest($3::text[]) m, (select $1::timestamptz - g * interval '60 s' as t from generate_series(1, $2::int / 60) g) s`,
    [asOf, seconds, METRICS],
  );
  await db.sql.unsafe(
    `insert into feed_events (ts, source, kind, detail)
     select $1::timestamptz - g * interval '60 s', 'binance.ws', 'heartbeat', '{"streams":["btcusdt@markPrice@1s","btcusdt@forceOrder"]}'::jsonb
       from generate_series(1, $2::int / 60) g`,
    [asOf, seconds],
  );
  // A live store has statistics (autovacuum); a freshly bulk-loaded one needs them gathered.
  await db.sql.unsafe('analyze');
  const [{ n }] = await db.sql`select count(*)::float8 as n from market_1s`;
  return Number(n);
}

interface Measured {
  rows: number;
  inProcessMs: number;
  cliMs: number;
}

async function measure(days: number): Promise<Measured> {
  return withBenchDatabase(`checks_${days}d`, async (db, url) => {
    const rows = await seed(db, days);
    const report = await run({ db, asOf: AS_OF, env: ENV });
    if (report.overall !== 'pass') throw new Error(`check altdata on ${days} d of seeded data: ${report.overall}, expected pass`);
    const inProcessMs = await timeMs(() => run({ db, asOf: AS_OF, env: ENV }), 9);
    const cli = () => {
      const args = [bin, 'check', 'altdata', '--as-of', new Date(AS_OF).toISOString(), '--database-url', url, '--json'];
      const res = spawnSync(process.execPath, args, { env: { ...process.env, ...ENV }, stdio: 'ignore' });
      if (res.status !== 0) throw new Error(`cqt check altdata exited ${res.status}`);
    };
    return { rows, inProcessMs, cliMs: await timeMs(cli, 5) };
  });
}

export const suite: BenchSuite = {
  name: 'check cost',
  async run(): Promise<BenchRow[]> {
    const short = await measure(1);
    const long = await measure(LONG_DAYS);
    const note = (ratio: number) => `${long.rows.toLocaleString('en-US')} vs ${short.rows.toLocaleString('en-US')} market_1s rows; ${ratio > 0.8 ? 'flat' : 'GROWS with table size'}`;
    const inProcess = short.inProcessMs / long.inProcessMs;
    const cli = short.cliMs / long.cliMs;
    return [
      { name: `check altdata in-process, ${LONG_DAYS} d of 1 s rows (median of 9)`, value: long.inProcessMs, unit: 'ms', baseline: short.inProcessMs, baselineName: '1 d', ratio: inProcess, note: note(inProcess) },
      { name: `cqt check altdata wall time, ${LONG_DAYS} d of 1 s rows (median of 5)`, value: long.cliMs, unit: 'ms', baseline: short.cliMs, baselineName: '1 d', ratio: cli, note: note(cli) },
    ];
  },
};
