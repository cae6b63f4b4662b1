// `cqt check altdata` declaration (loaded by `cqt` at start-up): its flags and thresholds, help and
// examples; the implementation is imported when the check runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import type { FlagTable } from '@cqt/config/command';
import { checkFlags, declareCheck, lagThresholds, ratioThreshold, type CheckFlags } from '@cqt/checks/command';
import { defaultPolicies } from '@cqt/freshness';
import type { AltdataOptions } from './index.js';

/** Thresholds: flag > CQT_CHECK_ALTDATA_* > default, resolved by the run. */
export const thresholds = {
  ...lagThresholds('altdata', 'a 1 s source lags', defaultPolicies.market_1s),
  minFill: ratioThreshold('--min-fill', 'CQT_CHECK_ALTDATA_MIN_FILL', 'fail when a 1 s source fills less of the window', 0.95),
};

export const altdataFlags = { ...checkFlags, ...thresholds } satisfies FlagTable<CheckFlags<AltdataOptions>>;

export function register(parent: Command, cli: CliContext): void {
  declareCheck<CheckFlags<AltdataOptions>>(parent, cli, {
    name: 'altdata',
    description: 'raw data at as-of: mark price and Upbit 1 s bars (lag, fill rate), futures metrics lag, forceOrder stream, Coinglass maps',
    flags: altdataFlags,
    help: `
Symbols: Upbit markets (with a dash, KRW-BTC) and Binance symbols (BTCUSDT) are told apart by
their form; a venue not named keeps its configured list (CQT_UPBIT_MARKETS, CQT_BINANCE_SYMBOLS).
Futures metrics are judged against their poll interval (BINANCE_POLL_SEC, at least the endpoint's
5 min period for ratios and basis); Coinglass is a stated skip when disabled or keyless.

Examples:
  $ cqt check altdata                                  # last 600 s, configured symbols
  $ cqt check altdata --window 10m --min-fill 99%
  $ cqt check altdata --as-of 2026-11-23T10:00:00Z --json
  $ cqt check altdata --symbol KRW-BTC --symbol BTCUSDT`,
    load: () => import('./index.js'),
  });
}
