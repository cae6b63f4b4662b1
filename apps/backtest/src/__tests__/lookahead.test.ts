// `cqt backtest lookahead`: a deliberately leaky strategy (registered only here) fails with exit 1
// naming the changed signal; the shipped strategies pass through the built binary with exit 0.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strategies, type Signals, type Strategy } from '@cqt/backtest';
import { runCqt } from '@cqt/test-support/cqt';
import { tempDir } from '@cqt/test-support/tmp';
import { lookaheadOutput, lookaheadRun } from '../lookahead.js';
import { wavyRows, writeCandlesParquet } from './fixtures.js';

/** Test-only: the level is the highest high of the next 5 candles — it looks ahead. */
const futureHigh: Strategy<{ window: number }> = {
  name: 'future-high',
  describe: 'test only: reads the candles after t',
  params: { window: { type: 'int', default: 5, min: 1, describe: 'candles ahead' } },
  signals(c, p): Signals {
    const entry = new Uint8Array(c.length);
    for (let t = 0; t < c.length; t++) {
      let high = -Infinity;
      for (let i = t + 1; i <= t + p.window && i < c.length; i++) high = Math.max(high, c.high[i]);
      if (high > c.close[t] * 1.002) entry[t] = 1;
    }
    return { entry };
  },
};

describe('cqt backtest lookahead', () => {
  const dir = tempDir('cqt-lookahead-');
  const file = join(dir.path, 'candles.parquet');
  beforeAll(async () => {
    await writeCandlesParquet(file, wavyRows(500));
  });
  afterAll(() => dir.remove());

  it('fails a leaky strategy with exit 1, naming the cut and the changed signal', async () => {
    const r = await lookaheadRun({ strategy: 'future-high', candlesFile: file, registry: { ...strategies, 'future-high': futureHigh } });
    expect(r.passed).toBe(false);
    expect(r.violations.length).toBeGreaterThan(0);
    expect(r.violations[0]).toMatchObject({ series: 'entry', full: 1, truncated: 0 });
    expect(r.violations[0].index).toBeLessThanOrEqual(r.violations[0].cut);
    const out = lookaheadOutput(r);
    expect(out.exitCode).toBe(1);
    const text = (out.human as (o: { colour: boolean }) => string)({ colour: false });
    expect(text).toMatch(/^LOOKAHEAD: signals at or before \d+ of the cuts change when later candles are removed$/m);
    expect(text).toMatch(new RegExp(`^  cut after candle ${r.violations[0].cut}: entry\\[${r.violations[0].index}\\] is 1 on all candles, 0 without the candles after ${r.violations[0].cut}$`, 'm'));
  });

  it('passes the shipped strategy through the built binary (exit 0); an unknown strategy is exit 2', () => {
    const ok = runCqt(['backtest', 'lookahead', '--strategy', 'volume-zone-breakout', '--param', 'volume_window=12', '--candles', file, '--samples', '15']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^volume-zone-breakout: \d+ cuts over 500 candles, \d+ signals compared\nno lookahead: every signal at or before each cut is the same without the candles after it\n$/);
    const bad = runCqt(['backtest', 'lookahead', '--strategy', 'future-high', '--candles', file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: invalid --strategy "future-high"\nhint: expected one of volume-zone-breakout, buy-and-hold, sma-cross\n$/);
  });
});
