// `cqt collect` stopped (SIGINT) while its PostgreSQL database refuses connections: it exits,
// reports per table what it could not write and where it saved it, and the next start writes the
// saved rows before collecting. A database of the test's own is closed to connections; the shared
// server keeps running.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import postgres from 'postgres';
import type { FakeExchange } from '@cqt/testkit';
import { cqtBin, operatorEnv } from '@cqt/test-support/cqt';
import { adminUrl, createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { collectorEnv, fakeExchange, sleep, waitUntil } from './support.js';

const dir = tempDir('cqt-collect-outage-');
let fx: FakeExchange | undefined;
let pg: TestDatabase | undefined;
afterAll(async () => {
  await fx?.close();
  await pg?.drop();
  dir.remove();
});

function startCollect(env: NodeJS.ProcessEnv, args: string[] = []) {
  const child = spawn(process.execPath, [cqtBin, 'collect', '--json', '--status-interval', '1', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Generous bounds (a loaded machine): a stop takes the writers' flush timeouts, ~7 s.
  const exitWithin = (ms: number) => Promise.race([exited, sleep(ms).then(() => `still running after ${ms / 1000} s`)]);
  return { child, out, exitWithin };
}

it('SIGINT during an outage exits, names the unwritten rows and their spill file, and the next start writes them', async () => {
  fx = await fakeExchange({ seed: 7 });
  pg = await createTestDatabase();
  const dataDir = join(dir.path, 'data');
  const env = operatorEnv({ ...collectorEnv(fx), DATABASE_URL: pg.url, CQT_DATA_DIR: dataDir });
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const first = startCollect(env);
  try {
    const marketRows = async () => {
      try {
        return (await sql`select count(*)::int as n from market_1s`)[0].n as number;
      } catch {
        return 0; // not migrated yet
      }
    };
    await waitUntil(async () => (await marketRows()) >= 2, 'the first market_1s rows', 30_000);
    await sql.end();

    // The outage: the database refuses new connections and the collector's are cut.
    await admin.unsafe(`alter database "${pg.name}" allow_connections false`);
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${pg.name}`;
    await waitUntil(() => /database unavailable/.test(first.out.stderr), 'the collector to notice', 30_000);
    await sleep(2500); // a few more seconds of bars pile up unwritten

    first.child.kill('SIGINT');
    const code = await first.exitWithin(60_000);
    if (code !== 0) first.child.kill('SIGKILL');
    expect(code, `stderr ${first.out.stderr.slice(-1500)}`).toBe(0);
    const summary = JSON.parse(first.out.stdout);
    expect(summary.rowsUnwritten.market_1s).toBeGreaterThan(0);
    const spill: string = summary.spillFiles.market_1s;
    expect(spill.startsWith(join(dataDir, 'spill'))).toBe(true);
    const spilled = readFileSync(spill, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
    expect(spilled).toHaveLength(summary.rowsUnwritten.market_1s);
    expect(first.out.stderr).toMatch(new RegExp(`${summary.rowsUnwritten.market_1s} market_1s rows not written, saved to ${spill.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    // The database is back; the next start writes the saved rows before collecting.
    await admin.unsafe(`alter database "${pg.name}" allow_connections true`);
    const second = startCollect(env, ['--duration', '1']);
    const code2 = await second.exitWithin(60_000);
    if (code2 !== 0) second.child.kill('SIGKILL');
    expect(code2, `stderr ${second.out.stderr.slice(-1500)}`).toBe(0);
    const replayed = JSON.parse(second.out.stdout).spillReplayed;
    expect(replayed).toEqual(expect.arrayContaining([expect.objectContaining({ file: spill, table: 'market_1s', rows: spilled.length, status: 'replayed' })]));
    expect(existsSync(spill)).toBe(false);
    const check = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      const present = await check`select count(*)::int as n from market_1s where (symbol, ts) in (select * from unnest(${spilled.map((r) => r.symbol)}::text[], ${spilled.map((r) => r.ts)}::timestamptz[]))`;
      expect(present[0].n).toBe(spilled.length);
    } finally {
      await check.end();
    }
  } finally {
    first.child.kill('SIGKILL');
    await admin.unsafe(`alter database "${pg.name}" allow_connections true`).catch(() => {});
    await admin.end();
    await sql.end().catch(() => {});
  }
});
