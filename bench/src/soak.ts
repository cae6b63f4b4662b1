// Soak: two collectors (one on PostgreSQL, one on the embedded store, with `cqt predict` beside it)
// run against the fake exchange for CQT_BENCH_SOAK_MIN minutes (default 20) with a fault every
// minute (drop, stall with pongs, refused upgrades, REST 429/418, malformed frames and garbage,
// invalid UTF-8, a PostgreSQL restart, an export from another process). Judged against the fake's
// own synthetic market, not against anything the collector says:
// - invented bars: market_1s rows for seconds when no frame arrived (inside an injected stall or a
//   recorded gap);
// - lost rows: in every whole minute that no recorded gap touches, 60 rows must exist and their
//   trade counts must add up to the market's own minute bar;
// - RSS growth: the second half's peak against the first half's from minute 2 (< 10 %), and heap
//   used after each full GC, second half against first (< 5 %: what a leak raises);
// - late trades outside injected stalls and drops (0).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { openDb } from '@cqt/db';
import { startFakeExchange, type FakeExchange } from '@cqt/testkit';
import type { BenchRow, BenchSuite } from './harness.js';

const MINUTES = Number(process.env.CQT_BENCH_SOAK_MIN ?? 20);
const MARKET = 'KRW-BTC';
const SYMBOL = 'BTCUSDT';
const KEY = 'cqt-bench-soak-coinglass-key-000001';
const MIN_MS = 60_000;
const bin = fileURLToPath(new URL('../../apps/cqt/dist/bin.js', import.meta.url));
/** Preload that logs heap used after each full GC (gcProbe.ts). */
const gcProbeUrl = new URL('./gcProbe.js', import.meta.url).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A window in which the feed was disturbed on purpose: late trades there are expected. */
interface FaultWindow {
  name: string;
  fromMs: number;
  toMs: number;
  /** Frames withheld: a collector must write no bar inside it. */
  silent: boolean;
}

interface Collector {
  label: string;
  proc: ChildProcess;
  stderr: string[];
  rssMb: Array<{ tMs: number; mb: number }>;
  /** Where the child logs heap used after each full GC (collectors only). */
  gcLog?: string;
}

function spawnCqt(args: string[], env: NodeJS.ProcessEnv, label: string, gcLog?: string): Collector {
  const node = gcLog ? ['--import', gcProbeUrl] : [];
  const proc = spawn(process.execPath, [...node, bin, ...args], { env: { ...process.env, ...env, ...(gcLog && { CQT_BENCH_GC_LOG: gcLog }) }, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  proc.stderr!.on('data', (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 400) stderr.splice(0, 200);
  });
  return { label, proc, stderr, rssMb: [], gcLog };
}

function rssMbOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function stop(c: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  if (c.exitCode !== null) return c.exitCode;
  const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
  c.kill(signal);
  const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    c.kill('SIGKILL');
    return exited;
  }
  return code;
}

/** A real restart when this user can do one; otherwise say so (the row notes which ran). */
function restartPostgres(): string {
  const cmd = process.env.CQT_BENCH_PG_RESTART ?? (process.getuid?.() === 0 && existsSync('/usr/bin/pg_ctlcluster') ? 'pg_ctlcluster 15 main restart -m fast' : '');
  if (!cmd) return 'skipped (set CQT_BENCH_PG_RESTART to a restart command)';
  execFileSync('sh', ['-c', cmd], { stdio: 'ignore', timeout: 120_000 });
  return 'restarted';
}

interface StoreFigures {
  invented: number;
  lostRows: number;
  lostTrades: number;
  comparedMinutes: number;
  late: number;
  gaps: number;
  rows: number;
}

async function judge(sql: postgres.Sql, fx: FakeExchange, faults: FaultWindow[], fromMs: number, toMs: number): Promise<StoreFigures> {
  const bars = await sql<Array<{ ts: Date; trade_count: number; volume: string | null }>>`
    select ts, trade_count, volume::text from market_1s where symbol = ${MARKET} and ts >= ${new Date(fromMs)} and ts < ${new Date(toMs)} order by ts`;
  const gaps = await sql<Array<{ gap_from: Date; gap_to: Date }>>`
    select gap_from, gap_to from feed_events where source = 'upbit.ws' and kind = 'gap' and gap_from is not null and gap_to is not null`;
  const late = await sql<Array<{ ts: Date; count: number | null }>>`
    select ts, count from feed_events where source = 'upbit.ws' and kind = 'late'`;
  const gapSpans = gaps.map((g) => [g.gap_from.getTime(), g.gap_to.getTime()] as const);
  const inGap = (t: number) => gapSpans.some(([a, b]) => t >= a && t < b);
  // A bar for a second that began after the last frame of a stall and ended before it lifted.
  const silentSec = (t: number) => faults.some((f) => f.silent && t >= f.fromMs + 1000 && t + 1000 <= f.toMs);
  let invented = 0;
  const perMinute = new Map<number, { rows: number; trades: number; volume: number }>();
  for (const b of bars) {
    const t = b.ts.getTime();
    if (inGap(t) || silentSec(t)) invented++;
    const m = Math.floor(t / MIN_MS) * MIN_MS;
    const agg = perMinute.get(m) ?? { rows: 0, trades: 0, volume: 0 };
    agg.rows++;
    agg.trades += b.trade_count;
    agg.volume += Number(b.volume ?? 0);
    perMinute.set(m, agg);
  }
  let lostRows = 0;
  let lostTrades = 0;
  let compared = 0;
  for (let m = Math.ceil(fromMs / MIN_MS) * MIN_MS; m + MIN_MS <= toMs; m += MIN_MS) {
    const touched = gapSpans.some(([a, b]) => a < m + MIN_MS && b > m) || faults.some((f) => f.silent && f.fromMs < m + MIN_MS && f.toMs > m);
    if (touched) continue;
    compared++;
    const got = perMinute.get(m) ?? { rows: 0, trades: 0, volume: 0 };
    const want = fx.market.bar('upbit', MARKET, m, m + MIN_MS);
    lostRows += Math.max(0, 60 - got.rows);
    lostTrades += Math.abs((want?.trades ?? 0) - got.trades);
  }
  const disturbed = (t: number) => faults.some((f) => t >= f.fromMs && t <= f.toMs + 10_000);
  const lateOutside = late.filter((l) => !disturbed(l.ts.getTime())).reduce((n, l) => n + (l.count ?? 1), 0);
  return { invented, lostRows, lostTrades, comparedMinutes: compared, late: lateOutside, gaps: gaps.length, rows: bars.length };
}

export const suite: BenchSuite = {
  name: 'soak',
  async run(): Promise<BenchRow[]> {
    const fx = await startFakeExchange({ seed: 23, markets: { upbit: [MARKET], binance: [SYMBOL] }, coinglass: { apiKeys: [KEY] } });
    const dataDir = mkdtempSync(join(tmpdir(), 'cqt-soak-'));
    const gcDir = mkdtempSync(join(tmpdir(), 'cqt-soak-gc-'));
    const adminUrl = process.env.CQT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const dbName = `cqt_bench_soak_${process.pid}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${dbName}`);
    await admin.unsafe(`create database ${dbName}`);
    await admin.end();
    const pgUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
    const env = {
      ...fx.urls,
      CQT_UPBIT_MARKETS: MARKET,
      CQT_BINANCE_SYMBOLS: SYMBOL,
      COINGLASS_ENABLED: 'true',
      COINGLASS_API_KEY: KEY,
      BINANCE_POLL_SEC: '10',
      COINGLASS_POLL_SEC: '30',
    };
    const duration = `${MINUTES + 1}m`;
    const collectors = [
      spawnCqt(['collect', '--duration', duration, '--database-url', pgUrl, '--status-interval', '60'], env, 'postgres', join(gcDir, 'postgres.log')),
      spawnCqt(['collect', '--duration', duration, '--data-dir', dataDir, '--status-interval', '60'], env, 'embedded', join(gcDir, 'embedded.log')),
    ];
    await sleep(5000);
    const predictor = spawnCqt(['predict', '--duration', duration, '--data-dir', dataDir], env, 'predict');
    const startMs = Date.now();
    const faults: FaultWindow[] = [];
    const notes: string[] = [];
    const sampler = setInterval(() => {
      for (const c of collectors) {
        const mb = rssMbOf(c.proc.pid);
        if (mb !== undefined) c.rssMb.push({ tMs: Date.now() - startMs, mb });
      }
    }, 10_000);
    // One fault a minute, in turn; each records the window in which it disturbs the feeds.
    const schedule: Array<() => Promise<void>> = [
      async () => {
        const t = Date.now();
        fx.faults.dropConnections('all');
        faults.push({ name: 'drop', fromMs: t, toMs: t + 5000, silent: false });
      },
      async () => {
        const t = Date.now();
        fx.faults.stall('all', 15_000);
        faults.push({ name: 'stall 15 s', fromMs: t, toMs: t + 15_000, silent: true });
        await sleep(16_000);
      },
      async () => {
        // Upgrades refused for 20 s (429 with Retry-After, Connection: close on Upbit, keep-alive on Binance).
        const t = Date.now();
        fx.faults.rejectConnections('upbit', { status: 429, durationMs: 20_000, retryAfter: 5 });
        fx.faults.rejectConnections('binance', { status: 503, durationMs: 20_000, retryAfter: 5, keepAlive: true, body: 'maintenance' });
        fx.faults.dropConnections('all');
        faults.push({ name: 'rejected upgrades 429/503', fromMs: t, toMs: t + 40_000, silent: false });
      },
      async () => {
        const t = Date.now();
        fx.faults.rateLimitRest('binance', { calls: 2, retryAfterSec: 5 });
        fx.faults.failRest('binance', { status: 418, calls: 1 });
        fx.faults.rateLimitRest('coinglass', { calls: 1, retryAfterSec: 5 });
        faults.push({ name: 'REST 429/418', fromMs: t, toMs: t + 5000, silent: false });
      },
      async () => {
        const t = Date.now();
        for (const kind of ['truncated-json', 'not-json', 'unexpected-shape', 'binary-frame', 'random-bytes'] as const) fx.faults.injectMalformedFrame('all', kind);
        faults.push({ name: 'malformed frames and garbage', fromMs: t, toMs: t + 2000, silent: false });
      },
      async () => {
        // Invalid UTF-8 makes the socket library drop the connection: a reconnect and a recorded gap.
        const t = Date.now();
        fx.faults.injectMalformedFrame('all', 'invalid-utf8');
        faults.push({ name: 'invalid UTF-8', fromMs: t, toMs: t + 10_000, silent: false });
      },
      async () => {
        const t = Date.now();
        notes.push(`postgres ${restartPostgres()}`);
        faults.push({ name: 'postgres restart', fromMs: t, toMs: Date.now(), silent: false });
      },
      async () => {
        const t = Date.now();
        const out = join(dataDir, `soak-export-${t}.parquet`);
        const exp = spawnCqt(['export', '--data-dir', dataDir, '--out', out, '--last', '30m', '--with-raw', '--keep-unlabeled'], env, 'export');
        const code = await new Promise<number | null>((r) => exp.proc.once('exit', (c) => r(c)));
        if (code !== 0) notes.push(`export exit ${code}: ${exp.stderr.join('').trim().split('\n').pop()}`);
        faults.push({ name: 'export from another process', fromMs: t, toMs: Date.now(), silent: false });
      },
    ];
    let applied = 0;
    try {
      for (let minute = 1; minute < MINUTES; minute++) {
        const due = startMs + minute * MIN_MS;
        await sleep(Math.max(0, due - Date.now()));
        await schedule[(minute - 1) % schedule.length]();
        applied++;
      }
      await sleep(Math.max(0, startMs + MINUTES * MIN_MS - Date.now()));
    } finally {
      clearInterval(sampler);
    }
    const endMs = Date.now();
    const exits = await Promise.all([...collectors.map((c) => stop(c.proc)), stop(predictor.proc)]);
    const rows: BenchRow[] = [];
    // Judge from the first whole minute after start-up to the last whole minute before the stop.
    const fromMs = Math.ceil((startMs + MIN_MS) / MIN_MS) * MIN_MS;
    const toMs = Math.floor(endMs / MIN_MS) * MIN_MS;
    try {
      for (const c of collectors) {
        const db = c.label === 'postgres' ? await openDb({ databaseUrl: pgUrl }) : await openDb({ dataDir });
        let f: StoreFigures;
        try {
          f = await judge(db.sql, fx, faults, fromMs, toMs);
        } finally {
          await db.close();
        }
        // RSS swings with V8's GC cycle: the old space is sized up before each full collection and
        // shrunk after it (a PostgreSQL collector: 74-92 MB, heap used after each full GC flat at
        // 19 MB over 45 min). So growth compares peaks: the second half's against the first's
        // (from minute 2, after start-up); a leak raises every peak, the cycle does not.
        const halfMs = (MINUTES / 2) * MIN_MS;
        const peak = (xs: Array<{ mb: number }>) => xs.reduce((m, x) => Math.max(m, x.mb), 0);
        const firstPeak = peak(c.rssMb.filter((x) => x.tMs >= 2 * MIN_MS && x.tMs < halfMs));
        const secondPeak = peak(c.rssMb.filter((x) => x.tMs >= halfMs));
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        const at = (min: number) => mean(c.rssMb.filter((x) => x.tMs >= min * MIN_MS && x.tMs < (min + 1) * MIN_MS).map((x) => x.mb));
        // Heap used after each full GC: the first half's mean (from minute 2) against the second's.
        const afterGc = (c.gcLog && existsSync(c.gcLog) ? readFileSync(c.gcLog, 'utf8').trim().split('\n') : [])
          .map((line) => line.split(' ').map(Number))
          .map(([atMs, bytes]) => ({ tMs: atMs - startMs, mb: bytes / 1048576 }));
        const heapFirst = mean(afterGc.filter((x) => x.tMs >= 2 * MIN_MS && x.tMs < halfMs).map((x) => x.mb));
        const heapSecond = mean(afterGc.filter((x) => x.tMs >= halfMs).map((x) => x.mb));
        const path = [2, 5, Math.floor(MINUTES / 2), MINUTES - 1].filter((m, i, xs) => m >= 2 && xs.indexOf(m) === i).map((m) => `min ${m}: ${at(m).toFixed(1)}`).join(', ');
        const exit = exits[collectors.indexOf(c)];
        const base = `${c.label}, ${MINUTES} min, ${applied} faults`;
        rows.push(
          { name: `soak ${base}: invented bars (rows for seconds with no frames)`, value: f.invented, unit: 'bars', note: `target 0; ${f.rows} rows judged, ${f.gaps} gaps recorded` },
          { name: `soak ${base}: lost rows / trades outside recorded gaps`, value: f.lostRows + f.lostTrades, unit: 'rows+trades', note: `target 0; ${f.lostRows} rows, ${f.lostTrades} trades over ${f.comparedMinutes} whole minutes checked against the market's own bars` },
          { name: `soak ${base}: RSS growth (peak of the second half)`, value: secondPeak, unit: 'MB', baseline: firstPeak, baselineName: 'peak from minute 2 to the half', ratio: secondPeak / firstPeak, note: `target ratio < 1.10; means by minute ${path} MB` },
          { name: `soak ${base}: heap used after full GCs (mean of the second half)`, value: heapSecond, unit: 'MB', baseline: heapFirst, baselineName: 'mean from minute 2 to the half', ratio: heapSecond / heapFirst, note: `target ratio < 1.05 (a leak's own measure); ${afterGc.length} full GCs` },
          { name: `soak ${base}: late trades outside injected faults`, value: f.late, unit: 'trades', note: `target 0; collector exit ${exit}` },
        );
      }
    } finally {
      const admin2 = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await admin2.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin2.end();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(gcDir, { recursive: true, force: true });
      await fx.close();
    }
    if (notes.length) rows[rows.length - 1].note += `; ${[...new Set(notes)].join('; ')}`;
    rows.push({ name: `soak faults applied (${faults.map((f) => f.name).filter((n, i, a) => a.indexOf(n) === i).join(', ')})`, value: applied, unit: 'faults', note: `predict exit ${exits[2]}` });
    return rows;
  },
};
