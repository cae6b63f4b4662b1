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
  /** The closed trades as objects (built from `tradeLog` on first read when the engine made them). */
  trades: Trade[];
  /** The closed trades as columns: what the engine writes and the metrics read (no object per trade). */
  tradeLog?: TradeLog;
  /** Mark-to-market equity at each candle's close (after the final exit on the last candle). */
  equity: Float64Array;
  /** Quantity held at each candle's close. */
  position: Float64Array;
  /** Entry signals whose entry candle came while a position was still open. */
  skippedSignals: number;
  finalCash: number;
}

const REASONS: readonly ExitReason[] = ['hold', 'signal', 'stop_loss', 'take_profit', 'end_of_data'];
const REASON_CODE: Record<ExitReason, number> = { hold: 0, signal: 1, stop_loss: 2, take_profit: 3, end_of_data: 4 };

/**
 * Closed trades as growable typed-array columns. A run on random minute candles closes ~500k
 * trades per million bars; an object per trade made allocation and garbage collection most of
 * the engine's time.
 */
export class TradeLog {
  length = 0;
  entryIndex: Int32Array;
  exitIndex: Int32Array;
  barsHeld: Int32Array;
  reason: Uint8Array;
  qty: Float64Array;
  entryPrice: Float64Array;
  exitPrice: Float64Array;
  fees: Float64Array;
  pnl: Float64Array;
  return: Float64Array;

  constructor(private readonly tsMs: Float64Array, capacity = 64) {
    this.entryIndex = new Int32Array(capacity);
    this.exitIndex = new Int32Array(capacity);
    this.barsHeld = new Int32Array(capacity);
    this.reason = new Uint8Array(capacity);
    this.qty = new Float64Array(capacity);
    this.entryPrice = new Float64Array(capacity);
    this.exitPrice = new Float64Array(capacity);
    this.fees = new Float64Array(capacity);
    this.pnl = new Float64Array(capacity);
    this.return = new Float64Array(capacity);
  }

  push(entryIndex: number, exitIndex: number, qty: number, entryPrice: number, exitPrice: number, fees: number, pnl: number, ret: number, reason: ExitReason, barsHeld: number): number {
    if (this.length === this.qty.length) this.grow();
    const i = this.length++;
    this.entryIndex[i] = entryIndex;
    this.exitIndex[i] = exitIndex;
    this.barsHeld[i] = barsHeld;
    this.reason[i] = REASON_CODE[reason];
    this.qty[i] = qty;
    this.entryPrice[i] = entryPrice;
    this.exitPrice[i] = exitPrice;
    this.fees[i] = fees;
    this.pnl[i] = pnl;
    this.return[i] = ret;
    return i;
  }

  /** Trade i as an object. */
  get(i: number): Trade {
    return {
      entryIndex: this.entryIndex[i], exitIndex: this.exitIndex[i], entryTsMs: this.tsMs[this.entryIndex[i]], exitTsMs: this.tsMs[this.exitIndex[i]],
      side: 'long', qty: this.qty[i], entryPrice: this.entryPrice[i], exitPrice: this.exitPrice[i], fees: this.fees[i], pnl: this.pnl[i],
      return: this.return[i], exitReason: REASONS[this.reason[i]], barsHeld: this.barsHeld[i],
    };
  }

  toArray(): Trade[] {
    return Array.from({ length: this.length }, (_, i) => this.get(i));
  }

  private grow(): void {
    const size = this.qty.length * 2;
    const more = <T extends Int32Array | Uint8Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.entryIndex = more(this.entryIndex);
    this.exitIndex = more(this.exitIndex);
    this.barsHeld = more(this.barsHeld);
    this.reason = more(this.reason);
    this.qty = more(this.qty);
    this.entryPrice = more(this.entryPrice);
    this.exitPrice = more(this.exitPrice);
    this.fees = more(this.fees);
    this.pnl = more(this.pnl);
    this.return = more(this.return);
  }
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
 * clamp into the candle and the fees applied here), marks to market, tells the callbacks. The open
 * position lives in scalar fields (no object per trade); `position` builds one for a reader, and
 * the callbacks get one only when there are callbacks.
 */
export class PositionManager {
  cash: number;
  /** A position is open. */
  holding = false;
  entryIndex = -1;
  qty = 0;
  entryPrice = 0;
  private entryFee = 0;
  private stake = 0;
  private shown: Position | null = null;
  readonly log: TradeLog;
  private readonly fee: number;
  private readonly slip: number;

  constructor(
    private readonly c: Candles,
    options: ExecutionOptions,
    private readonly callbacks: PositionCallbacks | undefined = options.callbacks,
    /** Trades expected at most (sizes the log once instead of growing it). */
    tradeCapacity = 64,
  ) {
    this.cash = options.cash;
    this.fee = options.feeRate;
    this.slip = options.slippageRate;
    this.log = new TradeLog(c.tsMs, Math.max(1, tradeCapacity));
  }

  /** The open position, or null. */
  get position(): Position | null {
    if (!this.holding) return null;
    return (this.shown ??= { entryIndex: this.entryIndex, entryTsMs: this.c.tsMs[this.entryIndex], qty: this.qty, entryPrice: this.entryPrice, entryFee: this.entryFee, stake: this.stake });
  }

  get trades(): Trade[] {
    return this.log.toArray();
  }

  /** Buys with all cash on candle i at `rawPrice` × (1 + slippage), clamped into the candle. */
  open(i: number, rawPrice: number): void {
    const c = this.c;
    const entryPrice = clamp(rawPrice * (1 + this.slip), c.low[i], c.high[i]);
    assertInside(c, i, entryPrice, 'buy');
    const stake = this.cash;
    const qty = stake / (entryPrice * (1 + this.fee));
    this.holding = true;
    this.entryIndex = i;
    this.qty = qty;
    this.entryPrice = entryPrice;
    this.entryFee = qty * entryPrice * this.fee;
    this.stake = stake;
    this.shown = null;
    this.cash = 0;
    if (this.callbacks?.opened) this.callbacks.opened(this.position!);
  }

  /** Sells everything on candle i at `rawPrice` × (1 − slippage), clamped into the candle. */
  close(i: number, rawPrice: number, reason: ExitReason, barsHeld: number): void {
    const c = this.c;
    const exitPrice = clamp(rawPrice * (1 - this.slip), c.low[i], c.high[i]);
    assertInside(c, i, exitPrice, 'sell');
    const proceeds = this.qty * exitPrice;
    const exitFee = proceeds * this.fee;
    const cash = proceeds - exitFee;
    const pnl = cash - this.stake;
    const k = this.log.push(this.entryIndex, i, this.qty, this.entryPrice, exitPrice, this.entryFee + exitFee, pnl, pnl / this.stake, reason, barsHeld);
    this.cash = cash;
    this.holding = false;
    this.shown = null;
    if (this.callbacks?.closed) this.callbacks.closed(this.log.get(k));
  }

  /** Equity at candle i's close: cash, or the position marked to the close. */
  mark(i: number): number {
    if (!this.holding) return this.cash;
    const equity = this.qty * this.c.close[i];
    if (this.callbacks?.updated) this.callbacks.updated(this.position!, { index: i, tsMs: this.c.tsMs[i], close: this.c.close[i], equity });
    return equity;
  }
}

export function runEngine(c: Candles, signals: Signals, options: ExecutionOptions): EngineResult {
  const n = c.length;
  const { stopLoss, takeProfit } = options;
  const equity = new Float64Array(n);
  const position = new Float64Array(n);
  const { entry, exit, holdBars } = signals;
  // Every trade starts at an entry signal: their count bounds the log, sized once.
  let entries = 0;
  for (let i = 0; i < n; i++) if (entry[i]) entries++;
  const pm = new PositionManager(c, options, options.callbacks, entries);
  let skippedSignals = 0;
  const intrabar = stopLoss !== undefined || takeProfit !== undefined;

  for (let i = 0; i < n; i++) {
    const open = c.open[i];
    // At the open: a scheduled exit fills first, then an entry may fill at the same open.
    if (pm.holding) {
      const held = i - pm.entryIndex;
      if (holdBars !== undefined && held >= holdBars) pm.close(i, open, 'hold', held);
      else if (exit && exit[i - 1] && i - 1 >= pm.entryIndex) pm.close(i, open, 'signal', held);
    }
    if (i > 0 && entry[i - 1]) {
      if (pm.holding) skippedSignals++;
      else pm.open(i, open);
    }
    // Intrabar, pessimistic for a long: the path is open → low → high → close, so the stop is
    // tested before the target, and a bar that reaches both exits at the stop.
    if (pm.holding && intrabar) {
      const stopPx = stopLoss === undefined ? -Infinity : pm.entryPrice * (1 - stopLoss);
      const targetPx = takeProfit === undefined ? Infinity : pm.entryPrice * (1 + takeProfit);
      const held = i - pm.entryIndex + 1;
      // A bar opening beyond a level fills at its open (the gap), not at the level.
      if (c.low[i] <= stopPx) pm.close(i, Math.min(open, stopPx), 'stop_loss', held);
      else if (c.high[i] >= targetPx) pm.close(i, Math.max(open, targetPx), 'take_profit', held);
    }
    equity[i] = pm.mark(i);
    position[i] = pm.holding ? pm.qty : 0;
  }
  if (pm.holding && n > 0) {
    pm.close(n - 1, c.close[n - 1], 'end_of_data', n - pm.entryIndex);
    equity[n - 1] = pm.cash;
    position[n - 1] = 0;
  }
  return engineResult(pm.log, equity, position, skippedSignals, pm.cash);
}

/** The result with `trades` built from the log on first read, then kept. */
function engineResult(log: TradeLog, equity: Float64Array, position: Float64Array, skippedSignals: number, finalCash: number): EngineResult {
  let trades: Trade[] | undefined;
  return {
    get trades() {
      return (trades ??= log.toArray());
    },
    set trades(value: Trade[]) {
      trades = value;
    },
    tradeLog: log,
    equity,
    position,
    skippedSignals,
    finalCash,
  };
}

/**
 * The buy-and-hold baseline's final cash without the bar loop: the engine's own fills and fees for
 * its one trade (buy at candle 1's open, sell at the last close, end_of_data), in the same
 * arithmetic, so it equals `runEngine(c, buyAndHold.signals(c), …).finalCash` exactly (tested).
 */
export function buyAndHoldFinalCash(c: Candles, options: Pick<ExecutionOptions, 'cash' | 'feeRate' | 'slippageRate'>): number {
  const n = c.length;
  if (n < 2) return options.cash;
  const fee = options.feeRate, slip = options.slippageRate;
  const entryPrice = clamp(c.open[1] * (1 + slip), c.low[1], c.high[1]);
  assertInside(c, 1, entryPrice, 'buy');
  const qty = options.cash / (entryPrice * (1 + fee));
  const exitPrice = clamp(c.close[n - 1] * (1 - slip), c.low[n - 1], c.high[n - 1]);
  assertInside(c, n - 1, exitPrice, 'sell');
  const proceeds = qty * exitPrice;
  return proceeds - proceeds * fee;
}
