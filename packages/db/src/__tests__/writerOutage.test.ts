// The writer when the database is away at shutdown: close(timeout) stops retrying (a process
// can exit), says how many rows were not written, saves them to a spill file, and a later start
// replays that file so an outage plus a stop loses nothing. The outage is a proxy taken away in
// front of a database of the test's own; the shared server keeps running.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWriter, openDb, replaySpills, type Db, type RowOf } from '../index.js';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
// @ts-expect-error plain ESM fixture without types (it also runs in the child process)
import { pgProxy } from './fixtures/pgProxy.mjs';

interface Proxy {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const T0 = Date.UTC(2026, 10, 23);
const workerPath = fileURLToPath(new URL('./fixtures/outageWriter.mjs', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: TestDatabase;
const dir = tempDir('cqt-spill-');
beforeAll(async () => {
  pg = await createTestDatabase();
  const db = await openDb({ databaseUrl: pg.url }); // migrates
  await db.close();
});
afterAll(async () => {
  await pg?.drop();
  dir.remove();
});

function bars(symbol: string, from: number, n: number): RowOf<'market_1s'>[] {
  return Array.from({ length: n }, (_, i) => ({ symbol, ts: new Date(T0 + (from + i) * 1000), close: from + i, recvTs: new Date(T0 + (from + i) * 1000 + 5) }));
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

it('a process whose database went away exits after close(timeout), with the unwritten rows counted and spilled', async () => {
  const spillDir = join(dir.path, 'child');
  const child = spawn(process.execPath, [workerPath, JSON.stringify({ url: pg.url, spillDir, rows: 300 })], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // Generous: the child needs well under a second once close() has given up; before the fix it
  // kept retrying with live timers and never exited.
  const code = await Promise.race([exited, sleep(30_000).then(() => 'still running after 30 s')]);
  if (code !== 0) child.kill('SIGKILL');
  expect(code, `stdout ${stdout.slice(-800)} stderr ${stderr.slice(-800)}`).toBe(0);
  const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
  const closed = events.find((e) => e.event === 'closed');
  expect(closed.unwritten).toBe(300);
  expect(closed.spillFile).toMatch(/market_1s\..*\.jsonl$/);
  expect(readFileSync(closed.spillFile, 'utf8').trim().split('\n')).toHaveLength(1 + 300); // header + rows
});

it('close(timeout) stops retrying; the spill file is replayed once the database is back, every row exactly once', async () => {
  const spillDir = join(dir.path, 'inproc');
  const proxy = (await pgProxy(pg.url)) as Proxy;
  const db = await openDb({ databaseUrl: proxy.url });
  let retries = 0;
  const w = createWriter(db, 'market_1s', { retryBaseMs: 20, retryMaxMs: 200, onConflict: 'ignore', spillDir, onRetry: () => retries++ });
  try {
    await w.write(bars('SPILL', 0, 100));
    await w.flush();

    await proxy.stop();
    // The rows already written come again (a replayed frame): the replay must not duplicate them.
    await w.write([...bars('SPILL', 0, 100), ...bars('SPILL', 100, 400)]);
    await waitFor('a failed attempt', () => retries > 0);
    expect(await w.close(300)).toBe(500);
    const retriesAtClose = retries;
    await sleep(1500); // ≥ 7 backoffs of at most 200 ms: any retry still scheduled would show
    expect(retries - retriesAtClose).toBeLessThanOrEqual(1); // at most the attempt in flight at close
    expect(w.spillFile).toBeTruthy();
    expect(readdirSync(spillDir)).toEqual([w.spillFile!.split('/').pop()]);

    await proxy.start(); // the database is back (same address)
    const replayed = await replaySpills(db, spillDir);
    expect(replayed).toEqual([expect.objectContaining({ file: w.spillFile, table: 'market_1s', rows: 500, status: 'replayed' })]);
    expect(existsSync(w.spillFile!)).toBe(false);
    const [r] = await db.sql`select count(*)::int as n, count(distinct ts)::int as d, min(close) as lo, max(close) as hi from market_1s where symbol = 'SPILL'`;
    expect(r).toEqual({ n: 500, d: 500, lo: 0, hi: 499 });
    expect(await replaySpills(db, spillDir)).toEqual([]);
  } finally {
    await db.close();
    await proxy.stop().catch(() => {});
  }
});

it('a spill file of another database is left where it is, and a damaged one is reported, not replayed', async () => {
  const spillDir = join(dir.path, 'foreign');
  const proxy = (await pgProxy(pg.url)) as Proxy;
  const viaProxy = await openDb({ databaseUrl: proxy.url });
  const w = createWriter(viaProxy, 'market_1s', { spillDir });
  await proxy.stop();
  await w.write(bars('FOREIGN', 0, 10));
  expect(await w.close(300)).toBe(10);
  await viaProxy.close();
  writeFileSync(join(spillDir, 'market_1s.damaged.jsonl'), 'not json\n');

  const db = await openDb({ databaseUrl: pg.url }); // the same database under another address
  try {
    const replayed = await replaySpills(db, spillDir);
    expect(replayed.map((f) => [f.file, f.status])).toEqual(
      expect.arrayContaining([
        [w.spillFile, 'other-database'],
        [join(spillDir, 'market_1s.damaged.jsonl'), 'unreadable'],
      ]),
    );
    expect(replayed).toHaveLength(2);
    expect(readdirSync(spillDir).sort()).toEqual([w.spillFile!.split('/').pop(), 'market_1s.damaged.jsonl'].sort());
    const [r] = await db.sql`select count(*)::int as n from market_1s where symbol = 'FOREIGN'`;
    expect(r.n).toBe(0);
  } finally {
    await db.close();
  }
});
