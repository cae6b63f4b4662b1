// One backtest in a fresh process (the "process start included" rows of the backtest bench):
// load the package, make N candles, run VolumeZoneBreakout with defaults, print the in-process ms.
import { backtest, resolveParams, volumeZoneBreakout } from '@cqt/backtest';
import { MINUTE_BARS_PER_YEAR, walkCandles } from './backtestCandles.js';

const n = Number(process.argv[2]);
const candles = walkCandles(n);
const start = performance.now();
const result = backtest(candles, volumeZoneBreakout, resolveParams(volumeZoneBreakout, {}), { cash: 1_000_000, feeRate: 0.001, slippageRate: 0.0002, barsPerYear: MINUTE_BARS_PER_YEAR });
process.stdout.write(`${JSON.stringify({ ms: performance.now() - start, trades: result.metrics.trades })}\n`);
