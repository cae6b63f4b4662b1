// `cqt backtest run` as a user runs it (the built binary): a Parquet file in, the metrics out (table
// or one JSON object), the three --out files, and one-line refusals with exit 2.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest, strategies } from '@cqt/backtest';
import { runCqt } from '@cqt/test-support/cqt';
import { createTestDatabase, type TestDatabase } from '@cqt/test-support/pg';
import { tempDir } from '@cqt/test-support/tmp';
import { MINUTE_MS, T0_MS, candlesOf, parquetColumns, readParquet, wavyRows, writeCandlesParquet } from './fixtures.js';

describe('cqt backtest run (built binary)', () => {
  const dir = tempDir('cqt-backtest-');
  const rows = wavyRows(600);
  const file = join(dir.path, 'candles.parquet');
  const holed = join(dir.path, 'holed.parquet');
  const corrupt = join(dir.path, 'corrupt.parquet');
  const noVolume = join(dir.path, 'no-volume.parquet');
  const msFile = join(dir.path, 'ms.parquet');
  const single = join(dir.path, 'single.parquet');
  const seconds = join(dir.path, 'seconds.parquet');
  let pg: TestDatabase;
  // Every successful run is stored: in a throwaway PostgreSQL database, never in the working folder.
  const cqt = (args: string[]) => runCqt(args, { DATABASE_URL: pg.url });

  beforeAll(async () => {
    pg = await createTestDatabase();
    await writeCandlesParquet(file, rows);
    await writeCandlesParquet(holed, [...rows.slice(0, 100), ...rows.slice(103)]);
    await writeCandlesParquet(corrupt, rows.map((r, i) => (i === 50 ? { ...r, high: r.low - 1 } : r)));
    await writeCandlesParquet(noVolume, rows, { omit: 'volume' });
    await writeCandlesParquet(msFile, rows.map((r) => ({ ...r, tsMs: r.tsMs })), { tsAsMs: true });
    await writeCandlesParquet(single, rows.slice(0, 1));
    await writeCandlesParquet(seconds, rows.map((r) => ({ ...r, tsMs: r.tsMs / 1000 })), { tsAsMs: true });
  });
  afterAll(async () => {
    dir.remove();
    await pg?.drop();
  });

  it('--json prints the metrics of the in-process engine on the same candles; --out writes trades, equity and summary', async () => {
    const out = join(dir.path, 'run1');
    const r = cqt(['backtest', 'run', '--strategy', 'volume-zone-breakout', '--param', 'volume_window=12', '--param', 'top_percentile=0.3', '--candles', file, '--fee-bps', '10', '--slippage-bps', '2', '--cash', '1000000', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const params = { volume_window: 12, num_bins: 20, top_percentile: 0.3, breakout_buffer: 0, hold_period_bars: 1, include_wicks: true };
    const expected = backtest(candlesOf(rows), strategies['volume-zone-breakout'], params, { cash: 1_000_000, feeRate: 0.001, slippageRate: 0.0002, barsPerYear: 365 * 1440 });
    expect(json.metrics).toEqual(expected.metrics);
    expect(json.metrics.trades).toBeGreaterThan(20);
    expect(json).toMatchObject({
      strategy: 'volume-zone-breakout',
      params,
      execution: { cash: 1_000_000, feeBps: 10, slippageBps: 2, stopLossPct: null, takeProfitPct: null },
      input: { source: 'parquet', file, timeframe: '1m', from: new Date(T0_MS).toISOString(), to: new Date(T0_MS + 599 * MINUTE_MS).toISOString(), candles: 600, missingBars: 0, holes: 0 },
    });
    expect(json.input.sha256).toMatch(/^[0-9a-f]{64}$/);

    expect(readdirSync(out).sort()).toEqual(['equity.parquet', 'summary.json', 'trades.parquet']);
    const { files, ...summary } = json;
    expect(files).toEqual(['trades.parquet', 'equity.parquet', 'summary.json'].map((f) => join(out, f)));
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);

    expect(await parquetColumns(join(out, 'trades.parquet'))).toEqual([
      ['entry_ts', 'TIMESTAMP WITH TIME ZONE'], ['exit_ts', 'TIMESTAMP WITH TIME ZONE'], ['side', 'VARCHAR'], ['qty', 'DOUBLE'], ['entry_price', 'DOUBLE'],
      ['exit_price', 'DOUBLE'], ['fees', 'DOUBLE'], ['pnl', 'DOUBLE'], ['return', 'DOUBLE'], ['exit_reason', 'VARCHAR'],
    ]);
    const trades = await readParquet(join(out, 'trades.parquet'));
    expect(trades).toEqual(expected.run.trades.map((t) => ({
      entry_ts: t.entryTsMs, exit_ts: t.exitTsMs, side: 'long', qty: t.qty, entry_price: t.entryPrice, exit_price: t.exitPrice, fees: t.fees, pnl: t.pnl, return: t.return, exit_reason: t.exitReason,
    })));
    // Prices in the file are fills: inside the range of the candle they filled on.
    const byTs = new Map(rows.map((c) => [c.tsMs, c]));
    for (const t of trades) {
      for (const [ts, price] of [[t.entry_ts, t.entry_price], [t.exit_ts, t.exit_price]] as Array<[number, number]>) {
        expect(price).toBeGreaterThanOrEqual(byTs.get(ts)!.low);
        expect(price).toBeLessThanOrEqual(byTs.get(ts)!.high);
      }
    }
    expect(await parquetColumns(join(out, 'equity.parquet'))).toEqual([['ts', 'TIMESTAMP WITH TIME ZONE'], ['equity', 'DOUBLE'], ['position', 'DOUBLE']]);
    const equity = await readParquet(join(out, 'equity.parquet'));
    expect(equity).toHaveLength(600);
    expect(equity.map((e) => e.equity)).toEqual(Array.from(expected.run.equity));
    expect(equity[599].equity).toBe(json.metrics.finalEquity);

    // The run is in the store: list shows it, show gives back its summary and every trade.
    expect(json.id).toEqual(expect.any(Number));
    const listed = JSON.parse(cqt(['backtest', 'list', '--json']).stdout).runs;
    expect(listed[0]).toMatchObject({ id: json.id, status: 'done', strategy: 'volume-zone-breakout', params, metrics: json.metrics, input: json.input });
    const shown = cqt(['backtest', 'show', String(json.id), '--json']);
    expect(shown.code).toBe(0);
    const stored = JSON.parse(shown.stdout);
    expect(stored.equityRows).toBe(600);
    expect(stored.trades.map((t: { pnl: number; exitReason: string }) => [t.pnl, t.exitReason])).toEqual(expected.run.trades.map((t) => [t.pnl, t.exitReason]));
    const human = cqt(['backtest', 'show', String(json.id)]);
    expect(human.stdout).toMatch(new RegExp(`^run ${json.id}, done, created \\S+; ${json.metrics.trades} trades, 600 equity rows$`, 'm'));
    expect(human.stdout).toMatch(/^total return +[-+]\d+\.\d\d %$/m);
  });

  it('list and show refuse bad input; --no-store keeps a run out of the store', () => {
    const before = JSON.parse(cqt(['backtest', 'list', '--json']).stdout).runs.length;
    const r = cqt(['backtest', 'run', '--strategy', 'buy-and-hold', '--candles', file, '--no-store', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).id).toBeNull();
    expect(JSON.parse(cqt(['backtest', 'list', '--json']).stdout).runs.length).toBe(before);
    expect(cqt(['backtest', 'show', '999999'])).toMatchObject({ code: 2, stderr: 'error: no backtest run 999999 in the store\nhint: cqt backtest list shows the stored runs\n' });
    expect(cqt(['backtest', 'show', 'abc'])).toMatchObject({ code: 2, stderr: 'error: one run ID expected, got "abc"\nhint: cqt backtest show ID (cqt backtest list shows the IDs)\n' });
    expect(cqt(['backtest', 'list', '--limit', '0']).code).toBe(2);
  });

  it('prints a summary table; epoch-ms ts columns are read alike; stops and targets change the exits', () => {
    const r = cqt(['backtest', 'run', '--strategy', 'sma-cross', '--param', 'fast=5', '--param', 'slow=20', '--candles', msFile, '--stop-loss', '1', '--take-profit', '2%']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sma-cross on .*ms\.parquet 1m: 2026-01-01T00:00:00\.000Z → 2026-01-01T09:59:00\.000Z, 600 candles \(sha256 [0-9a-f]{12}\)$/m);
    expect(r.stdout).toMatch(/^params fast=5 slow=20; fee 10 bps, slippage 2 bps, cash 1000000, stop-loss 1 %, take-profit 2 %$/m);
    expect(r.stdout).toMatch(/^total return +[-+]\d+\.\d\d %$/m);
    expect(r.stdout).toMatch(/^buy & hold +[-+]\d+\.\d\d %$/m);
    const json = JSON.parse(cqt(['backtest', 'run', '--strategy', 'sma-cross', '--param', 'fast=5', '--param', 'slow=20', '--candles', msFile, '--stop-loss', '1', '--take-profit', '2', '--json']).stdout);
    const plain = JSON.parse(cqt(['backtest', 'run', '--strategy', 'sma-cross', '--param', 'fast=5', '--param', 'slow=20', '--candles', file, '--json']).stdout);
    expect(json.input.sha256).toBe(plain.input.sha256);
    expect(json.metrics.totalReturn).not.toBe(plain.metrics.totalReturn);
  });

  it('refuses holes naming the count; --allow-gaps runs and reports the missing candles', () => {
    const r = cqt(['backtest', 'run', '--strategy', 'buy-and-hold', '--candles', holed, '--timeframe', '1m']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: 3 candles missing in 1 hole (first: 2026-01-01T01:40:00.000Z … 2026-01-01T01:43:00.000Z)\nhint: backfill the range, or pass --allow-gaps to run over the holes (the engine then treats consecutive rows as consecutive bars)\n');
    const ok = cqt(['backtest', 'run', '--strategy', 'buy-and-hold', '--candles', holed, '--allow-gaps', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).input).toMatchObject({ candles: 597, missingBars: 3, holes: 1, timeframe: '1m' });
  });

  it.each([
    ['a corrupt row, even with --allow-gaps', ['--candles', 'CORRUPT', '--allow-gaps'], /^error: corrupt candle at 2026-01-01T00:50:00\.000Z \(row 51\): high [\d.]+ < low [\d.]+\nhint: fix or remove the row/],
    ['a missing column', ['--candles', 'NOVOLUME'], /^error: --candles .*no-volume\.parquet: missing column volume\nhint: the file needs ts, open, high, low, close, volume/],
    ['a missing file', ['--candles', '/nonexistent/x.parquet'], /^error: --candles \/nonexistent\/x\.parquet: no such file\nhint: /],
    ['a file and a store series', ['--candles', 'FILE', '--venue', 'upbit'], /^error: --candles and --venue exclude each other\nhint: /],
    ['no input', [], /^error: no candles: give --candles FILE, or the store's series \(missing --venue, --symbol, --timeframe\)\nhint: /],
    ['an unknown parameter', ['--candles', 'FILE', '--param', 'volume_windows=3'], /^error: unknown parameter "volume_windows" for strategy volume-zone-breakout\nhint: its parameters: volume_window, /],
    ['a parameter out of range', ['--candles', 'FILE', '--param', 'top_percentile=0'], /^error: invalid --param top_percentile "0"\nhint: expected a number in \(0, 1\]/],
    ['a bad stop-loss', ['--candles', 'FILE', '--stop-loss', '0'], /^error: invalid --stop-loss "0"\nhint: expected a percentage between 0 and 100/],
    ['a bad fee', ['--candles', 'FILE', '--fee-bps', '-1'], /^error: invalid --fee-bps "-1"\nhint: expected basis points ≥ 0/],
    ['an unknown timeframe', ['--candles', 'FILE', '--timeframe', '7m'], /^error: invalid --timeframe "7m"\nhint: expected one of 1m /],
    ['a timeframe that cannot be inferred', ['--candles', 'SINGLE'], /^error: cannot infer the timeframe from fewer than two candles\nhint: give --timeframe\n$/],
    ['ts in epoch seconds', ['--candles', 'SECONDS'], /^error: cannot infer the timeframe: the candles are 60 ms apart, not a known timeframe\nhint: give --timeframe; ts must be a timestamp or epoch milliseconds \(not seconds\)\n$/],
  ])('refuses %s: one-line error and hint, exit 2', (_name, args, message) => {
    const paths: Record<string, string> = { FILE: file, CORRUPT: corrupt, NOVOLUME: noVolume, SINGLE: single, SECONDS: seconds };
    const r = cqt(['backtest', 'run', '--strategy', 'volume-zone-breakout', ...args.map((a) => paths[a] ?? a)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('lists the strategies with their parameter tables', () => {
    const r = cqt(['backtest', 'strategies', '--json']);
    expect(r.code).toBe(0);
    const { strategies: list } = JSON.parse(r.stdout);
    expect(list.map((s: { name: string }) => s.name)).toEqual(Object.keys(strategies));
    expect(list[0].params[0]).toEqual({ name: 'volume_window', type: 'int', default: '10', range: 'a whole number ≥ 1', describe: strategies['volume-zone-breakout'].params.volume_window.describe });
    expect(existsSync(file)).toBe(true);
  });
});
