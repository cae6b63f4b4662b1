// Staged load (issue 18): 1, 10 and 50 coins of synthetic traffic (an Upbit market and a Binance
// symbol each, from the fake exchange in another process) through one collector, on PostgreSQL
// and on the embedded store (whose PGlite thread runs in the collector's process, so its work is
// counted). Per stage: CPU of one core in the steady state, frames/s and rows/s over the run, late
// trades, rows left unwritten at stop. The synthetic market is quieter than a real one (about 9
// frames/s per coin against BTC's 40 on Upbit): the per-coin CPU is the figure to scale from.
// The baseline is the 1-coin stage on the same store in the same run; the ratio says how far the
// cost is from linear (≥ 1: N coins cost at most N × one coin).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run as runCollect, type CollectResult } from '@cqt/collect';
import { sized, stopChild, withBenchDatabase, type BenchRow, type BenchSuite } from './harness.js';
import { coinsOf } from './scaleCoins.js';

const STAGES = sized([1, 10, 50], [1, 3]);
const SECONDS = sized(30, 3);
/** Seconds after the store opened left out of the CPU figure (connections, first bars). */
const WARM_SEC = sized(8, 2);

interface Stage {
  coins: number;
  cpuPct: number;
  framesPerSec: number;
  rowsPerSec: number;
  late: number;
  unwritten: number;
}

async function stage(coins: number, store: 'postgres' | 'embedded'): Promise<Stage> {
  const fake = spawn(process.execPath, [fileURLToPath(new URL('./scaleFake.js', import.meta.url)), String(coins)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  fake.stdout.on('data', (d) => (out += d));
  while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const urls = JSON.parse(out) as Record<string, string>;
  const names = coinsOf(coins);
  const env = {
    ...urls,
    CQT_UPBIT_MARKETS: names.map((c) => `KRW-${c}`).join(','),
    CQT_BINANCE_SYMBOLS: names.map((c) => `${c}USDT`).join(','),
    COINGLASS_ENABLED: 'false',
    BINANCE_POLL_SEC: '60',
  };
  const measure = async (where: { databaseUrl?: string; dataDir?: string }): Promise<Stage> => {
    // CPU over the steady state only: opening the store (PGlite's start on the embedded one) and
    // the first connections are start-up, not the per-coin cost.
    const stop = new AbortController();
    let opened!: () => void;
    const storeOpen = new Promise<void>((r) => (opened = r));
    const startMs = performance.now();
    // Its first line says the store is open and the feeds are starting.
    const log = (line: string) => void (/^collect: (postgres|embedded) /.test(line) && opened());
    const running = runCollect({ ...where, signal: stop.signal, statusIntervalSec: 3600, log, env });
    await Promise.race([storeOpen, running]);
    await new Promise((r) => setTimeout(r, WARM_SEC * 1000));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    stop.abort();
    const result: CollectResult = await running;
    const runSec = (performance.now() - startMs) / 1000;
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    return {
      coins,
      cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      framesPerSec: result.streams.reduce((n, s) => n + s.frames, 0) / runSec,
      rowsPerSec: sum(result.rowsWritten) / runSec,
      late: Object.entries(result.events).filter(([k]) => k.endsWith('late')).reduce((n, [, v]) => n + v, 0),
      unwritten: sum(result.rowsUnwritten),
    };
  };
  try {
    if (store === 'postgres') return await withBenchDatabase(`scale${coins}`, (_db, url) => measure({ databaseUrl: url }));
    const dir = mkdtempSync(join(tmpdir(), 'cqt-bench-scale-'));
    try {
      return await measure({ dataDir: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await stopChild(fake);
  }
}

export const suite: BenchSuite = {
  name: 'scale',
  async run(): Promise<BenchRow[]> {
    const rows: BenchRow[] = [];
    for (const store of ['postgres', 'embedded'] as const) {
      let one: Stage | undefined;
      for (const coins of STAGES) {
        const s = await stage(coins, store);
        one ??= s;
        rows.push({
          name: `one collector, ${coins} coin${coins === 1 ? '' : 's'} (${coins * 2} instruments), ${store}, ${SECONDS} s from ${WARM_SEC} s after the store opened: CPU`,
          value: s.cpuPct,
          unit: '% of one core',
          baseline: one.cpuPct * coins,
          baselineName: `${coins} × the 1-coin stage`,
          ratio: (one.cpuPct * coins) / s.cpuPct,
          note: `${(s.cpuPct / coins).toFixed(2)} % per coin; ${s.framesPerSec.toFixed(0)} frames/s, ${s.rowsPerSec.toFixed(0)} rows/s, ${s.late} late trades, ${s.unwritten} rows unwritten at stop`,
        });
      }
    }
    return rows;
  },
};
