// `cqt demo` declaration; the demo loads only when the command runs.
import type { Command } from 'commander';
import { parseDurationSec, stopSignal, type CliContext } from '@cqt/config';

export function register(program: Command, cli: CliContext): void {
  program
    .command('demo')
    .description('the whole loop offline: fake exchange → collect ~60 s → predict → check all → export Parquet')
    .option('--duration <dur>', 'how long to collect (default 60s)', (v) => parseDurationSec(v, '--duration'))
    .option('--seed <n>', 'seed of the synthetic market (default 7)', (v) => Number.parseInt(v, 10))
    .option('--dir <dir>', 'folder for the store and the dataset (default ./data/demo-<time>)')
    .option('--horizon <dur>', 'label horizon (default 10s, short enough for a one-minute demo)', (v) => parseDurationSec(v, '--horizon'))
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', '\nExamples:\n  $ cqt demo\n  $ cqt demo --duration 3m --seed 11 --dir /tmp/cqt-demo')
    .action(async (opts) => {
      const { run, output } = await import('./index.js');
      const signal = stopSignal();
      const result = await run({
        binPath: process.argv[1],
        durationSec: opts.duration,
        seed: opts.seed,
        dir: opts.dir,
        horizonSec: opts.horizon,
        signal,
      });
      await cli.emit(output(result), opts);
    });
}
