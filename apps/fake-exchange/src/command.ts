// `cqt fake-exchange` declaration: the fake exchange loads only when the command runs.
import type { Command } from 'commander';
import { parseDurationSec, UsageError, stopSignal, type CliContext } from '@cqt/config';

const positiveNumber = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`invalid ${flag} "${v}"`, 'expected a number > 0');
  return n;
};

export function register(program: Command, cli: CliContext): void {
  program
    .command('fake-exchange')
    .description('serve a fake Upbit / Binance USD-M / Coinglass on loopback and print the env lines pointing a collector at it')
    .option('--synthetic', 'a seeded synthetic market (the default)')
    .option('--seed <n>', 'seed of the synthetic market', (v) => Math.trunc(positiveNumber('--seed')(v)), 7)
    .option('--replay <path>', 'replay recorded frames from a file or folder (hftbacktest / cryptofeed formats)')
    .option('--speed <x>', 'replay speed factor', positiveNumber('--speed'), 1)
    .option('--loop', 'restart the replay when it ends')
    .option('--map <pairs>', 'serve recorded markets under other names, e.g. KRW-ADA=KRW-BTC,SUSHIUSDT=BTCUSDT')
    .option('--port <n>', 'port (default: any free port)', (v) => Math.trunc(positiveNumber('--port')(v)), 0)
    .option('--coinglass-key <key>', 'API key the fake Coinglass accepts (default: a fixed test key)')
    .option('--duration <dur>', 'stop after this long', (v) => parseDurationSec(v, '--duration'))
    .option('--json', 'print the URLs as one JSON object instead of env lines')
    .addHelpText(
      'after',
      `
Examples:
  $ cqt fake-exchange --synthetic --seed 7
  $ set -a; eval "$(cqt fake-exchange --seed 7 --duration 1h & sleep 2)"; set +a   # see docs/operations.md
  $ cqt fake-exchange --replay ../shared/fixtures/real --map KRW-ADA=KRW-BTC --loop`,
    )
    .action(async (opts) => {
      if (opts.synthetic && opts.replay) throw new UsageError('--synthetic and --replay exclude each other', 'choose one source');
      const { start } = await import('./index.js');
      const signal = stopSignal();
      await start({ ...opts, signal }, async (output) => cli.emit(output, opts));
    });
}
