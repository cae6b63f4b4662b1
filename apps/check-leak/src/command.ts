// `cqt check leak` declaration (loaded by `cqt` at start-up): its flags, help and examples; the
// implementation is imported when the check runs.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import type { FlagSpec, FlagTable } from '@cqt/config/command';
import { checkFlags, declareCheck, type CheckFlags } from '@cqt/checks/command';
import type { LeakOptions } from './index.js';

export const leakFlags = {
  ...checkFlags,
  sample: {
    flag: '--sample',
    arg: '<n>',
    describe: 'snapshots to recompute per market, evenly spread over the window',
    default: 20,
    expected: 'a whole number of snapshots ≥ 1, e.g. 20',
    parse: (text) => (/^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : undefined),
  } satisfies FlagSpec<number>,
} satisfies FlagTable<CheckFlags<LeakOptions>>;

export function register(parent: Command, cli: CliContext): void {
  declareCheck<CheckFlags<LeakOptions>>(parent, cli, {
    name: 'leak',
    description: 'look-ahead check: recompute a sample of stored snapshots from raw data cut at each t0 (recv_ts <= t0) and compare every column',
    flags: leakFlags,
    help: `
Fails when a recomputed value differs from the stored one (the item names the column and t0), when
a snapshot's inputs_max_recv_ts is after its ts, or when the window holds no snapshot to verify.
Symbol: the first configured Upbit market (CQT_UPBIT_MARKETS), the predictor's, unless --symbol names others.

Examples:
  $ cqt check leak                                  # 20 snapshots of the last 600 s
  $ cqt check leak --window 1h --sample 100
  $ cqt check leak --as-of 2026-11-23T10:00:00Z --json`,
    load: () => import('./index.js'),
  });
}
