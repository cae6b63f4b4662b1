// `cqt serve` latency (issue #16 targets: /api/status p99 < 50 ms; a 24 h /api/series request
// < 200 ms with a day of 1 s data). The server is the built binary (`cqt serve --port 0`) in its
// own process over a store holding one day of 1 s rows (86,400 market_1s bars, as many mark
// prices, metrics, heartbeats); this process is the load generator, one keep-alive connection,
// requests back to back, latency per request from send to the last byte. Baseline in the same
// run, on the same server and connection: an unknown path (the not-found JSON answer passes the
// same routing, hooks and serialisation, and reads nothing). Both backends: PostgreSQL and the
// embedded store (the server opens it and owns it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb, type Db } from '@cqt/db';
import type { BenchRow, BenchSuite } from './harness.js';
import { sized, stopChild, withBenchDatabase } from './harness.js';

const AS_OF = Date.UTC(2026, 10, 23, 10, 0, 0);
const DAY_SEC = 86_400;
const ENV = { CQT_UPBIT_MARKETS: 'KRW-BTC', CQT_BINANCE_SYMBOLS: 'BTCUSDT' };
const METRICS = ['open_interest', 'open_interest_value', 'global_ls_ratio', 'top_ls_ratio', 'taker_ls_ratio', 'basis'];
const STATUS_REQUESTS = Number(process.env.CQT_BENCH_SERVE_STATUS_N ?? sized(400, 100));
const SERIES_REQUESTS = Number(process.env.CQT_BENCH_SERVE_SERIES_N ?? sized(40, 10));
const STATUS_P99_TARGET_MS = 50;
const SERIES_TARGET_MS = 200;

const bin = fileURLToPath(new URL('../../apps/cqt/dist/bin.js', import.meta.url));

/** One day of collector-shaped rows before as-of, by generate_series (bars received 1.2 s after their second). */
async function seed(db: Db): Promise<number> {
  const asOf = new Date(AS_OF).toISOString();
  const day = `(select $1::timestamptz - g * interval '1 s' as t, g from generate_series(1, ${DAY_SEC}) g) s`;
  await db.sql.unsafe(
    `insert into market_1s (symbol, ts, open, high, low, close, volume, mid, best_bid, best_ask, spread_bps, recv_ts)
     select 'KRW-BTC', t, p, p, p, p, 0.01, p, p - 500, p + 500, 1000 / p * 1e4, t + interval '1.2 s'
       from (select t, round(1.4e8 * exp(0.002 * sin(g / 97.0))) as p from ${day}) x`,
    [asOf],
  );
  await db.sql.unsafe(
    `insert into binance_mark_price_1s (symbol, ts, mark_price, index_price, funding_rate, recv_ts)
     select 'BTCUSDT', t, 9e4 + sin(g / 50.0) * 20, 9e4, 0.0001, t + interval '0.2 s' from ${day}`,
    [asOf],
  );
  await db.sql.unsafe(
    `insert into binance_futures_metrics (symbol, metric, ts, value, recv_ts)
     select 'BTCUSDT', m, $1::timestamptz - g * interval '60 s', 1.5, $1::timestamptz - g * interval '60 s' + interval '0.2 s'
       from unnest($2::text[]) m, generate_series(1, ${DAY_SEC / 60}) g`,
    [asOf, METRICS],
  );
  await db.sql.unsafe(
    `insert into feed_events (ts, source, kind, detail)
     select $1::timestamptz - g * interval '60 s', 'binance.ws', 'heartbeat', '{"streams":["btcusdt@markPrice@1s","btcusdt@forceOrder"]}'::jsonb
       from generate_series(1, ${DAY_SEC / 60}) g`,
    [asOf],
  );
  await db.sql.unsafe('analyze');
  const [{ n }] = await db.sql`select count(*)::int as n from market_1s`;
  return Number(n);
}

/** `cqt serve --port 0` on the store; resolves with its URL from the start line. */
async function startServe(store: string[]): Promise<{ url: string; child: ChildProcess }> {
  // The store comes from the flags alone; no token (loopback).
  const env: NodeJS.ProcessEnv = { ...process.env, ...ENV };
  for (const name of ['DATABASE_URL', 'CQT_DATA_DIR', 'CQT_SERVE_TOKEN']) delete env[name];
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...store], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`cqt serve exited ${code} before listening: ${stderr.trim()}`)));
  });
  return { url, child };
}

/** One GET on the keep-alive agent: ms from send to the last byte; a non-2xx/404 status throws. */
function getMs(agent: Agent, url: string, allow404: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const ok = (res.statusCode! >= 200 && res.statusCode! < 300) || (allow404 && res.statusCode === 404);
        if (!ok) reject(new Error(`GET ${url}: ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - start) / 1e6);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** CPU ms (user + system) the process has used so far, from /proc (Linux; NaN elsewhere). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of the line (11 and 12 after "pid (comm) "), in clock ticks (100 Hz).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

/** Back to back after a warm-up, alternating subject and baseline so a busy phase of the machine hits both. */
/** Processes whose CPU a request costs: the server, and on PostgreSQL the backends serving its connections. */
type Pids = () => Promise<number[]>;

async function cpuOf(pids: Pids): Promise<Map<number, number>> {
  return new Map((await pids()).map((pid) => [pid, cpuMs(pid)]));
}

/** CPU used between two readings; a process that appeared in between counts whole (a new backend). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

async function measurePair(agent: Agent, subject: string, baseline: string, n: number, pids: Pids): Promise<{ subject: Latency; baseline: Latency; cpuMsPerPair: number }> {
  for (let i = 0; i < Math.min(20, n); i++) {
    await getMs(agent, subject, false);
    await getMs(agent, baseline, true);
  }
  const a: number[] = [];
  const b: number[] = [];
  const cpuBefore = await cpuOf(pids);
  for (let i = 0; i < n; i++) {
    a.push(await getMs(agent, subject, false));
    b.push(await getMs(agent, baseline, true));
  }
  return { subject: stats(a), baseline: stats(b), cpuMsPerPair: cpuBetween(cpuBefore, await cpuOf(pids)) / n };
}

function stats(samples: number[]): Latency {
  const s = [...samples].sort((x, y) => x - y);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), max: s[s.length - 1] };
}

async function measure(backend: string, store: string[], rows: number, backendPids: Pids = async () => []): Promise<BenchRow[]> {
  const { url, child } = await startServe(store);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const floor = `${url}/api/bench-baseline-not-found`;
    const pids: Pids = async () => [child.pid!, ...(await backendPids())];
    const status = await measurePair(agent, `${url}/api/status?asOf=${AS_OF}`, floor, STATUS_REQUESTS, pids);
    const from = new Date(AS_OF - DAY_SEC * 1000).toISOString();
    const to = new Date(AS_OF).toISOString();
    const series = await measurePair(agent, `${url}/api/series?source=market_1s&column=mid&symbol=KRW-BTC&from=${from}&to=${to}&points=1000`, floor, SERIES_REQUESTS, pids);
    // A shared machine's load inflates every latency (the baseline's too): say how loaded it was.
    const setting = `${backend}, ${rows.toLocaleString('en-US')} rows of 1 s bars; server = cqt serve child, one keep-alive connection; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
    // CPU per request pair does not grow with the machine's load the way wall time does: on an idle core it is the latency's floor.
    const cpu = (m: { cpuMsPerPair: number }) => `CPU ${m.cpuMsPerPair.toFixed(1)} ms per request pair (${backend === 'postgres' ? 'server process + its PostgreSQL backends' : 'server process, PGlite included'})`;
    const baselineName = 'unknown path (404 JSON)';
    return [
      { name: `${backend}: /api/status p99 (${STATUS_REQUESTS} requests)`, value: status.subject.p99, unit: 'ms', baseline: status.baseline.p99, baselineName, ratio: status.baseline.p99 / status.subject.p99, note: `p50 ${status.subject.p50.toFixed(1)} ms, max ${status.subject.max.toFixed(1)} ms; target p99 < ${STATUS_P99_TARGET_MS} ms ${status.subject.p99 < STATUS_P99_TARGET_MS ? 'met' : 'MISSED'}; ${cpu(status)}; ${setting}` },
      { name: `${backend}: /api/series 24 h of 1 s mid → 1,000 buckets, p50 (${SERIES_REQUESTS} requests)`, value: series.subject.p50, unit: 'ms', baseline: series.baseline.p50, baselineName, ratio: series.baseline.p50 / series.subject.p50, note: `p99 ${series.subject.p99.toFixed(1)} ms, max ${series.subject.max.toFixed(1)} ms; target < ${SERIES_TARGET_MS} ms ${series.subject.p99 < SERIES_TARGET_MS ? 'met at p99' : series.subject.p50 < SERIES_TARGET_MS ? 'met at p50, not at p99' : 'MISSED'}; ${cpu(series)}` },
    ];
  } finally {
    agent.destroy();
    await stopChild(child);
  }
}

export const suite: BenchSuite = {
  name: 'serve',
  async run(): Promise<BenchRow[]> {
    const out: BenchRow[] = [];
    out.push(
      ...(await withBenchDatabase('serve', async (db, url) => {
        const rows = await seed(db);
        const name = new URL(url).pathname.slice(1);
        const backends: Pids = async () =>
          (await db.sql`select pid from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`).map((r) => Number(r.pid));
        return measure('postgres', ['--database-url', url], rows, backends);
      })),
    );
    const dir = mkdtempSync(join(tmpdir(), 'cqt-bench-serve-'));
    try {
      const db = await openDb({ dataDir: dir });
      let rows: number;
      try {
        rows = await seed(db);
      } finally {
        await db.close();
      }
      out.push(...(await measure('embedded', ['--data-dir', dir], rows)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return out;
  },
};
