// The package's input errors as the CLI's usage errors. @cqt/backtest is pure and knows no exit
// codes (it throws BacktestInputError); the app calls the package functions that refuse input
// through these wrappers, so a bad --param, grid or candle set is still one line and a hint, exit 2
// (decision 95).
import {
  BacktestInputError,
  checkCandles as checkCandlesOf,
  expandGrid as expandGridOf,
  parseGrid as parseGridOf,
  parseParams as parseParamsOf,
  type CandleCheck,
  type CandleCheckOptions,
  type Candles,
  type Grid,
  type GridAxis,
  type Strategy,
} from '@cqt/backtest';
import { UsageError } from '@cqt/config';

/** fn's result; a BacktestInputError it throws becomes a UsageError with the same words. */
export function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BacktestInputError) throw new UsageError(err.message, err.hint, err);
    throw err;
  }
}

export const parseParams = <P>(strategy: Strategy<P>, texts?: readonly string[]): P => asUsage(() => parseParamsOf(strategy, texts));
export const checkCandles = (c: Candles, options: CandleCheckOptions): CandleCheck => asUsage(() => checkCandlesOf(c, options));
export const parseGrid = (strategy: Strategy<any>, texts: readonly string[]): GridAxis[] => asUsage(() => parseGridOf(strategy, texts));
export const expandGrid = <P>(strategy: Strategy<P>, axes: readonly GridAxis[]): Grid<P> => asUsage(() => expandGridOf(strategy, axes));
