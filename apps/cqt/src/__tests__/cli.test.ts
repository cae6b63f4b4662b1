// The built `cqt` binary as a user runs it: exit codes, one-line errors, masked secrets, JSON,
// and `cqt db status` from another process while an owner holds the embedded store.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tableNames } from '@cqt/db';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { runCqt } from '@cqt/test-support/cqt';

const work = tempDir('cqt-cli-');
afterAll(() => work.remove());

function cqt(args: string[], env: Record<string, string> = {}, cwd = work.path) {
  return runCqt(args, env, { cwd });
}

describe('cqt CLI', () => {
  it('--help lists the commands and exits 0', () => {
    const r = cqt(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/config/);
    expect(r.stdout).toMatch(/db/);
    expect(cqt(['db', 'status', '--help']).stdout).toMatch(/Examples:/);
  });

  it('unknown commands and options are usage errors: exit 2, one line, no stack', () => {
    for (const args of [['nope'], ['db', 'status', '--bogus'], ['config', '--nope']]) {
      const r = cqt(args);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a bad environment value names the variable and the expected form, exit 2', () => {
    const r = cqt(['config'], { BINANCE_POLL_SEC: 'abc' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['error: invalid BINANCE_POLL_SEC="abc" (from env)', 'hint: expected a whole number of seconds from 1 to 86400 (a day)']);
  });

  it('flags beat env beat .env beat defaults, and each value says where it came from', () => {
    const dir = tempDir('cqt-env-');
    try {
      writeFileSync(join(dir.path, '.env'), 'BINANCE_POLL_SEC=30\nCOINGLASS_POLL_SEC=120\nCQT_DATA_DIR=/from/dotenv\n');
      const r = cqt(['config', '--json'], { COINGLASS_POLL_SEC: '90' }, dir.path);
      expect(r.code).toBe(0);
      const rows = Object.fromEntries(JSON.parse(r.stdout).settings.map((s: { env: string }) => [s.env, s]));
      expect(rows.BINANCE_POLL_SEC).toMatchObject({ shown: '30', source: '.env' });
      expect(rows.COINGLASS_POLL_SEC).toMatchObject({ shown: '90', source: 'env' });
      expect(rows.UPBIT_WS_URL).toMatchObject({ shown: 'wss://api.upbit.com/websocket/v1', source: 'default' });
      const bad = cqt(['config'], {}, dir.path);
      expect(bad.code).toBe(0);
      writeFileSync(join(dir.path, '.env'), 'COINGLASS_ENABLED=maybe\n');
      const r2 = cqt(['config'], {}, dir.path);
      expect(r2.code).toBe(2);
      expect(r2.stderr).toMatch(/invalid COINGLASS_ENABLED="maybe" \(from .*\.env\)/);
    } finally {
      dir.remove();
    }
  });

  it('never prints a secret: keys are set/placeholder/missing, URL passwords masked', () => {
    const key = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const r = cqt(['config', '--json'], { COINGLASS_API_KEY: key, DATABASE_URL: 'postgres://u:hunter2pw@db:5432/x' });
    expect(r.stdout).not.toContain(key);
    expect(r.stdout).not.toContain('hunter2pw');
    expect(r.stdout).toContain('set (len 32)');
    expect(cqt(['config'], { COINGLASS_API_KEY: 'your_key_here' }).stdout).toContain('placeholder');
    const bad = cqt(['db', 'status'], { DATABASE_URL: 'postgres://u:hunter2pw@127.0.0.1:1/x' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain('hunter2pw');
    expect(bad.stderr).toMatch(/^error: cannot use PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x/);
  });

  it('config --check fails (exit 1) when Coinglass is enabled without a real key, passes with one', () => {
    expect(cqt(['config', '--check'], { COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: 'changeme' }).code).toBe(1);
    expect(cqt(['config', '--check'], { COINGLASS_ENABLED: 'true' }).code).toBe(1);
    expect(cqt(['config', '--check'], { COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' }).code).toBe(0);
    expect(cqt(['config', '--check']).code).toBe(0);
  });
});

describe('cqt db on PostgreSQL', () => {
  let pg: TestDatabase;
  afterAll(async () => pg?.drop());

  it('migrate then status --json report the server backend with every table', async () => {
    pg = await createTestDatabase();
    const m = cqt(['db', 'migrate', '--json', '--database-url', pg.url]);
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout).schema.upToDate).toBe(true);
    const s = cqt(['db', 'status', '--json'], { DATABASE_URL: pg.url });
    expect(s.code).toBe(0);
    const status = JSON.parse(s.stdout);
    expect(status.backend).toBe('postgres');
    expect(status.tables.map((t: { table: string }) => t.table).sort()).toEqual([...tableNames].sort());
  });
});

describe('cqt db status on the embedded store', () => {
  it('works in a second process while another process owns the store', async () => {
    const dataDir = join(work.path, 'shared-store');
    const worker = fileURLToPath(new URL('../../../../packages/db/src/__tests__/fixtures/storeWorker.mjs', import.meta.url));
    const owner = spawn(process.execPath, [worker, JSON.stringify({ dataDir, symbol: 'KRW-BTC', from: 0, count: 120, batch: 60, holdMs: 30_000 })], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        owner.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('"written"')) resolve();
        });
        owner.on('exit', () => reject(new Error(`owner exited early: ${out}`)));
      });
      const r = cqt(['db', 'status', '--json', '--data-dir', dataDir]);
      expect(r.code).toBe(0);
      const status = JSON.parse(r.stdout);
      expect(status.role).toBe('client');
      expect(status.tables.find((t: { table: string }) => t.table === 'market_1s')).toMatchObject({ rows: 120, newestTs: '2026-11-23T00:01:59.000Z' });
    } finally {
      owner.kill('SIGKILL');
    }
  });
});
