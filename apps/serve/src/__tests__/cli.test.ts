// `cqt serve` as an operator runs it (the built binary): its /api/status and /api/checks answer
// exactly what `cqt status --json` and `cqt check all --json` print; it serves an embedded store
// owned by another process through the owner's socket; SIGTERM and SIGINT stop it with exit 0;
// a non-loopback host without a token and a bad port exit 2 with one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '@cqt/db';
import type { TestDatabase } from '@cqt/test-support/pg';
import { AS_OF, SEC, insert, seedHealthy, seededDatabase, series } from '@cqt/test-support/seed';
import { runCqt, startCqt, type CqtChild } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';

const AS_OF_ISO = new Date(AS_OF).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `cqt serve --port 0 …` and waits for its "listening on <url>" line. */
async function serve(args: string[], env: Record<string, string>): Promise<{ run: CqtChild; url: string }> {
  const run = startCqt(['serve', '--port', '0', ...args], env);
  const deadline = Date.now() + 30_000;
  let found: RegExpExecArray | null = null;
  while (!(found = /listening on (\S+)/.exec(run.stderr)) && run.exitCode === undefined && Date.now() < deadline) await sleep(50);
  if (!found) {
    run.child.kill('SIGKILL');
    throw new Error(`cqt serve did not start: ${run.stderr.slice(-500)}`);
  }
  return { run, url: found[1] };
}

async function stop(run: CqtChild, signal: NodeJS.Signals): Promise<void> {
  run.child.kill(signal);
  await Promise.race([run.exited, sleep(20_000)]);
  if (run.exitCode === undefined) run.child.kill('SIGKILL');
}

describe('cqt serve (built binary, PostgreSQL)', () => {
  let pg: TestDatabase;
  let env: Record<string, string>;
  let server: { run: CqtChild; url: string };

  beforeAll(async () => {
    pg = await seededDatabase((db) => seedHealthy(db, { market: 'KRW-OK', symbol: 'OKUSDT' }));
    env = { CQT_UPBIT_MARKETS: 'KRW-OK', CQT_BINANCE_SYMBOLS: 'OKUSDT', DATABASE_URL: pg.url };
    server = await serve([], env);
  });
  afterAll(async () => {
    if (server?.run.exitCode === undefined) server?.run.child.kill('SIGKILL');
    await pg?.drop();
  });

  it('/api/status is `cqt status --json` and /api/checks is `cqt check all --json`, at the same as-of', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await fetch(`${server.url}/api/status?asOf=${AS_OF_ISO}`);
    expect(status.status).toBe(200);
    const cli = runCqt(['status', '--as-of', AS_OF_ISO, '--json'], env);
    expect(cli.code).toBe(0);
    expect(await status.json()).toEqual(JSON.parse(cli.stdout));

    const checks = await fetch(`${server.url}/api/checks?window=10m&asOf=${AS_OF}`);
    expect(checks.status).toBe(200);
    const gates = runCqt(['check', 'all', '--window', '600', '--as-of', AS_OF_ISO, '--json'], env);
    const body = await checks.json();
    expect(body).toEqual(JSON.parse(gates.stdout));
    expect(body).toMatchObject({ check: 'all', windowSec: 600, asOf: AS_OF_ISO });
    expect(body.checks.map((c: { check: string }) => c.check)).toEqual(['altdata', 'features', 'leak', 'coinglass']);
  });

  it('/api/checks validates the window: 400 with one line', async () => {
    const bad = await fetch(`${server.url}/api/checks?window=0`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid window "0"', hint: 'use a duration longer than 0 s, e.g. 600, 10m, 24h' });
  });

  it('SIGTERM stops it cleanly: exit 0, "stopped", and the port no longer answers', async () => {
    await stop(server.run, 'SIGTERM');
    expect(server.run.exitCode).toBe(0);
    expect(server.run.stderr).toMatch(/serve: stopped\n$/);
    expect(server.run.stdout).toMatch(new RegExp(`^served ${server.url} until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`));
    await expect(fetch(`${server.url}/api/status`)).rejects.toThrow();
  });

  it('usage errors exit 2 with one line: a non-loopback host without a token, a bad port', () => {
    const open = runCqt(['serve', '--host', '0.0.0.0'], env);
    expect(open.code).toBe(2);
    expect(open.stderr.split('\n')[0]).toBe('error: --host 0.0.0.0 is not loopback: serving beyond this machine requires CQT_SERVE_TOKEN');
    const port = runCqt(['serve', '--port', '70000'], env);
    expect(port.code).toBe(2);
    expect(port.stderr.split('\n')[0]).toBe('error: invalid --port "70000"');
  });
});

describe('cqt serve (built binary, embedded store owned by another process)', () => {
  const dir = tempDir('cqt-serve-');
  let owner: Db;

  beforeAll(async () => {
    owner = await openDb({ dataDir: dir.path });
    const ts = series({ lastTsMs: AS_OF - 5 * SEC, count: 6, stepSec: 5 });
    await insert(owner, 'predictions', ts.map((t) => ({ symbol: 'KRW-OK', ts: new Date(t), horizonSec: 120, pUp: 0.2, pDown: 0.3, pNone: 0.5, createdAt: new Date(t + 200) })));
  });
  afterAll(async () => {
    await owner?.close();
    dir.remove();
  });

  it('serves through the owner\'s socket, with a token on loopback too; SIGINT stops it with exit 0', async () => {
    const token = 'embedded-token-0123456789';
    const { run, url } = await serve([], { CQT_DATA_DIR: dir.path, CQT_UPBIT_MARKETS: 'KRW-OK', CQT_SERVE_TOKEN: token });
    try {
      expect(run.stderr).toContain('bearer token required (CQT_SERVE_TOKEN)');
      const path = `${url}/api/predictions/latest?symbol=KRW-OK&asOf=${AS_OF_ISO}`;
      expect((await fetch(path)).status).toBe(401);
      const answer = await fetch(path, { headers: { authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ class: 'fresh', lagSec: 5, prediction: { ts: new Date(AS_OF - 5 * SEC).toISOString(), pUp: 0.2 } });
    } finally {
      await stop(run, 'SIGINT');
    }
    expect(run.exitCode).toBe(0);
  });
});
