// Summary statistics of one run. Definitions: docs/backtest.md §Metrics. A ratio that does not
// exist (no trades, no losses, no variance) is null, never NaN or Infinity, so JSON keeps it.
import type { EngineResult } from './engine.js';

export interface Metrics {
  initialCash: number;
  finalEquity: number;
  totalReturn: number;
  buyHoldReturn: number;
  excessReturn: number;
  cagr: number | null;
  maxDrawdown: number;
  /** Bars from the peak before the deepest drawdown to the recovery (or the last bar if none). */
  maxDrawdownBars: number;
  sharpe: number | null;
  sortino: number | null;
  trades: number;
  winRate: number | null;
  profitFactor: number | null;
  /** Mean pnl per trade, in cash. */
  expectancy: number | null;
  /** Mean return per trade. */
  expectancyReturn: number | null;
  /** Share of bars with a position held. */
  exposure: number;
  avgBarsHeld: number | null;
  skippedSignals: number;
  bars: number;
}

export interface MetricsInput {
  run: EngineResult;
  initialCash: number;
  /** The buy-and-hold run over the same candles with the same costs. */
  buyHoldFinal: number;
  /** Bars per year of the timeframe (365 days / bar length), to annualise. */
  barsPerYear: number;
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

export function computeMetrics({ run, initialCash, buyHoldFinal, barsPerYear }: MetricsInput): Metrics {
  const { equity } = run;
  const trades = run.tradeLog ? [] : run.trades;
  const n = equity.length;
  const finalEquity = n > 0 ? equity[n - 1] : initialCash;
  const totalReturn = finalEquity / initialCash - 1;
  const buyHoldReturn = buyHoldFinal / initialCash - 1;

  // Per-bar returns, the first against the starting cash.
  let mean = 0, m2 = 0, downSq = 0;
  let prev = initialCash;
  // Drawdown from the running peak (the starting cash is the peak at index −1); the deepest one's
  // duration runs from its peak to the first bar back at that peak, or to the last bar.
  let peak = initialCash, peakIndex = -1, maxDrawdown = 0, ddPeak = -1, ddEnd = -1;
  for (let i = 0; i < n; i++) {
    const r = equity[i] / prev - 1;
    prev = equity[i];
    const d = r - mean;
    mean += d / (i + 1);
    m2 += d * (r - mean);
    if (r < 0) downSq += r * r;
    if (equity[i] >= peak) {
      if (maxDrawdown > 0 && peakIndex === ddPeak && ddEnd < 0) ddEnd = i;
      peak = equity[i];
      peakIndex = i;
    } else if (1 - equity[i] / peak > maxDrawdown) {
      maxDrawdown = 1 - equity[i] / peak;
      ddPeak = peakIndex;
      ddEnd = -1;
    }
  }
  const maxDrawdownBars = maxDrawdown > 0 ? (ddEnd >= 0 ? ddEnd : n - 1) - ddPeak : 0;
  const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
  const downside = n > 0 ? Math.sqrt(downSq / n) : 0;
  const annual = Math.sqrt(barsPerYear);
  const years = n / barsPerYear;

  // From the engine's columns when it kept them (no object per trade), else from the objects.
  const log = run.tradeLog;
  const count = log ? log.length : trades.length;
  let wins = 0, grossWin = 0, grossLoss = 0, pnlSum = 0, returnSum = 0, barsHeld = 0;
  for (let k = 0; k < count; k++) {
    const pnl = log ? log.pnl[k] : trades[k].pnl;
    if (pnl > 0) (wins++, (grossWin += pnl));
    else if (pnl < 0) grossLoss -= pnl;
    pnlSum += pnl;
    returnSum += log ? log.return[k] : trades[k].return;
    barsHeld += log ? log.barsHeld[k] : trades[k].barsHeld;
  }

  return {
    initialCash,
    finalEquity,
    totalReturn,
    buyHoldReturn,
    excessReturn: totalReturn - buyHoldReturn,
    cagr: years > 0 && finalEquity > 0 ? finiteOrNull(Math.pow(finalEquity / initialCash, 1 / years) - 1) : null,
    maxDrawdown,
    maxDrawdownBars,
    sharpe: std > 0 ? (mean / std) * annual : null,
    sortino: downside > 0 ? (mean / downside) * annual : null,
    trades: count,
    winRate: count ? wins / count : null,
    profitFactor: grossLoss > 0 ? grossWin / grossLoss : null,
    expectancy: count ? pnlSum / count : null,
    expectancyReturn: count ? returnSum / count : null,
    exposure: n ? barsHeld / n : 0,
    avgBarsHeld: count ? barsHeld / count : null,
    skippedSignals: run.skippedSignals,
    bars: n,
  };
}
