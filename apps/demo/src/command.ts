// `cqt demo` declaration; the demo loads only when the command runs.
import type { Command } from 'commander';
import { stopSignal, type CliContext } from '@cqt/config';
import { declareCommand, durationFlag, jsonFlag, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { DemoOptions } from './index.js';

type DemoFlags = CliOptions<DemoOptions, 'binPath' | 'log' | 'signal'>;

const duration = durationFlag('--duration', 'how long to collect', { default: 60, defaultText: '60s' });
const horizon = durationFlag('--horizon', 'label horizon, short enough for a one-minute demo', { default: 10, defaultText: '10s' });

export const demoFlags = {
  durationSec: duration,
  seed: {
    flag: '--seed',
    arg: '<n>',
    describe: 'seed of the synthetic market',
    default: 7,
    expected: 'a whole number',
    parse: (text: string) => (/^\d+$/.test(text) ? Number(text) : undefined),
  },
  dir: { flag: '--dir', arg: '<dir>', describe: 'folder for the store and the dataset', defaultText: './data/demo-<time>' },
  horizonSec: horizon,
  json: { ...jsonFlag.json, describe: 'print the result as one JSON object' },
} satisfies FlagTable<DemoFlags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<DemoFlags>(program, cli, {
    name: 'demo',
    description: 'the whole loop offline: fake exchange → collect ~60 s → predict → check all → export Parquet',
    flags: demoFlags,
    help: 'Examples:\n  $ cqt demo\n  $ cqt demo --duration 3m --seed 11 --dir /tmp/cqt-demo',
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      await context.emit(output(await run({ ...flags, binPath: process.argv[1], signal: stopSignal() })), flags);
    },
  });
}
