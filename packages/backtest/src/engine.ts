// The execution engine and position manager: one long position at a time, all cash in, fills at
// the next open with slippage and a fee on each side, optional intrabar stop-loss / take-profit.
// The rules are ../shared/reference/volume-zone-breakout.md §Execution; docs/backtest.md states them.
import type { Candles } from './candles.js';
import type { Signals } from './strategy.js';

export type ExitReason = 'hold' | 'signal' | 'stop_loss' | 'take_profit' | 'end_of_data';

export interface Position {
  entryIndex: number;
  entryTsMs: number;
  qty: number;
  /** Fill price after slippage. */
  entryPrice: number;
  entryFee: number;
  /** Cash before the entry (the trade's stake). */
  stake: number;
}

export interface Trade {
  entryIndex: number;
  exitIndex: number;
  entryTsMs: number;
  exitTsMs: number;
  side: 'long';
  qty: number;
  entryPrice: number;
  exitPrice: number;
  /** Entry fee + exit fee. */
  fees: number;
  /** Cash after the exit − cash before the entry. */
  pnl: number;
  /** pnl / cash before the entry. */
  return: number;
  exitReason: ExitReason;
  /** Bars the position was held through (the exit bar counts when the exit is intrabar or at its close). */
  barsHeld: number;
}

export interface PositionCallbacks {
  opened?(position: Readonly<Position>): void;
  /** At each close while the position is open: its mark-to-market equity. */
  updated?(position: Readonly<Position>, mark: { index: number; tsMs: number; close: number; equity: number }): void;
  closed?(trade: Readonly<Trade>): void;
}

export interface ExecutionOptions {
  /** Starting cash. */
  cash: number;
  /** Fee per side as a fraction of notional (0.001 = 10 bps). */
  feeRate: number;
  /** Slippage as a fraction of price (0.0002 = 2 bps), against the trader on each fill. */
  slippageRate: number;
  /** Stop-loss as a fraction below the entry fill (0.05 = 5 %). */
  stopLoss?: number;
  /** Take-profit as a fraction above the entry fill. */
  takeProfit?: number;
  callbacks?: PositionCallbacks;
}

export interface EngineResult {
  trades: Trade[];
  /** Mark-to-market equity at each candle's close (after the final exit on the last candle). */
  equity: Float64Array;
  /** Quantity held at each candle's close. */
  position: Float64Array;
  /** Entry signals whose entry candle came while a position was still open. */
  skippedSignals: number;
  finalCash: number;
}

/** A fill on candle i must lie within its range: the invariant every fill is checked against. */
function assertInside(c: Candles, i: number, price: number, what: string): void {
  if (!(price >= c.low[i] && price <= c.high[i])) {
    throw new Error(`internal: ${what} fill ${price} outside [${c.low[i]}, ${c.high[i]}] of candle ${i}`);
  }
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);

export function runEngine(c: Candles, signals: Signals, options: ExecutionOptions): EngineResult {
  const n = c.length;
  const { feeRate: fee, slippageRate: slip, stopLoss, takeProfit, callbacks } = options;
  const equity = new Float64Array(n);
  const position = new Float64Array(n);
  const trades: Trade[] = [];
  let cash = options.cash;
  let pos: Position | null = null;
  let skippedSignals = 0;
  const { entry, exit, holdBars } = signals;

  const close = (i: number, rawPrice: number, reason: ExitReason, barsHeld: number) => {
    const p = pos!;
    const exitPrice = clamp(rawPrice * (1 - slip), c.low[i], c.high[i]);
    assertInside(c, i, exitPrice, 'sell');
    const proceeds = p.qty * exitPrice;
    const exitFee = proceeds * fee;
    cash = proceeds - exitFee;
    const pnl = cash - p.stake;
    const trade: Trade = {
      entryIndex: p.entryIndex, exitIndex: i, entryTsMs: p.entryTsMs, exitTsMs: c.tsMs[i], side: 'long', qty: p.qty,
      entryPrice: p.entryPrice, exitPrice, fees: p.entryFee + exitFee, pnl, return: pnl / p.stake, exitReason: reason, barsHeld,
    };
    trades.push(trade);
    pos = null;
    callbacks?.closed?.(trade);
  };

  for (let i = 0; i < n; i++) {
    const open = c.open[i];
    // At the open: a scheduled exit fills first, then an entry may fill at the same open.
    if (pos) {
      const held = i - pos.entryIndex;
      if (holdBars !== undefined && held >= holdBars) close(i, open, 'hold', held);
      else if (exit && exit[i - 1] && i - 1 >= pos.entryIndex) close(i, open, 'signal', held);
    }
    if (i > 0 && entry[i - 1]) {
      if (pos) skippedSignals++;
      else {
        const entryPrice = clamp(open * (1 + slip), c.low[i], c.high[i]);
        assertInside(c, i, entryPrice, 'buy');
        const qty = cash / (entryPrice * (1 + fee));
        pos = { entryIndex: i, entryTsMs: c.tsMs[i], qty, entryPrice, entryFee: qty * entryPrice * fee, stake: cash };
        cash = 0;
        callbacks?.opened?.(pos);
      }
    }
    // Intrabar, pessimistic for a long: the path is open → low → high → close, so the stop is
    // tested before the target, and a bar that reaches both exits at the stop.
    if (pos && (stopLoss !== undefined || takeProfit !== undefined)) {
      const stopPx = stopLoss === undefined ? -Infinity : pos.entryPrice * (1 - stopLoss);
      const targetPx = takeProfit === undefined ? Infinity : pos.entryPrice * (1 + takeProfit);
      const held = i - pos.entryIndex + 1;
      // A bar opening beyond a level fills at its open (the gap), not at the level.
      if (c.low[i] <= stopPx) close(i, Math.min(open, stopPx), 'stop_loss', held);
      else if (c.high[i] >= targetPx) close(i, Math.max(open, targetPx), 'take_profit', held);
    }
    if (pos) {
      position[i] = pos.qty;
      equity[i] = pos.qty * c.close[i];
      callbacks?.updated?.(pos, { index: i, tsMs: c.tsMs[i], close: c.close[i], equity: equity[i] });
    } else equity[i] = cash;
  }
  if (pos && n > 0) {
    const last = n - 1;
    close(last, c.close[last], 'end_of_data', n - (pos as Position).entryIndex);
    equity[last] = cash;
    position[last] = 0;
  }
  return { trades, equity, position, skippedSignals, finalCash: cash };
}
