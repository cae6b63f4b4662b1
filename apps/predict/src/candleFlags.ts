// Flags of `cqt predict --timeframe` (candle-boundary predictions), spread into predict's flag
// table. Kept apart from candles.ts so declaring the command loads no engine.
import { durationFlag, type FlagSpec } from '@cqt/config/command';

const positiveInt = (flag: string, arg: string, describe: string, defaultValue: number) =>
  ({
    flag,
    arg,
    describe,
    default: defaultValue,
    expected: 'a whole number ≥ 1',
    parse: (text: string) => (/^[1-9][0-9]*$/.test(text) ? Number(text) : undefined),
  }) satisfies FlagSpec<number>;

/** Flags of the candle mode, spread into predict's flag table. */
export const candleFlags = {
  timeframe: { flag: '--timeframe', arg: '<tf>', describe: `predict on this candle series' closes (1m 3m 5m 10m 15m 30m 1h 2h 4h 6h 8h 12h 1d 1w) from the candle history instead of 5 s snapshots` },
  venue: { flag: '--venue', arg: '<venue>', describe: 'with --timeframe: the candle venue (upbit | binance)', default: 'upbit' },
  horizonCandles: positiveInt('--horizon-candles', '<n>', 'with --timeframe: the barrier outcome over the next N candles', 4),
  lookbackCandles: positiveInt('--lookback-candles', '<k>', 'with --timeframe: sigma from the last K close-to-close returns (K + 1 closed candles)', 24),
  pollSec: durationFlag('--poll', 'with --timeframe: live loop, how often to look for newly closed candles', { default: 5, defaultText: '5 s' }),
} as const;

