// `cqt backfill` declaration (loaded by `cqt` at start-up): its flags, help and examples; the
// implementation is imported when the command runs.
import type { Command } from 'commander';
import { logFormatFlag, metricsFlags, settings, stopSignal, type CliContext } from '@cqt/config';
import { declareCommand, durationFlag, jsonFlag, storeFlags, timeFlag, type CliOptions, type FlagTable } from '@cqt/config/command';
import type { BackfillOptions } from './index.js';

type Flags = CliOptions<BackfillOptions, 'nowMs' | 'env' | 'db' | 'onPage' | 'signal' | 'log'>;

const list = (text: string) => {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  return items.length ? items : undefined;
};

export const backfillFlags = {
  venue: { flag: '--venue', arg: '<venue>', describe: 'upbit (KRW spot) or binance (USD-M)', expected: 'upbit or binance', parse: (t: string) => (t === 'upbit' || t === 'binance' ? t : undefined) },
  symbols: { flag: '--symbol', arg: '<symbols>', describe: 'markets, comma separated or repeated: KRW-BTC,KRW-ETH (upbit), BTCUSDT (binance)', repeatable: true },
  top: { flag: '--top', arg: '<n>', describe: 'instead of --symbol: the N most traded markets over 24 h (Upbit KRW by acc_trade_price_24h, Binance USD-M perpetuals by quoteVolume), printed and stored in candle_universe', expected: 'a whole number from 1 to 500', parse: (t: string) => (/^\d+$/.test(t) && Number(t) >= 1 && Number(t) <= 500 ? Number(t) : undefined) },
  timeframes: { flag: '--timeframe', arg: '<tfs>', describe: 'timeframes, comma separated: 1m,1h,1d (upbit: 1m 3m 5m 10m 15m 30m 1h 4h 1d 1w 1M)', default: ['1m'], expected: 'a comma list such as 1m,1h,1d', parse: list },
  from: timeFlag('--from', 'start (candle open time): ISO 8601 with a zone, a UTC date or epoch ms', { defaultText: "each series' cursor" }),
  since: durationFlag('--since', 'start this long before now: 90d, 12h', { expected: 'a duration such as 90d or 12h' }),
  to: timeFlag('--to', 'end, exclusive (candles opening before it)', { defaultText: 'the newest closed candle by the venue clock' }),
  rerank: durationFlag('--rerank', 'with --top and --follow: rank the universe anew this often (on the UTC grid: 1h → at hh:00:03), backfill entering markets, stop following leaving ones', { defaultText: '1h', expected: 'a duration such as 1h, 30m or 1d' }),
  follow: { flag: '--follow', describe: 'keep every series current until SIGINT/SIGTERM, waking just after each candle closes (per timeframe); backs off through outages and catches up from the cursors' },
  ...jsonFlag,
  ...storeFlags,
  ...metricsFlags,
  logFormat: { ...logFormatFlag, describe: `with --follow: ${logFormatFlag.describe}` },
} satisfies FlagTable<Flags>;

export function register(program: Command, cli: CliContext): void {
  declareCommand<Flags>(program, cli, {
    name: 'backfill',
    description: 'fetch closed candles from the venue REST API into candles, within its rate limits; incremental from each series\' cursor; resumable',
    flags: backfillFlags,
    help: `
Incremental by default: each (venue, symbol, timeframe) continues one candle after its cursor
(ingest_state.last_closed_ts) up to the newest candle closed by the venue's clock. A first run
needs --from or --since. Ranges already queried (candle_coverage) are never fetched again, so a
run killed at any moment is simply run again. Endpoints: ${settings.upbitRestUrl.env}, ${settings.binanceRestUrl.env}.

Examples:
  $ cqt backfill --venue upbit --symbol KRW-BTC,KRW-ETH --timeframe 1m,1h,1d --since 90d
  $ cqt backfill --venue upbit --symbol KRW-BTC --timeframe 1m,1h,1d          # cron: continue from the cursors
  $ cqt backfill --venue binance --top 10 --timeframe 1h,1d --since 365d        # the 10 most traded perpetuals
  $ cqt backfill --venue upbit --symbol KRW-BTC --timeframe 1m,1h,1d --follow   # keep current until Ctrl-C
  $ cqt backfill --venue upbit --top 10 --timeframe 1m --since 2d --follow --rerank 1h   # re-rank hourly
  $ cqt backfill --venue binance --symbol BTCUSDT --timeframe 1m --from 2026-01-01 --to 2026-02-01 --json

With --follow the command stays up: after the first pass it wakes just after each candle of each
timeframe closes (1m every minute, 1d at 00:00 UTC, …), fetches from the cursor, and on a failed
or short pass backs off (2 s, 4 s, … 5 min, never past the next close). SIGINT/SIGTERM stop it
before the next page; what is committed stays. With --top it re-ranks the universe every
--rerank (1h): the new universe is printed (stderr) and stored, entering markets are backfilled
from --from/--since, leaving ones are no longer followed (their candles stay).

Exit codes: 0 done (or stopped), 2 usage error or runtime failure (what was committed stays; run again to resume).`,
    async action(flags, context) {
      const { run, output } = await import('./index.js');
      // Progress only for a person watching: never in cron mail or pipes.
      const onPage = process.stderr.isTTY && !flags.json
        ? (line: string) => process.stderr.write(`\r${line}\u001b[K`)
        : undefined;
      const result = await run({
        ...flags,
        onPage,
        // Following, the log is the default one: human lines with the time, or --log-format json.
        ...(flags.follow ? { signal: stopSignal() } : {}),
      });
      if (onPage) process.stderr.write('\r\u001b[K');
      await context.emit(output(result), flags);
    },
  });
}
