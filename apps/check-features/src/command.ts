// `cqt check features` declaration (loaded by `cqt` at start-up): its flags and thresholds, help
// and examples; the implementation is imported when the check runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import type { FlagTable } from '@cqt/config/command';
import { checkFlags, declareCheck, lagThresholds, parseColumnList, ratioThreshold, type ThresholdSpec, type CheckFlags } from '@cqt/checks/command';
import { defaultPolicies } from '@cqt/freshness';
import type { FeaturesOptions } from './index.js';

/** Thresholds: flag > CQT_CHECK_FEATURES_* > default, resolved by the run. */
export const thresholds = {
  ...lagThresholds('features', 'snapshots lag', defaultPolicies.feature_snapshots),
  minFill: ratioThreshold('--min-fill', 'CQT_CHECK_FEATURES_MIN_FILL', 'fail below this share of 5 s points', 0.95),
  maxNullRate: ratioThreshold('--max-null-rate', 'CQT_CHECK_FEATURES_MAX_NULL_RATE', 'fail a column with more nulls', 0.05),
  ignoreColumns: {
    flag: '--ignore-column',
    arg: '<name>',
    describe: 'leave a column out of the null-rate items, repeatable',
    env: 'CQT_CHECK_FEATURES_IGNORE_COLUMNS',
    default: [],
    defaultText: 'none',
    expected: 'feature columns, comma separated',
    parse: parseColumnList,
    repeatable: true,
  } satisfies ThresholdSpec<string[]>,
};

export const featuresFlags = { ...checkFlags, ...thresholds } satisfies FlagTable<CheckFlags<FeaturesOptions>>;

export function register(parent: Command, cli: CliContext): void {
  declareCheck<CheckFlags<FeaturesOptions>>(parent, cli, {
    name: 'features',
    description: 'feature_snapshots at as-of: lag, fill rate on the 5 s grid, null rate per column, liq_5m_notional never null, no NaN',
    flags: featuresFlags,
    help: `
Symbol: the first configured Upbit market (CQT_UPBIT_MARKETS), the predictor's, unless --symbol names others.

Examples:
  $ cqt check features                                  # last 600 s
  $ cqt check features --window 1h --max-null-rate 1%
  $ cqt check features --ignore-column p_up --ignore-column p_down --json
  $ cqt check features --as-of 2026-11-23T10:00:00Z`,
    load: () => import('./index.js'),
  });
}
