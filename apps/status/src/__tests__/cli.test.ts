// `cqt status` as an operator runs it (the built binary against PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '@cqt/test-support/pg';
import { AS_OF, seedHealthy, seededDatabase } from '@cqt/test-support/seed';
import { runCqt } from '@cqt/test-support/cqt';

const AS_OF_ISO = new Date(AS_OF).toISOString();

describe('cqt status (built binary, PostgreSQL)', () => {
  let pg: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await seededDatabase((db) => seedHealthy(db, { market: 'KRW-OK', symbol: 'OKUSDT' }));
    env = { CQT_UPBIT_MARKETS: 'KRW-OK', CQT_BINANCE_SYMBOLS: 'OKUSDT', DATABASE_URL: pg.url };
  });
  afterAll(async () => pg?.drop());

  it('all fresh: exit 0 and one JSON object with a row per source', () => {
    const r = runCqt(['status', '--as-of', AS_OF_ISO, '--json'], env);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout);
    expect(status).toMatchObject({ asOf: AS_OF_ISO, overall: 'ok', counts: { fresh: 10, absent: 1 } });
    expect(status.sources[0]).toEqual({
      source: 'market_1s',
      key: 'KRW-OK',
      newestTs: '2026-11-23T09:59:58.000Z',
      lagSec: 2,
      policy: { staleAfterSec: 5, hardStaleAfterSec: 60, futureToleranceSec: 2 },
      class: 'fresh',
      degraded: false,
      reasons: [],
    });
  });

  it('hard stale an hour later: exit 1, the table and an OVERALL line', () => {
    const r = runCqt(['status', '--as-of', new Date(AS_OF + 3_600_000).toISOString(), '--source', 'market_1s,binance_mark_price_1s'], env);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^source +key +newest ts \(UTC\) +age +stale \/ hard +class +note$/);
    expect(lines[3]).toMatch(/^market_1s +KRW-OK +2026-11-23T09:59:58.000Z +60.0 min +5 s \/ 60 s +hard_stale +lag 3602 s > hard stale after 60 s$/);
    expect(lines.at(-1)).toBe('OVERALL FAIL (2 hard_stale)');
  });

  it('usage errors exit 2', () => {
    const r = runCqt(['status', '--source', 'orders'], env);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('error: unknown --source orders');
  });
});
