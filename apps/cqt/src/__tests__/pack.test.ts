// The packed release as a user installs it: scripts/pack.mjs's tarball installed offline into a
// temp prefix (`npm install -g --prefix`), then `cqt --help`, `cqt --version`, `cqt demo`, and
// the files the bundle finds at run time — worker threads (store, sweep, job), the job module,
// migrations on both backends, the dashboard's assets, DuckDB's native binding — all from the
// installed folder. Needs the workspace built (npm test does it). Decision 142.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorEnv } from '@cqt/test-support/cqt';
import { createTestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { waitFor } from '@cqt/test-support/wait';
import { gitCommit } from '../version.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const work = tempDir('cqt-pack-');
afterAll(() => work.remove());

// The Node running this test (Node 24 in CI's second stage) runs npm and the installed `cqt`; npm's
// cache and logs stay in the temp folder.
const env = (extra: Record<string, string> = {}) =>
  operatorEnv({ PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`, npm_config_cache: join(work.path, 'npm-cache'), npm_config_update_notifier: 'false', ...extra });

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking the event loop (the concurrent cases share it). */
function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: work.path, env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => (out.stdout += d));
    child.stderr.on('data', (d) => (out.stderr += d));
    child.on('close', (code) => resolve({ code, ...out }));
  });
}

let pkgDir = '';
let cqt = '';
const installed = (args: string[], extraEnv: Record<string, string> = {}, timeoutMs?: number) => run(cqt, args, extraEnv, timeoutMs);

beforeAll(() => {
  const packed = spawnSync(process.execPath, [join(ROOT, 'scripts/pack.mjs'), '--no-build', '--out', join(work.path, 'out')], { env: env(), encoding: 'utf8', timeout: 240_000 });
  expect(packed.status, packed.stderr).toBe(0);
  const tgz = packed.stdout.trim();
  expect(tgz).toMatch(/cqt-\d+\.\d+\.\d+\.tgz$/);
  // --offline: everything the install needs is in the tarball.
  const prefix = join(work.path, 'prefix');
  const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tgz], { cwd: work.path, env: env(), encoding: 'utf8', timeout: 240_000 });
  expect(install.status, install.stderr).toBe(0);
  pkgDir = join(prefix, 'lib', 'node_modules', 'cqt');
  cqt = join(prefix, 'bin', 'cqt');
}, 480_000);

describe('the packed cqt, installed into a temp prefix', () => {
  it('--help lists the commands; --version names the root version and this commit; nothing points into the workspace', async () => {
    const help = await installed(['--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    for (const command of ['collect', 'export', 'serve', 'worker', 'demo']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: unknown };
    const version = await installed(['--version']);
    expect([version.code, version.stdout]).toEqual([0, `cqt ${rootPkg.version} (${gitCommit(ROOT) ?? 'dev'})\n`]);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'cqt', version: rootPkg.version, engines: rootPkg.engines, bin: { cqt: 'dist/bin.js' } });
    // Every job module `cqt worker` may load is at the place it names (../<job>.js from dist/).
    for (const job of readdirSync(join(ROOT, 'apps/cqt/src')).filter((f) => /Job\.ts$/.test(f))) {
      expect(readFileSync(join(pkgDir, job.replace(/\.ts$/, '.js')), 'utf8')).toContain(`export * from './dist/${job.replace(/\.ts$/, '.js')}'`);
    }
    // The bundle carries no path of this checkout: what it loads at run time is the install's.
    for (const file of walk(join(pkgDir, 'dist'))) if (/\.(js|json|sql|html)$/.test(file)) expect(readFileSync(file, 'utf8').includes(ROOT), file).toBe(false);
  });

  it.concurrent('cqt demo runs the whole loop from the install (store thread, migrations, DuckDB)', async () => {
    const res = await installed(['demo', '--duration', '20s', '--dir', join(work.path, 'demo'), '--json'], {}, 400_000);
    expect(res.code, res.stderr.slice(-2000)).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result.ok).toBe(true);
    expect(result.steps.map((s: { step: string }) => s.step)).toEqual(['collect', 'predict', 'check all', 'export']);
    expect(result.steps.find((s: { step: string }) => s.step === 'export').summary.rows).toBeGreaterThan(0);
    expect(statSync(result.parquet).size).toBeGreaterThan(0);
  }, 420_000);

  it.concurrent('sweep threads, a queued job in the worker thread, the dashboard and PostgreSQL work from the install', async () => {
    const storeEnv = { CQT_DATA_DIR: join(work.path, 'store') };
    // Candles written by the install's own DuckDB: its native binding loads in this Node.
    const candles = join(work.path, 'candles.parquet');
    const { DuckDBInstance } = createRequire(join(pkgDir, 'package.json'))('@duckdb/node-api') as typeof import('@duckdb/node-api');
    const duck = await DuckDBInstance.create(':memory:');
    const conn = await duck.connect();
    await conn.run(`COPY (SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_hours(n) AS ts, 100 + 10 * sin(n / 20.0) AS open,
        100 + 10 * sin(n / 20.0) + 1.5 AS high, 100 + 10 * sin((n + 1) / 20.0) - 1.5 - abs(sin(n / 20.0) - sin((n + 1) / 20.0)) * 10 AS low,
        100 + 10 * sin((n + 1) / 20.0) AS close, 10.0 + n % 7 AS volume FROM range(2000) t(n)) TO '${candles}' (FORMAT parquet)`);
    conn.closeSync();
    duck.closeSync();

    const sweep = await installed(['backtest', 'sweep', '--strategy', 'sma-cross', '--param', 'fast=5,10', '--param', 'slow=20,30', '--candles', candles, '--workers', '2', '--no-store', '--json'], storeEnv);
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(JSON.parse(sweep.stdout)).toMatchObject({ combinations: 4, workers: 2 });

    const submitted = await installed(['backtest', 'submit', '--strategy', 'sma-cross', '--param', 'fast=5', '--param', 'slow=20', '--candles', candles, '--json'], storeEnv);
    expect(submitted.code, submitted.stderr).toBe(0);
    const { id } = JSON.parse(submitted.stdout) as { id: string };
    const worker = spawn(cqt, ['worker'], { cwd: work.path, env: env(storeEnv), stdio: ['ignore', 'ignore', 'pipe'] });
    let workerErr = '';
    worker.stderr.on('data', (d) => (workerErr += d));
    const workerExit = new Promise<number | null>((r) => worker.on('exit', (code) => r(code)));
    try {
      const job = await waitFor(
        'the job to complete',
        async () => {
          const status = await installed(['backtest', 'status', id, '--json'], storeEnv);
          const jobs = status.code === 0 ? (JSON.parse(status.stdout).jobs as Array<{ state: string; output?: { runId?: number } }>) : [];
          return jobs[0]?.state === 'completed' || jobs[0]?.state === 'dead' ? jobs[0] : null;
        },
        { timeoutMs: 180_000, pollMs: 1000, detail: () => workerErr },
      );
      expect(job.state, workerErr).toBe('completed');
      expect(job.output?.runId).toBeGreaterThan(0);
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await workerExit, workerErr).toBe(0);

    const html = join(work.path, 'report.html');
    const snapshot = await installed(['serve', '--snapshot', html, '--json'], storeEnv);
    expect(snapshot.code, snapshot.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('window.CQT_SNAPSHOT');
    expect(page).toMatch(/uPlot/);
    expect(page).toMatch(/LightweightCharts/);
    expect(page).not.toMatch(/<script src="assets\//);

    const pg = await createTestDatabase('cqt_pack');
    try {
      const status = await installed(['db', 'status', '--json'], { DATABASE_URL: pg.url });
      expect(status.code, status.stderr).toBe(0);
      const migrations = readdirSync(join(ROOT, 'packages/db/drizzle')).filter((f) => f.endsWith('.sql')).length;
      expect(JSON.parse(status.stdout)).toMatchObject({ backend: 'postgres', schema: { applied: migrations, known: migrations, upToDate: true } });
    } finally {
      await pg.drop();
    }
  }, 420_000);
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
