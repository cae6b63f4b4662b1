// The package's one failure a caller can fix: bad parameters, a bad grid, or candles that cannot
// be run (corrupt, duplicated, out of order, off the grid, holes). The engine is pure and knows no
// CLI, so this is its own class; apps/backtest turns it into the CLI's usage error (exit 2, the
// hint printed) where it calls the package (decision 95).
export class BacktestInputError extends Error {
  /** What the user can do about it. */
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.name = 'BacktestInputError';
    this.hint = hint;
  }
}
