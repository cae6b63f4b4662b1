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

/**
 * One long position at a time, all cash in: opens and closes at given raw prices (slippage, the
 * clamp into the candle and the fees applied here), marks to market, tells the callbacks.
 */
export class PositionManager {
  cash: number;
  position: Position | null = null;
  readonly trades: Trade[] = [];
  private readonly fee: number;
  private readonly slip: number;

  constructor(
    private readonly c: Candles,
    options: ExecutionOptions,
    private readonly callbacks: PositionCallbacks | undefined = options.callbacks,
  ) {
    this.cash = options.cash;
    this.fee = options.feeRate;
    this.slip = options.slippageRate;
  }

  /** Buys with all cash on candle i at `rawPrice` × (1 + slippage), clamped into the candle. */
  open(i: number, rawPrice: number): void {
    const c = this.c;
    const entryPrice = clamp(rawPrice * (1 + this.slip), c.low[i], c.high[i]);
    assertInside(c, i, entryPrice, 'buy');
    const stake = this.cash;
    const qty = stake / (entryPrice * (1 + this.fee));
    const position: Position = { entryIndex: i, entryTsMs: c.tsMs[i], qty, entryPrice, entryFee: qty * entryPrice * this.fee, stake };
    this.position = position;
    this.cash = 0;
    this.callbacks?.opened?.(position);
  }

  /** Sells everything on candle i at `rawPrice` × (1 − slippage), clamped into the candle. */
  close(i: number, rawPrice: number, reason: ExitReason, barsHeld: number): void {
    const c = this.c;
    const p = this.position!;
    const exitPrice = clamp(rawPrice * (1 - this.slip), c.low[i], c.high[i]);
    assertInside(c, i, exitPrice, 'sell');
    const proceeds = p.qty * exitPrice;
    const exitFee = proceeds * this.fee;
    const cash = proceeds - exitFee;
    const pnl = cash - p.stake;
    const trade: Trade = {
      entryIndex: p.entryIndex, exitIndex: i, entryTsMs: p.entryTsMs, exitTsMs: c.tsMs[i], side: 'long', qty: p.qty,
      entryPrice: p.entryPrice, exitPrice, fees: p.entryFee + exitFee, pnl, return: pnl / p.stake, exitReason: reason, barsHeld,
    };
    this.cash = cash;
    this.trades.push(trade);
    this.position = null;
    this.callbacks?.closed?.(trade);
  }

  /** Equity at candle i's close: cash, or the position marked to the close. */
  mark(i: number): number {
    const p = this.position;
    if (!p) return this.cash;
    const equity = p.qty * this.c.close[i];
    this.callbacks?.updated?.(p, { index: i, tsMs: this.c.tsMs[i], close: this.c.close[i], equity });
    return equity;
  }
}

export function runEngine(c: Candles, signals: Signals, options: ExecutionOptions): EngineResult {
  const n = c.length;
  const { stopLoss, takeProfit } = options;
  const equity = new Float64Array(n);
  const position = new Float64Array(n);
  const pm = new PositionManager(c, options);
  let skippedSignals = 0;
  const { entry, exit, holdBars } = signals;
  const intrabar = stopLoss !== undefined || takeProfit !== undefined;

  for (let i = 0; i < n; i++) {
    const open = c.open[i];
    // At the open: a scheduled exit fills first, then an entry may fill at the same open.
    let pos = pm.position;
    if (pos) {
      const held = i - pos.entryIndex;
      if (holdBars !== undefined && held >= holdBars) pm.close(i, open, 'hold', held);
      else if (exit && exit[i - 1] && i - 1 >= pos.entryIndex) pm.close(i, open, 'signal', held);
    }
    if (i > 0 && entry[i - 1]) {
      if (pm.position) skippedSignals++;
      else pm.open(i, open);
    }
    // Intrabar, pessimistic for a long: the path is open → low → high → close, so the stop is
    // tested before the target, and a bar that reaches both exits at the stop.
    pos = pm.position;
    if (pos && intrabar) {
      const stopPx = stopLoss === undefined ? -Infinity : pos.entryPrice * (1 - stopLoss);
      const targetPx = takeProfit === undefined ? Infinity : pos.entryPrice * (1 + takeProfit);
      const held = i - pos.entryIndex + 1;
      // A bar opening beyond a level fills at its open (the gap), not at the level.
      if (c.low[i] <= stopPx) pm.close(i, Math.min(open, stopPx), 'stop_loss', held);
      else if (c.high[i] >= targetPx) pm.close(i, Math.max(open, targetPx), 'take_profit', held);
    }
    equity[i] = pm.mark(i);
    position[i] = pm.position ? pm.position.qty : 0;
  }
  const last = pm.position;
  if (last && n > 0) {
    pm.close(n - 1, c.close[n - 1], 'end_of_data', n - last.entryIndex);
    equity[n - 1] = pm.cash;
    position[n - 1] = 0;
  }
  return { trades: pm.trades, equity, position, skippedSignals, finalCash: pm.cash };
}
