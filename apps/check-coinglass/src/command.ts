// `cqt check coinglass` declaration (loaded by `cqt` at start-up): its flags and threshold, help
// and examples; the implementation is imported when the check runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import type { FlagTable } from '@cqt/config/command';
import { checkFlags, declareCheck, ratioThreshold, type CheckFlags } from '@cqt/checks/command';
import type { CoinglassOptions } from './index.js';

/** Threshold: flag > CQT_CHECK_COINGLASS_MIN_OK_RATE > default, resolved by the run. */
export const thresholds = {
  minOkRate: ratioThreshold('--min-ok-rate', 'CQT_CHECK_COINGLASS_MIN_OK_RATE', 'fail when fewer recent calls succeeded', 0.5),
};

// Coinglass has no symbols: every flag but --symbol.
const { symbols: _symbols, ...withoutSymbols } = checkFlags;
export const coinglassFlags = { ...withoutSymbols, ...thresholds } satisfies FlagTable<CheckFlags<CoinglassOptions>>;

export function register(parent: Command, cli: CliContext): void {
  declareCheck<CheckFlags<CoinglassOptions>>(parent, cli, {
    name: 'coinglass',
    description: 'Coinglass: enabled, a real key, recent calls ok (fails when enabled without a real key; skips when disabled)',
    flags: coinglassFlags,
    help: `
Calls are counted over the window, but at least 3 × COINGLASS_POLL_SEC.

Examples:
  $ cqt check coinglass
  $ COINGLASS_ENABLED=true cqt check coinglass --json    # exit 1 without a real COINGLASS_API_KEY
  $ cqt check coinglass --window 1h --min-ok-rate 90%`,
    load: () => import('./index.js'),
  });
}
