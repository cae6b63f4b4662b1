// `cqt fake-exchange` declaration: the fake exchange loads only when the command runs.
import type { Command } from 'commander';
import { stopSignal, type CliContext } from '@cqt/config';
import { declareCommand, runDurationFlag, type CliOptions, type FlagSpec, type FlagTable } from '@cqt/config/command';
import type { FakeExchangeCommandOptions } from './index.js';

type FakeExchangeFlags = CliOptions<FakeExchangeCommandOptions, 'signal'>;

const positive = (flag: string, arg: string, describe: string, defaultValue: number, whole = false) =>
  ({
    flag,
    arg,
    describe,
    default: defaultValue,
    expected: whole ? 'a whole number > 0' : 'a number > 0',
    parse: (text: string) => {
      const n = Number(text);
      return text !== '' && n > 0 && Number.isFinite(n) ? (whole ? Math.trunc(n) : n) : undefined;
    },
  }) satisfies FlagSpec<number>;

const seed = positive('--seed', '<n>', 'seed of the synthetic market', 7, true);
const speed = positive('--speed', '<x>', 'replay speed factor', 1);
const port = { ...positive('--port', '<n>', 'port', 0, true), defaultText: 'any free port' };

export const fakeExchangeFlags = {
  synthetic: { flag: '--synthetic', describe: 'a seeded synthetic market (the default)' },
  seed,
  replay: { flag: '--replay', arg: '<path>', describe: 'replay recorded frames from a file or folder (hftbacktest / cryptofeed formats)' },
  speed,
  loop: { flag: '--loop', describe: 'restart the replay when it ends' },
  map: { flag: '--map', arg: '<pairs>', describe: 'serve recorded markets under other names, e.g. KRW-ADA=KRW-BTC,SUSHIUSDT=BTCUSDT' },
  port,
  coinglassKey: { flag: '--coinglass-key', arg: '<key>', describe: 'API key the fake Coinglass accepts', defaultText: 'a fixed test key' },
  durationSec: runDurationFlag('stop after this long (at most 365d)', { defaultText: 'until stopped' }),
  json: { flag: '--json', describe: 'print the URLs as one JSON object instead of env lines' },
} satisfies FlagTable<FakeExchangeFlags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<FakeExchangeFlags>(program, cli, {
    name: 'fake-exchange',
    description: 'serve a fake Upbit / Binance USD-M / Coinglass on loopback and print the env lines pointing a collector at it',
    flags: fakeExchangeFlags,
    help: `
Examples:
  $ cqt fake-exchange --synthetic --seed 7
  $ set -a; eval "$(cqt fake-exchange --seed 7 --duration 1h & sleep 2)"; set +a   # see docs/operations.md
  $ cqt fake-exchange --replay ../shared/fixtures/real --map KRW-ADA=KRW-BTC --loop`,
    async action(flags, context) {
      const { start } = await import('./index.js');
      await start({ ...flags, signal: stopSignal() }, async (output) => context.emit(output, flags));
    },
  });
}
