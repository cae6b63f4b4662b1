// `cqt backtest sweep` as a user runs it (the built binary): every combination of the grid runs on
// worker threads, equals a single run of the same parameters, is stored as a run, and the ranking
// follows the chosen metric; bad grids are one-line refusals with exit 2 (every grid refusal: packages/backtest sweep.test.ts).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest, strategies } from '@cqt/backtest';
import { runCqt } from '@cqt/test-support/cqt';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { candlesOf, wavyRows, writeCandlesParquet } from './fixtures.js';

describe('cqt backtest sweep (built binary)', () => {
  const dir = tempDir('cqt-sweep-');
  const rows = wavyRows(400);
  const file = join(dir.path, 'candles.parquet');
  let pg: TestDatabase;
  const cqt = (args: string[]) => runCqt(args, { DATABASE_URL: pg.url });

  beforeAll(async () => {
    pg = await createTestDatabase();
    await writeCandlesParquet(file, rows);
  });
  afterAll(async () => {
    dir.remove();
    await pg?.drop();
  });

  it('runs the grid on two workers: each result equals a single run of its parameters, is stored, and the ranking follows --rank-by', () => {
    const r = cqt(['backtest', 'sweep', '--strategy', 'volume-zone-breakout', '--candles', file, '--param', 'volume_window=5..15:5', '--param', 'top_percentile=0.1,0.3', '--rank-by', 'totalReturn', '--top', '6', '--workers', '2', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ strategy: 'volume-zone-breakout', combinations: 6, refused: 0, rankBy: 'totalReturn', workers: 2 });
    expect(s.results).toHaveLength(6);
    const candles = candlesOf(rows);
    const stored = JSON.parse(cqt(['backtest', 'list', '--limit', '6', '--json']).stdout).runs;
    const seen = new Set<string>();
    for (const row of s.results) {
      const single = backtest(candles, strategies['volume-zone-breakout'], row.params, { cash: 1_000_000, feeRate: 0.001, slippageRate: 0.0002, barsPerYear: 365 * 1440 });
      expect(row.metrics).toEqual(single.metrics);
      seen.add(`${row.params.volume_window} ${row.params.top_percentile}`);
      expect(stored.find((run: { id: number }) => run.id === row.id)).toMatchObject({ strategy: 'volume-zone-breakout', params: row.params, metrics: single.metrics });
    }
    expect([...seen].sort()).toEqual(['10 0.1', '10 0.3', '15 0.1', '15 0.3', '5 0.1', '5 0.3']);
    const best = JSON.parse(cqt(['backtest', 'show', String(s.results[0].id), '--json']).stdout);
    expect(best.trades).toHaveLength(s.results[0].metrics.trades);
    expect(best.equityRows).toBe(rows.length);
    const returns = s.results.map((x: { metrics: { totalReturn: number } }) => x.metrics.totalReturn);
    expect(returns).toEqual([...returns].sort((a, b) => b - a));
    expect(new Set(returns).size).toBeGreaterThan(1);
  });

  it('leaves out the combinations the strategy refuses and counts them; the table names the swept parameters', () => {
    const r = cqt(['backtest', 'sweep', '--strategy', 'sma-cross', '--candles', file, '--param', 'fast=5,20', '--param', 'slow=10,30', '--no-store']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^3 combinations \(1 refused by the strategy's rule\) on \d+ workers in [\d.]+ s \([\d.]+ backtests\/s\); ranked by sharpe$/m);
    expect(r.stdout).toMatch(/fast=5 slow=10/);
    expect(r.stdout).not.toMatch(/fast=20 slow=10/);
  });

  it.each([
    ['a range with a zero step', ['--param', 'volume_window=5..60:0'], /^error: invalid --param "volume_window=5\.\.60:0": the step must be > 0\nhint: /],
    ['an unknown metric', ['--rank-by', 'luck'], /^error: invalid --rank-by "luck"\nhint: expected one of sharpe, /],
  ])('refuses %s: one-line error and hint, exit 2', (_name, args, message) => {
    const r = cqt(['backtest', 'sweep', '--strategy', 'volume-zone-breakout', '--candles', file, ...args]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });
});
