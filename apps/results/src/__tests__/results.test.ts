// The built binary on both backends with a real S3-compatible server (s3rver on loopback, behind a
// proxy that can cut an upload): a job whose upload is cut fails, its retry publishes the run
// (one run, one result); cqt results ls / verify / get; a corrupted object that verify and get
// reject naming the file; prune --dry-run and for real, keeping young runs and running jobs' runs.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackends } from '@cqt/test-support/backends';
import { startCqt, type CqtChild, type CqtRun } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';
import { CqtError } from '@cqt/config';
import { openResults, publishRun, RUN_FILES } from '@cqt/results';
import { get, ls, prune, verify } from '../index.js';
import { BUCKET, s3Env, startProxy, startS3, type FaultProxy, type S3Server } from '../../../../packages/results/src/__tests__/s3.js';
import { waitFor as waitUntil } from '@cqt/test-support/wait';

const HOUR_MS = 3_600_000;
const T0_MS = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** `cqt args…` without blocking this process: s3rver runs in it and must keep answering. */
async function runCqt(args: string[], env: Record<string, string>): Promise<CqtRun> {
  const c = startCqt(args, env);
  await c.exited;
  return { code: c.exitCode ?? null, stdout: c.stdout, stderr: c.stderr };
}

const waitFor = <T>(what: string, probe: () => Promise<T | null | undefined | false>) => waitUntil(what, probe, { timeoutMs: 60_000 });

describeBackends('cqt results with cqt worker and s3rver', ({ db, backend }) => {
  let s3: S3Server;
  let proxy: FaultProxy;
  let env: Record<string, string>;
  const dirs: ReturnType<typeof tempDir>[] = [];
  let worker: CqtChild | null = null;
  let runId = 0;
  let jobId = '';
  const prefix = `cqt-${backend}`;

  const jobState = async (id: string) => (await db().sql<{ state: string }[]>`select state::text from pgboss.job where id = ${id}`)[0]?.state;
  const json = async (args: string[]) => {
    const r = await runCqt([...args, '--json'], env);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    s3 = await startS3();
    proxy = await startProxy(s3.endpoint);
    const store = backend === 'postgres' ? { DATABASE_URL: db().location } : { CQT_DATA_DIR: db().location };
    // One try per S3 request: the SDK's own retry would hide the cut; the job's retry must recover it.
    env = { ...store, ...s3Env(proxy.endpoint), AWS_MAX_ATTEMPTS: '1', CQT_RESULTS_URL: `s3://${BUCKET}/${prefix}` };
    await db().sql`
      insert into candles (venue, symbol, timeframe, ts, open, high, low, close, volume, closed, recv_ts)
      select 'upbit', 'KRW-BTC', '1h', to_timestamp((${T0_MS}::float8 + i * ${HOUR_MS}::float8) / 1000),
             100 + 10 * sin(i / 20.0), 100 + 10 * sin(i / 20.0) + 1.5, 100 + 10 * sin((i + 1) / 20.0) - 1.5 - abs(sin(i / 20.0) - sin((i + 1) / 20.0)) * 10,
             100 + 10 * sin((i + 1) / 20.0), 10 + (i % 7), true, now()
      from generate_series(0, 1999) as i`;
  });
  afterAll(async () => {
    if (worker && worker.exitCode === undefined) {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    await proxy?.close();
    await s3?.close();
    for (const d of dirs) d.remove();
  });

  it('an upload cut mid-way fails the attempt; the retry publishes the run once, which ls, verify and get accept', async () => {
    proxy.arm({ kind: 'cut', match: `/${prefix}/runs/` });
    const submitted = await json(['backtest', 'submit', '--strategy', 'sma-cross', '--param', 'fast=5', '--param', 'slow=20', '--venue', 'upbit', '--symbol', 'KRW-BTC', '--timeframe', '1h']);
    jobId = submitted.id;
    worker = startCqt(['worker', '--expiry-check-sec', '1'], env);
    await waitFor('completion', async () => (await jobState(jobId)) === 'completed');
    expect(proxy.applied).toBe(1);
    expect(worker.stdout).toMatch(new RegExp(`job ${jobId} attempt 1: failed: `));
    expect(worker.stdout).toMatch(new RegExp(`job ${jobId} attempt 2: completed, run \\d+`));
    const results = await db().sql<{ run_id: number }[]>`select (result->>'runId')::int as run_id from job_results where job_id = ${jobId}`;
    expect(results).toHaveLength(1);
    runId = results[0].run_id;
    expect((await db().sql`select id::int as id from backtest_runs`).map((r) => r.id)).toEqual([runId]);

    const listed = await ls({ env });
    expect(listed.runs).toEqual([expect.objectContaining({ runId, complete: true, jobId, objects: ['equity.parquet', 'manifest.json', 'summary.json', 'trades.parquet'] })]);
    expect((await verify({ env, id: runId })).ok).toBe(true);

    const out = tempDir('cqt-get-');
    dirs.push(out);
    const got = await get({ env, id: runId, out: out.path });
    expect(got.files.map((f) => f.name)).toEqual([...RUN_FILES]);
    for (const f of got.files) expect(sha256(readFileSync(join(out.path, f.name)))).toBe(f.sha256);
    expect(JSON.parse(readFileSync(join(out.path, 'summary.json'), 'utf8')).id).toBe(runId);
    expect(JSON.parse(readFileSync(join(out.path, 'manifest.json'), 'utf8'))).toMatchObject({ runId, jobId });
  });

  it('verify and get reject a corrupted object, naming the file (exit 1)', async () => {
    const path = s3.objectPath(`${prefix}/runs/${runId}/trades.parquet`);
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)] ^= 0xff;
    writeFileSync(path, bad);
    try {
      const check = await verify({ env, id: runId });
      expect(check.ok).toBe(false);
      expect(check.files.filter((f) => f.problem).map((f) => f.name)).toEqual(['trades.parquet']);
      const out = tempDir('cqt-get-');
      dirs.push(out);
      const err = await get({ env, id: runId, out: out.path }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CqtError);
      expect((err as CqtError).exitCode).toBe(1);
      expect((err as CqtError).message).toMatch(new RegExp(`^trades\\.parquet of run ${runId}: sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}$`));
      if (backend === 'postgres') {
        // The binary: exit 1, the first line names the file.
        const cli = await runCqt(['results', 'verify', String(runId)], env);
        expect(cli.code).toBe(1);
        expect(cli.stdout.split('\n')[0]).toMatch(new RegExp(`^run ${runId}: trades\\.parquet: sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}$`));
      }
      expect(await verify({ env, id: 999_999 }).catch((e: CqtError) => e.exitCode)).toBe(2);
    } finally {
      writeFileSync(path, good);
    }
    expect((await verify({ env, id: runId })).ok).toBe(true);
  });

  it('prune --dry-run deletes nothing; prune deletes old runs only, never young ones or those of running jobs', async () => {
    worker!.child.kill('SIGTERM');
    await worker!.exited;
    // Two runs published 40 days ago: one of no job, one of a job still queued (no worker runs it).
    const files = tempDir('cqt-files-');
    dirs.push(files);
    for (const name of RUN_FILES) writeFileSync(join(files.path, name), name);
    const queuedJob = (await json(['backtest', 'submit', '--strategy', 'buy-and-hold', '--venue', 'upbit', '--symbol', 'KRW-BTC', '--timeframe', '1h'])).id as string;
    const store = openResults(`s3://${BUCKET}/${prefix}`, s3Env(s3.endpoint));
    try {
      await publishRun(store, { runId: 900_001, jobId: null, dir: files.path }, Date.now() - 40 * DAY_MS);
      await publishRun(store, { runId: 900_002, jobId: queuedJob, dir: files.path }, Date.now() - 40 * DAY_MS);
    } finally {
      store.close();
    }
    const actions = (r: { runs: { runId: number; action: string }[] }) => r.runs.map((x) => [x.runId, x.action]);
    const dry = await prune({ env, db: db(), days: 30, dryRun: true });
    expect(actions(dry)).toEqual([
      [runId, 'kept: younger than the limit'],
      [900_001, 'would delete'],
      [900_002, 'kept: its job is still running'],
    ]);
    expect((await ls({ env })).runs).toHaveLength(3);
    expect(actions(await prune({ env, db: db(), days: 30 }))).toEqual(actions(dry).map(([id, a]) => [id, a === 'would delete' ? 'deleted' : a]));
    expect((await ls({ env })).runs.map((r) => r.runId)).toEqual([runId, 900_002]);
    // Once its job is cancelled, the old run goes too.
    expect((await runCqt(['backtest', 'cancel', queuedJob], env)).code).toBe(0);
    expect(actions(await prune({ env, db: db(), days: 30 }))).toEqual([
      [runId, 'kept: younger than the limit'],
      [900_002, 'deleted'],
    ]);
  });
});

it('cqt results: no CQT_RESULTS_URL, or a bad flag: one line, exit 2', async () => {
  const r = await runCqt(['results', 'ls'], {});
  expect([r.code, r.stderr.split('\n')[0]]).toEqual([2, 'error: CQT_RESULTS_URL is not set: no results storage to read']);
  const bad = await runCqt(['results', 'prune', '--days', '0'], {});
  expect([bad.code, bad.stderr.split('\n')[0]]).toEqual([2, 'error: invalid --days "0"']);
});
