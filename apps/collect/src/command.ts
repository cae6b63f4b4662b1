// `cqt collect` declaration; the collector loads only when the command runs.
import type { Command } from 'commander';
import { logFormatFlag, metricsFlags, parseDurationSec, stopSignal, type CliContext } from '@cqt/config';
import { declareCommand, durationFlag, jsonFlag, runDurationFlag, settingFlag, storeFlags, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { CollectOptions } from './index.js';
import { parseShard } from './shard.js';

type CollectFlags = CliOptions<CollectOptions, 'signal' | 'maxBufferRows' | 'spillDir' | 'staleAfterSec' | 'binanceMaxAgeSec' | 'env' | 'log'>;

export const collectFlags = {
  durationSec: runDurationFlag('stop after this long (90, 90s, 10m, 24h, 30d; at most 365d)', { defaultText: 'until stopped' }),
  upbitMarkets: settingFlag('upbitMarkets', '<list>', 'Upbit markets, e.g. KRW-BTC,KRW-ETH'),
  binanceSymbols: settingFlag('binanceSymbols', '<list>', 'Binance USD-M symbols, e.g. BTCUSDT'),
  top: {
    flag: '--top',
    arg: '<n>',
    describe: 'collect the first n markets of each venue\'s Top-N universe (stored by cqt backfill --top) instead of the lists',
    parse: (text: string) => (/^\d{1,4}$/.test(text) && Number(text) >= 1 ? Number(text) : undefined),
    expected: 'a whole number of markets from 1, e.g. 10',
  },
  shard: {
    flag: '--shard',
    arg: '<i/n>',
    describe: 'this collector of n takes every n-th coin of the lists (a coin\'s venues together), e.g. 1/2 and 2/2',
    parse: (text: string) => parseShard(text),
    expected: 'i/n with 1 ≤ i ≤ n, e.g. 1/2',
  },
  captureDir: { flag: '--capture', arg: '<dir>', describe: 'also save every received frame, gzip JSON lines rotated hourly' },
  jsonStatus: { flag: '--json-status', describe: 'status as JSON lines on stdout instead of a line on stderr' },
  statusIntervalSec: durationFlag('--status-interval', 'seconds between status lines', {
    defaultText: '5 on a TTY, 60 otherwise',
    // A status timer: 0 would print without pause, and Node fires one past ~24.8 days after 1 ms.
    parse: (text: string, flag: string) => {
      const sec = parseDurationSec(text, flag);
      return sec >= 1 && sec <= 86_400 ? sec : undefined;
    },
    expected: 'from 1 s to 24h, e.g. 5, 1m',
  }),
  ...storeFlags,
  ...metricsFlags,
  logFormat: logFormatFlag,
  json: { ...jsonFlag.json, describe: 'print the run summary as one JSON object at the end' },
} satisfies FlagTable<CollectFlags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<CollectFlags>(program, cli, {
    name: 'collect',
    description: 'collect Upbit, Binance USD-M and Coinglass data into the store until stopped (SIGINT/SIGTERM flush and exit 0)',
    flags: collectFlags,
    help: `
Examples:
  $ cqt collect                                  # until Ctrl-C, embedded store in ./data/cqt-db
  $ cqt collect --duration 10m --capture ./cap   # ten minutes, with raw frames saved
  $ DATABASE_URL=postgres://localhost/cqt cqt collect --upbit-markets KRW-BTC,KRW-ETH
  $ cqt collect --shard 1/2 & cqt collect --shard 2/2   # two processes, the coins split between them
  $ cqt collect --top 20 --shard 1/4                 # the Top-20 of cqt backfill --top, a quarter of it`,
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      await context.emit(output(await run({ ...flags, signal: stopSignal() })), flags);
    },
  });
}
