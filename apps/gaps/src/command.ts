// `cqt gaps` declaration (loaded by `cqt` at start-up): its flags, help and examples; the
// implementation is imported when the command runs.
import type { Command } from 'commander';
import { settings, type CliContext } from '@cqt/config';
import { declareCommand, jsonFlag, storeFlags, timeFlag, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { GapsOptions } from './index.js';

type Flags = CliOptions<GapsOptions, 'nowMs' | 'env' | 'db'>;

export const gapsFlags = {
  venue: { flag: '--venue', arg: '<venue>', describe: 'only this venue: upbit or binance', defaultText: 'both', expected: 'upbit or binance', parse: (t: string) => (t === 'upbit' || t === 'binance' ? t : undefined) },
  symbols: { flag: '--symbol', arg: '<symbols>', describe: 'only these markets, comma separated or repeated', defaultText: 'every stored series', repeatable: true },
  timeframes: { flag: '--timeframe', arg: '<tfs>', describe: 'only these timeframes, comma separated: 1m,1h,1d', defaultText: 'all', repeatable: true },
  from: timeFlag('--from', 'window start (candle open time): ISO 8601 with a zone, a UTC date or epoch ms', { defaultText: "each series' first covered candle" }),
  to: timeFlag('--to', 'window end, exclusive', { defaultText: "one candle after each series' cursor" }),
  repair: { flag: '--repair', describe: 'fetch the unknown ranges from the venue (as cqt backfill does), then report what is left' },
  ...jsonFlag,
  ...storeFlags,
} satisfies FlagTable<Flags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<Flags>(program, cli, {
    name: 'gaps',
    description: 'list unknown candle ranges, exchange holes and pruned ranges per series; --repair fetches the unknown ones; exit 1 while unknown ranges remain',
    flags: gapsFlags,
    help: `
A candle slot is known when candle_coverage says the venue was asked (queried: a missing Upbit
candle there means no trade), has nothing there (exchange_hole: Binance maintenance) or retention
deleted it (pruned). Anything else in the window is unknown. Series: every (venue, symbol,
timeframe) with a cursor or coverage, filtered by the flags; with --venue, --symbol and
--timeframe all given, those series even before their first backfill (needs --from).
Endpoints for --repair: ${settings.upbitRestUrl.env}, ${settings.binanceRestUrl.env}.

Examples:
  $ cqt gaps                                              # every series' own history
  $ cqt gaps --venue upbit --symbol KRW-BTC --timeframe 1m --from 2026-11-20 --repair
  $ cqt gaps --json || mail -s "candle gaps" ops          # cron gate

Exit codes: 0 no unknown range, 1 unknown ranges remain, 2 usage error or runtime failure.`,
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      await context.emit(output(await run(flags)), flags);
    },
  });
}
