// `--param k=v` texts through each strategy's parameter table: defaults, typed values, refusals.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BacktestInputError } from '../errors.js';
import { parseParams, resolveParams, paramRows } from '../strategy.js';
import { strategies } from '../strategies/index.js';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BacktestInputError);
    return `${(err as BacktestInputError).message} | ${(err as BacktestInputError).hint}`;
  }
  return 'accepted';
};

describe('parseParams', () => {
  const vzb = strategies['volume-zone-breakout'];

  it('fills defaults from the table and parses given values by type', () => {
    expect(parseParams(vzb)).toEqual({ volume_window: 10, num_bins: 20, top_percentile: 0.2, breakout_buffer: 0, hold_period_bars: 1, include_wicks: true });
    expect(parseParams(vzb, ['volume_window=30', 'top_percentile=1', 'include_wicks=false'])).toMatchObject({ volume_window: 30, top_percentile: 1, include_wicks: false });
  });

  it.each([
    [['volume_window=0'], 'invalid --param volume_window "0" | expected a whole number ≥ 1, e.g. volume_window=10'],
    [['num_bins=2.5'], 'invalid --param num_bins "2.5" | expected a whole number ≥ 1, e.g. num_bins=20'],
    [['top_percentile=0'], 'invalid --param top_percentile "0" | expected a number in (0, 1], e.g. top_percentile=0.2'],
    [['top_percentile=1.5'], 'invalid --param top_percentile "1.5" | expected a number in (0, 1], e.g. top_percentile=0.2'],
    [['breakout_buffer=-0.1'], 'invalid --param breakout_buffer "-0.1" | expected a number ≥ 0, e.g. breakout_buffer=0'],
    [['hold_period_bars=x'], 'invalid --param hold_period_bars "x" | expected a whole number ≥ 1, e.g. hold_period_bars=1'],
    [['include_wicks=yes'], 'invalid --param include_wicks "yes" | expected true or false, e.g. include_wicks=true'],
    [['window=10'], 'unknown parameter "window" for strategy volume-zone-breakout | its parameters: volume_window, num_bins, top_percentile, breakout_buffer, hold_period_bars, include_wicks'],
    [['volume_window'], 'invalid --param "volume_window" | expected name=value, e.g. --param volume_window=10'],
    [['num_bins=5', 'num_bins=6'], '--param num_bins given twice | give each parameter once'],
  ])('refuses %j', (texts, message) => {
    expect(refusal(() => parseParams(vzb, texts))).toBe(message);
  });

  it('checks rules between parameters and refuses parameters of a strategy that takes none', () => {
    expect(refusal(() => parseParams(strategies['sma-cross'], ['fast=30']))).toBe('invalid parameters for sma-cross: fast (30) must be less than slow (30) | see `cqt backtest run --help` for each parameter');
    expect(refusal(() => parseParams(strategies['buy-and-hold'], ['x=1']))).toBe('unknown parameter "x" for strategy buy-and-hold | buy-and-hold takes no parameters');
  });

  it('validates typed values from library callers like texts', () => {
    expect(refusal(() => resolveParams(vzb, { num_bins: 0 }))).toBe('invalid --param num_bins=0 | expected a whole number ≥ 1');
    expect(resolveParams(vzb, { num_bins: 5 }).num_bins).toBe(5);
  });

  it('lists each parameter with type, default, range and description for help and docs', () => {
    expect(paramRows(vzb)[0]).toEqual(['volume_window', 'int', '10', 'a whole number ≥ 1', 'candles in the profile: the volume_window candles before the current one']);
  });
});

describe('docs/backtest.md', () => {
  it("names every strategy with each parameter and its default, as the tables declare them", () => {
    const doc = readFileSync(new URL('../../../../docs/backtest.md', import.meta.url), 'utf8');
    for (const [name, strategy] of Object.entries(strategies)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| ${name} |`));
      expect(row, name).toBeDefined();
      for (const [param, spec] of Object.entries(strategy.params)) expect(row).toContain(`${param} (${String((spec as { default: unknown }).default)})`);
    }
  });
});
