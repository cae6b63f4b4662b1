// The job queue through a real `cqt worker --queues noop` process on each backend (noop jobs: the
// queue and the worker, not a backtest, are measured).
// - Throughput: N noop jobs submitted in one statement, timed until all are completed (each also
//   records its job_results row, the exactly-once write). Baseline in the same run: the same number
//   of rows through a bare SQL queue on the same store — insert, then as many claim loops as the
//   worker has slots, each `update … where id = (select … for update skip locked limit 1)` — the
//   least any PostgreSQL queue does per job.
// - Submit → start latency (p50, p99): one job at a time into an idle worker, started_on − created_on
//   (both stamped by the store's clock). Baseline: a bare insert … returning round trip.
// bench depends on the built packages/jobs by path, as checks.ts runs the built binary by path.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb, type Db } from '@cqt/db';
import { openQueue } from '../../packages/jobs/dist/index.js';
import { sized, stopChild, withBenchDatabase, type BenchRow, type BenchSuite } from './harness.js';

const bin = fileURLToPath(new URL('../../apps/cqt/dist/bin.js', import.meta.url));
const SLOTS = 4;
const JOBS = { postgres: Number(process.env.CQT_BENCH_JOBS ?? sized(2000, 50)), embedded: Number(process.env.CQT_BENCH_JOBS ?? sized(500, 20)) };
const LATENCY_SAMPLES = Number(process.env.CQT_BENCH_JOBS_LATENCY ?? sized(100, 5));

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function until(probe: () => Promise<boolean>, ms = 600_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('bench jobs: timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function measure(db: Db, env: Record<string, string>, backend: 'postgres' | 'embedded'): Promise<BenchRow[]> {
  const n = JOBS[backend];
  const queue = await openQueue(db.sql, { queue: 'noop' });
  // Only `env` says which store the worker uses.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|CQT_)/.test(k)));
  const worker = spawn(process.execPath, [bin, 'worker', '--queues', 'noop', '--concurrency', String(SLOTS)], { env: { ...base, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  worker.stdout!.on('data', (d) => (out += d));
  try {
    await until(async () => out.includes('waiting for jobs'));
    const completed = async (ids: string[]) => {
      const [{ c }] = await db.sql<{ c: number }[]>`select count(*)::int as c from pgboss.job where id = any(${ids}::uuid[]) and state = 'completed'`;
      return c;
    };

    // Throughput through the worker.
    const t0 = performance.now();
    const ids = await queue.submitMany(Array.from({ length: n }, (_, i) => ({ i })));
    await until(async () => (await completed(ids)) === n);
    const workerRate = n / ((performance.now() - t0) / 1000);

    // Latency: one job at a time into the idle worker.
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const [id] = await queue.submitMany([{ probe: i }]);
      await until(async () => (await completed([id])) === 1);
      const [{ ms }] = await db.sql<{ ms: number }[]>`select extract(epoch from started_on - created_on)::float8 * 1000 as ms from pgboss.job where id = ${id}`;
      latencies.push(ms);
    }

    // Baselines on the same store: a bare SQL queue, and one insert … returning round trip.
    await db.sql`create table bench_bare_queue (id bigserial primary key, data jsonb not null, done boolean not null default false)`;
    const b0 = performance.now();
    await db.sql`insert into bench_bare_queue (data) select jsonb_build_object('i', g) from generate_series(1, ${n}::int) g`;
    const claim = async () => {
      for (;;) {
        const rows = await db.sql`update bench_bare_queue set done = true where id = (select id from bench_bare_queue where not done order by id for update skip locked limit 1) returning id`;
        if (!rows.length) return;
      }
    };
    await Promise.all(Array.from({ length: SLOTS }, claim));
    const bareRate = n / ((performance.now() - b0) / 1000);
    const trips: number[] = [];
    for (let i = 0; i < Math.max(LATENCY_SAMPLES, 20); i++) {
      const s = performance.now();
      await db.sql`insert into bench_bare_queue (data) values (${db.sql.json({ trip: i })}) returning id`;
      trips.push(performance.now() - s);
    }
    const trip = quantile(trips, 0.5);
    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    const note = `${SLOTS} slots, 1 worker process`;
    return [
      { name: `${backend}: noop jobs through cqt worker (${n})`, value: workerRate, unit: 'jobs/s', baseline: bareRate, baselineName: 'bare SQL skip-locked queue', ratio: workerRate / bareRate, note },
      { name: `${backend}: submit → start p50 (${LATENCY_SAMPLES} jobs, idle worker)`, value: p50, unit: 'ms', baseline: trip, baselineName: 'insert … returning round trip', ratio: trip / p50, note: 'pg-boss 10 polls every 0.5 s: ~0–500 ms by design' },
      { name: `${backend}: submit → start p99`, value: p99, unit: 'ms', baseline: trip, baselineName: 'insert … returning round trip', ratio: trip / p99 },
    ];
  } finally {
    await stopChild(worker, 40_000);
    await queue.stop(1000);
  }
}

export const suite: BenchSuite = {
  name: 'jobs',
  async run() {
    const rows = await withBenchDatabase('jobs', (db, url) => measure(db, { DATABASE_URL: url }, 'postgres'));
    const dir = mkdtempSync(join(tmpdir(), 'cqt-bench-jobs-'));
    try {
      // This process opens the store first (its owner); the worker is a client through the socket.
      const db = await openDb({ dataDir: dir });
      try {
        rows.push(...(await measure(db, { CQT_DATA_DIR: dir }, 'embedded')));
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
