// `cqt check candles` declaration (loaded by `cqt` at start-up): its flags and threshold, help
// and examples; the implementation is imported when the check runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import type { FlagTable } from '@cqt/config/command';
import { checkFlags, declareCheck, parseSeconds, type CheckFlags, type ThresholdSpec } from '@cqt/checks/command';
import type { CandlesCheckOptions } from './index.js';

/** Threshold: flag > CQT_CHECK_CANDLES_LAG_GRACE > default, resolved by the run. */
export const thresholds = {
  lagGraceSec: {
    flag: '--lag-grace',
    arg: '<dur>',
    describe: "fail a series whose newest committed candle closed more than one candle plus this long before as-of",
    env: 'CQT_CHECK_CANDLES_LAG_GRACE',
    default: 120,
    defaultText: '120 s',
    expected: 'a duration such as 120, 120s, 5m',
    parse: parseSeconds,
  } satisfies ThresholdSpec<number>,
};

export const candlesFlags = { ...checkFlags, ...thresholds } satisfies FlagTable<CheckFlags<CandlesCheckOptions>>;

export function register(parent: Command, cli: CliContext): void {
  declareCheck<CheckFlags<CandlesCheckOptions>>(parent, cli, {
    name: 'candles',
    description: 'candle series: lag vs one candle + grace, unknown ranges in the window, corrupt rows, native candles vs resampled 1 m',
    flags: candlesFlags,
    help: `
Every stored candle series (a cursor or coverage; --symbol narrows them) gets three items:
  candles.lag[...]      seconds since its newest committed candle closed: ≤ one candle + --lag-grace
  candles.unknown[...]  candle slots in the window never answered by the venue (cqt gaps lists them): 0
  candles.corrupt[...]  rows in the window with low > min(open, close), high < max(open, close),
                        a negative volume, or a ts off the timeframe grid: 0
and a 3m … 1d series with a 1 m series of the same market gets a fourth:
  candles.resampled[...] native candles in the window against their 1 m candles joined (open of
                        the first traded minute, max high, min low, last close, summed volumes):
                        0 disagreeing (prices to 1e-9 relative, volumes to 1e-6 relative + 1e-8
                        per minute); a span with 1 m slots never fetched is unknown: a warning

Examples:
  $ cqt check candles --window 1h
  $ cqt check candles --window 7d --symbol KRW-BTC --json
  $ cqt check candles --lag-grace 5m`,
    load: () => import('./index.js'),
  });
}
