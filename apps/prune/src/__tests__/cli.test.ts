// `cqt prune` as cron runs it (the built binary against PostgreSQL): exit 0 with counts, 2 for a
// refused --days 0 and while another prune holds the lock.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@cqt/test-support/pg';
import { SEC, insert, rows, series, seededDatabase } from '@cqt/test-support/seed';
import { runCqt } from '@cqt/test-support/cqt';
import { PRUNE_LOCK_KEY } from '../lock.js';

describe('cqt prune (built binary, PostgreSQL)', () => {
  let pg: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    // One row per hour for 10 days, half past the hour so no row sits on a cutoff: 72 are older than 7 days.
    pg = await seededDatabase((db) => insert(db, 'binance_mark_price_1s', rows.markPrice('BTCUSDT', series({ lastTsMs: Date.now() - 1800 * SEC, count: 240, stepSec: 3600 }))));
    env = { DATABASE_URL: pg.url };
  });
  afterAll(async () => pg?.drop());

  it('--dry-run --json counts and deletes nothing; then a real run deletes exactly that; exit 0', () => {
    const dry = runCqt(['prune', '--dry-run', '--json', '--table', 'binance_mark_price_1s'], env);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe('');
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, deleted: 72, kept: 168, tables: [{ table: 'binance_mark_price_1s', retentionDays: 7, deleted: 72, kept: 168 }] });
    const real = runCqt(['prune', '--days', '7'], env);
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(/^binance_mark_price_1s +7 d +--days +\S+ +72 +168$/m);
    expect(real.stdout.trim().split('\n').at(-1)).toBe('total: 72 deleted, 168 kept (ingest_state is never pruned)');
  });

  it('--days 0 without --force is refused: exit 2, nothing deleted', () => {
    const r = runCqt(['prune', '--days', '0'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --days 0 deletes every row of 9 tables up to now\nhint: add --force to confirm, or --dry-run to see the counts\n');
  });

  it('while another prune holds the lock: exit 2 "another prune is running"', async () => {
    const holder = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      await holder`select pg_advisory_lock(${PRUNE_LOCK_KEY[0]}, ${PRUNE_LOCK_KEY[1]})`;
      const r = runCqt(['prune', '--days', '7'], env);
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^error: another prune is running \(advisory lock/);
    } finally {
      await holder.end();
    }
    expect(runCqt(['prune', '--days', '7', '--json'], env).code).toBe(0);
  });

  it('keeps a table its own variable keeps, even with --days', () => {
    const r = runCqt(['prune', '--days', '1', '--json', '--table', 'binance_mark_price_1s'], { ...env, CQT_RETENTION_DAYS_BINANCE_MARK_PRICE_1S: 'keep' });
    expect(JSON.parse(r.stdout).tables[0]).toMatchObject({ retentionDays: null, retentionFrom: 'CQT_RETENTION_DAYS_BINANCE_MARK_PRICE_1S', deleted: 0, kept: 168 });
  });
});
