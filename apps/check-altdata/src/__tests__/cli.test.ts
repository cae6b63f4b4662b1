// `cqt check …` as an operator runs it (the built binary against PostgreSQL): exit 0 when every
// item passes, 1 when one fails, 2 for usage and runtime errors, one JSON object with --json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@cqt/test-support/pg';
import { AS_OF, PLACEHOLDER_KEY, seedHealthy, seededDatabase } from '@cqt/test-support/seed';
import { runCqt } from '@cqt/test-support/cqt';

const AS_OF_ISO = new Date(AS_OF).toISOString();
const ENV = { CQT_UPBIT_MARKETS: 'KRW-OK', CQT_BINANCE_SYMBOLS: 'OKUSDT' };

describe('cqt check (built binary, PostgreSQL)', () => {
  let pg: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await seededDatabase((db) => seedHealthy(db, { market: 'KRW-OK', symbol: 'OKUSDT' }));
    env = { ...ENV, DATABASE_URL: pg.url };
  });
  afterAll(async () => pg?.drop());

  it('check altdata on healthy data: exit 0, one JSON object naming table, column and window of each item', () => {
    const r = runCqt(['check', 'altdata', '--as-of', AS_OF_ISO, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ check: 'altdata', asOf: AS_OF_ISO, windowSec: 600, overall: 'pass' });
    expect(Object.keys(report).sort()).toEqual(['asOf', 'check', 'counts', 'items', 'overall', 'windowSec']);
    expect(Object.keys(report.items[0]).sort()).toEqual(['column', 'detail', 'name', 'observed', 'status', 'symbol', 'table', 'threshold', 'unit', 'windowSec']);
    expect(report.items.find((i: { name: string }) => i.name === 'market_1s.fill[KRW-OK]')).toMatchObject({ status: 'pass', table: 'market_1s', column: 'ts', windowSec: 600 });
  });

  it('a failing item: exit 1, a table per check and an OVERALL line', () => {
    const r = runCqt(['check', 'altdata', '--as-of', AS_OF_ISO, '--symbol', 'KRW-GONE'], env);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`check altdata — as of ${AS_OF_ISO}, window 600 s`);
    expect(lines[1]).toMatch(/^item +status +observed +threshold +read +detail$/);
    expect(r.stdout).toMatch(/market_1s\.lag\[KRW-GONE\] +FAIL +- +≤ 60 s \(warn > 5 s\) +market_1s\.ts +hard stale; no rows/);
    expect(lines.at(-1)).toBe('OVERALL FAIL (altdata: 2 fail)');
  });

  it('check all: every check on one as-of; exit 1 when one check fails', () => {
    // Healthy raw data and snapshots, but the seeded snapshots were not written by `cqt predict`
    // (no stored parameters), so the leak check cannot recompute them and fails: a gate that
    // cannot verify does not pass.
    const seeded = runCqt(['check', 'all', '--as-of', AS_OF_ISO, '--json'], env);
    expect(seeded.code).toBe(1);
    const all = JSON.parse(seeded.stdout);
    expect(all).toMatchObject({ check: 'all', asOf: AS_OF_ISO, overall: 'fail' });
    expect(all.checks.map((c: { check: string; overall: string; asOf: string }) => [c.check, c.overall, c.asOf])).toEqual([
      ['altdata', 'pass', AS_OF_ISO],
      ['features', 'pass', AS_OF_ISO],
      ['leak', 'fail', AS_OF_ISO],
      ['coinglass', 'skip', AS_OF_ISO],
    ]);
    const later = runCqt(['check', 'all', '--as-of', new Date(AS_OF + 3_600_000).toISOString()], env);
    expect(later.code).toBe(1);
    expect(later.stdout.trim().split('\n').at(-1)).toMatch(/^OVERALL FAIL \(altdata: \d+ fail, features: 2 fail, leak: \d+ fail\)$/);
  });

  it('check features and check coinglass: exit 0 pass or skip; 1 when Coinglass is enabled without a real key', () => {
    expect(runCqt(['check', 'features', '--as-of', AS_OF_ISO], env).code).toBe(0);
    const skipped = runCqt(['check', 'coinglass'], env);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout.trim().split('\n').at(-1)).toBe('OVERALL SKIP (every item skipped)');
    const keyless = runCqt(['check', 'coinglass', '--json'], { ...env, COINGLASS_ENABLED: 'true', COINGLASS_API_KEY: PLACEHOLDER_KEY });
    expect(keyless.code).toBe(1);
    expect(keyless.stdout).not.toContain(PLACEHOLDER_KEY);
    expect(JSON.parse(keyless.stdout).items[1]).toMatchObject({ name: 'coinglass.api_key', status: 'fail', observed: 'placeholder' });
  });

  it.each<{ args: string[]; env: Record<string, string>; error: string }>([
    { args: ['check', 'altdata', '--window', 'soon'], env: {}, error: 'error: invalid --window "soon"' },
    { args: ['check', 'altdata', '--as-of', '2026-11-23T10:00:00'], env: {}, error: 'error: invalid --as-of "2026-11-23T10:00:00"' },
    { args: ['check', 'altdata'], env: { CQT_CHECK_ALTDATA_MAX_LAG: 'x' }, error: 'error: invalid CQT_CHECK_ALTDATA_MAX_LAG="x" (from env)' },
    { args: ['check', 'features', '--max-null-rate', '7'], env: {}, error: 'error: invalid --max-null-rate "7"' },
    { args: ['check', 'all', '--bogus'], env: {}, error: "error: unknown option '--bogus'" },
  ])('usage error $args.1 $args.2: exit 2, one line and a hint, no stack', ({ args, env: extra, error }) => {
    const r = runCqt(args, { ...env, ...extra });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(error);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreachable database is a runtime failure: exit 2', () => {
    const r = runCqt(['check', 'all'], { ...ENV, DATABASE_URL: 'postgres://u:secretpw@127.0.0.1:1/x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot use PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x/);
    expect(r.stderr).not.toContain('secretpw');
  });

  it('--help of every check lists its thresholds and examples', () => {
    for (const check of ['altdata', 'features', 'coinglass', 'all']) {
      const r = runCqt(['check', check, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/--as-of <time>/);
      expect(r.stdout).toMatch(/Examples:\n {2}\$ cqt check/);
    }
    expect(runCqt(['check', 'altdata', '--help']).stdout).toMatch(/CQT_CHECK_ALTDATA_MIN_FILL/);
  });
});
