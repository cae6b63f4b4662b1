// `cqt check <altdata|features|leak|coinglass|dataset|all>`: each check comes from its app; `all` runs
// every store check on one store connection and fails if any item fails.
import type { Command } from 'commander';
import type { CliContext } from '@cqt/config';
import { declareCommand } from '@cqt/config/command';
import { register as registerAltdata } from '@cqt/check-altdata/command';
import { register as registerFeatures } from '@cqt/check-features/command';
import { register as registerLeak } from '@cqt/check-leak/command';
import { register as registerCoinglass } from '@cqt/check-coinglass/command';
import { register as registerDataset } from '@cqt/check-dataset/command';
import { register as registerCandles } from '@cqt/check-candles/command';
import { CHECK_EXIT_CODES, checkFlags, type CheckFlags } from '@cqt/checks/command';
import type { CheckReport } from '@cqt/checks';
import type { Db } from '@cqt/db';

export function registerCheck(program: Command, cli: CliContext): void {
  const check = program.command('check').description('data-quality gates: exit 0 all pass, 1 any fail, 2 error');
  registerAltdata(check, cli);
  registerFeatures(check, cli);
  registerLeak(check, cli);
  registerCoinglass(check, cli);
  registerCandles(check, cli);
  // A file check, not a store check: it is not part of `check all`.
  registerDataset(check, cli);
  declareCommand<CheckFlags>(check, cli, {
    name: 'all',
    description: 'every check that exists (altdata, features, leak, coinglass; candles once a series is stored); fails if any item fails',
    flags: checkFlags,
    help: `
Thresholds come from each check's CQT_CHECK_<CHECK>_* variables (see \`cqt check <name> --help\`).

Examples:
  $ cqt check all --window 600                 # cron / CI gate
  $ cqt check all --as-of 2026-11-23T10:00:00Z --json

${CHECK_EXIT_CODES}`,
    action: async (flags, context) => context.emit(await checkAll(flags), flags),
  });
}

async function checkAll(flags: CheckFlags) {
  const [{ loadConfig }, { openDb }, { checkOutput, resolveAsOfMs }] = await Promise.all([import('@cqt/config'), import('@cqt/db'), import('@cqt/checks')]);
  const { json: _json, ...options } = flags;
  // One as-of for every check, so their answers describe the same instant.
  const asOf = resolveAsOfMs(options.asOf);
  const { values: config } = loadConfig({ flags: { databaseUrl: options.databaseUrl, dataDir: options.dataDir } });
  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return checkOutput(await runGates({ ...options, asOf, db }));
  } finally {
    await db.close();
  }
}

/** Every store gate of `check all` on one handle at one as-of; `cqt serve`'s /api/checks runs the same. */
export async function runGates(options: Omit<CheckFlags, 'json' | 'asOf'> & { asOf: number; db: Db }): Promise<CheckReport[]> {
  const [altdata, features, leak, coinglass, candles] = await Promise.all([
    import('@cqt/check-altdata'),
    import('@cqt/check-features'),
    import('@cqt/check-leak'),
    import('@cqt/check-coinglass'),
    import('@cqt/check-candles'),
  ]);
  const reports = [
    await altdata.run(options),
    await features.run(options),
    await leak.run(options),
    await coinglass.run({ window: options.window, asOf: options.asOf, db: options.db }),
  ];
  // Candles join once a series exists (cqt backfill ran): a store without any is not failing.
  const candleReport = await candles.run(options);
  if (candleReport.overall !== 'skip') reports.push(candleReport);
  return reports;
}
