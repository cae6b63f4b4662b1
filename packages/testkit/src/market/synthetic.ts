// A seeded synthetic market: one latent USD price per base asset (common factor + own noise,
// Markov volatility regimes, jumps in the volatile regime), and per venue instrument a premium,
// a 30-level book, Poisson trades and (Binance) liquidations and mark/index/funding.
// Stepping is in market time (fixed ticks from originMs), so the same seed and origin always
// produce the same ticks, however fast the server's timer happens to fire.
import { applyTrade, emptyBar, joinBars, type Bar, type Trade } from './bars.js';
import { HistoryModel } from './history.js';
import { binanceInstrument, upbitInstrument, roundToStep, type Instrument, type Venue } from './instruments.js';
import { SeededRandom, hashUnit, nameSeed } from './random.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, floorTo } from '../time.js';

export type Regime = 'calm' | 'normal' | 'volatile';

const YEAR_MS = 365 * DAY_MS;
const REGIME_VOL: Record<Regime, number> = { calm: 0.5, normal: 1, volatile: 3 };
const REGIME_ACTIVITY: Record<Regime, number> = { calm: 0.6, normal: 1, volatile: 2.5 };
const REGIME_MEAN_MS: Record<Regime, number> = { calm: 15 * MINUTE_MS, normal: 20 * MINUTE_MS, volatile: 3 * MINUTE_MS };
const REGIME_NEXT: Record<Regime, Array<[Regime, number]>> = {
  calm: [['normal', 0.8], ['volatile', 0.2]],
  normal: [['calm', 0.5], ['volatile', 0.5]],
  volatile: [['normal', 0.7], ['calm', 0.3]],
};
export const BOOK_DEPTH = 30;
const FUNDING_INTERVAL_MS = 8 * HOUR_MS;

export interface SyntheticMarketOptions {
  seed: number;
  /** Market time at which the live path starts (history before it, live after). */
  originMs: number;
  binanceSymbols: string[];
  upbitMarkets: string[];
  usdKrw: number;
  tickMs: number;
  /** Optional USD start prices per base (e.g. taken from a recording). */
  usdPrices?: Record<string, number>;
}

export interface BookLevel {
  price: number;
  size: number;
}
/** Best level first on both sides. */
export interface Book {
  bids: BookLevel[];
  asks: BookLevel[];
}

export interface Liquidation {
  tsMs: number;
  /** Liquidation order side: SELL closes a long, BUY closes a short. */
  side: 'SELL' | 'BUY';
  price: number;
  qty: number;
}

export interface MarkState {
  markPrice: number;
  indexPrice: number;
  estimatedSettlePrice: number;
  fundingRate: number;
  nextFundingTimeMs: number;
}

export interface InstrumentTick {
  inst: Instrument;
  trades: Trade[];
  book: Book;
  liquidations: Liquidation[];
}

export interface MarketTick {
  /** End of the tick: every event in it has tsMs in (tsMs - tickMs, tsMs]. */
  tsMs: number;
  instruments: InstrumentTick[];
}

interface BaseState {
  base: string;
  annualVol: number;
  beta: number;
  logUsd: number;
  usdAtOrigin: number;
  regime: Regime;
  rng: SeededRandom;
  /** Recent per-tick log returns (≈ 1 s) for liquidation pressure and trade-side bias. */
  recentReturns: number[];
}

interface LiveInstrument {
  inst: Instrument;
  base: BaseState;
  rng: SeededRandom;
  premium: number;
  premiumTarget: number;
  premiumAtOrigin: number;
  book: Book;
  nextTradeId: number;
  lastTrade: Trade;
  /** Live part of each minute (trades at or after originMs), keyed by minute start. */
  minuteBars: Map<number, Bar>;
  liquidationQueue: Liquidation[];
  fundingPremiumSum: number;
  fundingPremiumCount: number;
}

const key = (venue: Venue, symbol: string): string => `${venue}:${symbol}`;

export class SyntheticMarket {
  readonly history: HistoryModel;
  readonly originMs: number;
  readonly tickMs: number;
  private nowMsValue: number;
  private readonly bases = new Map<string, BaseState>();
  private readonly live = new Map<string, LiveInstrument>();
  private readonly commonRng: SeededRandom;
  private readonly burstRng: SeededRandom;

  constructor(private readonly options: SyntheticMarketOptions) {
    this.originMs = options.originMs;
    this.tickMs = options.tickMs;
    this.nowMsValue = options.originMs;
    this.history = new HistoryModel(options.seed, options.originMs);
    this.commonRng = new SeededRandom(options.seed ^ 0x5eed);
    this.burstRng = new SeededRandom(options.seed ^ 0xb0057);
    const instruments = [
      ...options.binanceSymbols.map((s) => binanceInstrument(s)),
      ...options.upbitMarkets.map((m) => upbitInstrument(m, options.usdKrw)),
    ];
    for (const inst of instruments) this.addInstrument(inst);
  }

  get nowMs(): number {
    return this.nowMsValue;
  }

  private baseState(inst: Instrument): BaseState {
    const existing = this.bases.get(inst.base);
    if (existing) return existing;
    const seed = this.options.seed ^ nameSeed(inst.base);
    const regimes: Regime[] = ['calm', 'normal', 'normal', 'volatile'];
    const usdAtOrigin = this.options.usdPrices?.[inst.base] ?? inst.profile.usdPrice;
    const state: BaseState = {
      base: inst.base,
      annualVol: inst.profile.annualVol,
      beta: inst.profile.beta,
      logUsd: Math.log(usdAtOrigin),
      usdAtOrigin,
      regime: regimes[Math.floor(hashUnit(seed, 1) * regimes.length)],
      rng: new SeededRandom(seed),
      recentReturns: [],
    };
    this.bases.set(inst.base, state);
    return state;
  }

  private addInstrument(inst: Instrument): void {
    const base = this.baseState(inst);
    const seed = this.options.seed ^ nameSeed(key(inst.venue, inst.symbol));
    // Upbit KRW trades at a "kimchi premium"; Binance perps sit a few bp over the index.
    const premiumTarget = inst.venue === 'upbit' && inst.quote === 'KRW' ? 0.012 + 0.01 * hashUnit(seed, 2) : 0.0002;
    const liveInst: LiveInstrument = {
      inst, base, rng: new SeededRandom(seed), premium: premiumTarget, premiumTarget, premiumAtOrigin: premiumTarget,
      book: { bids: [], asks: [] },
      nextTradeId: this.history.tradeIdAt(inst, this.originMs),
      lastTrade: { id: 0, tsMs: 0, price: 0, qty: 0, takerSide: 'buy' },
      minuteBars: new Map(), liquidationQueue: [], fundingPremiumSum: 0, fundingPremiumCount: 0,
    };
    this.live.set(key(inst.venue, inst.symbol), liveInst);
    const mid = this.midOf(liveInst);
    this.rebuildBook(liveInst, mid, true);
    // The last trade before the origin, so snapshots exist from the first moment.
    liveInst.lastTrade = {
      id: liveInst.nextTradeId - 1, tsMs: this.originMs - 1 - Math.floor(hashUnit(seed, 3) * 900),
      price: liveInst.book.asks[0].price, qty: roundToStep(inst.profile.medianTradeUsd / (mid / inst.quotePerUsd), inst.qtyStep) || inst.qtyStep,
      takerSide: 'buy',
    };
  }

  instruments(venue?: Venue): Instrument[] {
    return [...this.live.values()].map((l) => l.inst).filter((i) => venue === undefined || i.venue === venue);
  }

  instrument(venue: Venue, symbol: string): Instrument | undefined {
    return this.live.get(key(venue, symbol))?.inst;
  }

  private state(venue: Venue, symbol: string): LiveInstrument {
    const state = this.live.get(key(venue, symbol));
    if (!state) throw new Error(`${venue} symbol ${symbol} is not simulated`);
    return state;
  }

  regime(base: string): Regime | undefined {
    return this.bases.get(base)?.regime;
  }

  private midOf(l: LiveInstrument): number {
    return Math.exp(l.base.logUsd) * l.inst.quotePerUsd * (1 + l.premium);
  }

  book(venue: Venue, symbol: string): Book {
    return this.state(venue, symbol).book;
  }

  lastTrade(venue: Venue, symbol: string): Trade {
    return this.state(venue, symbol).lastTrade;
  }

  /** Mark/index/funding of a Binance perpetual at the current market time. */
  mark(symbol: string): MarkState {
    const l = this.state('binance', symbol);
    const indexPrice = Math.exp(l.base.logUsd);
    const premiumIndex = l.fundingPremiumCount > 0 ? l.fundingPremiumSum / l.fundingPremiumCount : l.premium;
    // Binance: F = P + clamp(I − P, ±0.05 %), interest rate I = 0.01 % per 8 h.
    const fundingRate = premiumIndex + Math.min(0.0005, Math.max(-0.0005, 0.0001 - premiumIndex));
    return {
      markPrice: indexPrice * (1 + l.premium),
      indexPrice,
      estimatedSettlePrice: indexPrice * (1 + l.premium / 2),
      fundingRate,
      nextFundingTimeMs: floorTo(this.nowMsValue, FUNDING_INTERVAL_MS) + FUNDING_INTERVAL_MS,
    };
  }

  /** Instrument price (quote units) at any time: history before the origin, live after. */
  priceAt(venue: Venue, symbol: string, tsMs: number): number {
    const l = this.state(venue, symbol);
    if (tsMs < this.originMs) return this.historicalPrice(l, tsMs);
    if (tsMs >= this.nowMsValue) return l.lastTrade.price;
    for (let m = floorTo(tsMs, MINUTE_MS); m >= floorTo(this.originMs, MINUTE_MS); m -= MINUTE_MS) {
      const bar = l.minuteBars.get(m);
      if (bar && bar.trades > 0) return bar.close;
    }
    return this.historicalPrice(l, this.originMs);
  }

  private historicalPrice(l: LiveInstrument, tsMs: number): number {
    return this.history.usdPrice(l.inst, l.base.usdAtOrigin, tsMs) * l.inst.quotePerUsd * (1 + l.premiumAtOrigin);
  }

  /**
   * The bar covering [fromMs, toMs) (minute-aligned): history before the origin joined with live
   * minutes after it. Undefined when nothing traded (an Upbit gap).
   */
  bar(venue: Venue, symbol: string, fromMs: number, toMs: number): Bar | undefined {
    return this.joined(venue, symbol, fromMs, toMs, false);
  }

  /**
   * A candle as the venue's candle endpoints serve it: like bar(), but up to 6 h the history
   * part is its minute candles joined, so a 1 h candle is exactly its 60 minutes.
   */
  candle(venue: Venue, symbol: string, fromMs: number, toMs: number): Bar | undefined {
    return this.joined(venue, symbol, fromMs, toMs, true);
  }

  private joined(venue: Venue, symbol: string, fromMs: number, toMs: number, joinMinutes: boolean): Bar | undefined {
    const l = this.state(venue, symbol);
    const pieces: Bar[] = [];
    if (fromMs < this.originMs) {
      const past = this.history.bar(l.inst, fromMs, Math.min(toMs, this.originMs), (t) => this.historicalPrice(l, t), joinMinutes);
      if (past) pieces.push(past);
    }
    const liveTo = Math.min(toMs, this.nowMsValue + 1);
    for (let m = floorTo(Math.max(fromMs, this.originMs), MINUTE_MS); m < liveTo; m += MINUTE_MS) {
      const piece = l.minuteBars.get(m);
      if (piece && piece.trades > 0) pieces.push(piece);
    }
    return joinBars(fromMs, pieces);
  }

  /** Schedules `count` liquidations spread over the next `withinMs` (a cascade, for tests and demos). */
  liquidationBurst(symbol: string, count: number, options: { side?: 'SELL' | 'BUY'; withinMs?: number } = {}): void {
    const l = this.state('binance', symbol);
    const withinMs = options.withinMs ?? 3 * SECOND_MS;
    for (let i = 0; i < count; i++) {
      const side = options.side ?? (this.burstRng.next() < 0.5 ? 'SELL' : 'BUY');
      l.liquidationQueue.push(this.makeLiquidation(l, this.nowMsValue + 1 + Math.floor(this.burstRng.next() * withinMs), side, this.burstRng));
    }
    l.liquidationQueue.sort((a, b) => a.tsMs - b.tsMs);
  }

  /** Advances market time tick by tick up to tsMs; returns the ticks produced. */
  advanceTo(tsMs: number): MarketTick[] {
    const ticks: MarketTick[] = [];
    while (this.nowMsValue + this.tickMs <= tsMs) ticks.push(this.step());
    return ticks;
  }

  step(): MarketTick {
    const fromMs = this.nowMsValue;
    const toMs = fromMs + this.tickMs;
    const dtYears = this.tickMs / YEAR_MS;
    const zCommon = this.commonRng.gaussian();
    for (const base of this.bases.values()) this.stepBase(base, zCommon, dtYears);
    const instruments: InstrumentTick[] = [];
    for (const l of this.live.values()) instruments.push(this.stepInstrument(l, fromMs, toMs));
    this.nowMsValue = toMs;
    return { tsMs: toMs, instruments };
  }

  private stepBase(base: BaseState, zCommon: number, dtYears: number): void {
    const { rng } = base;
    if (rng.next() < this.tickMs / REGIME_MEAN_MS[base.regime]) {
      let u = rng.next();
      for (const [next, weight] of REGIME_NEXT[base.regime]) {
        u -= weight;
        if (u <= 0) {
          base.regime = next;
          break;
        }
      }
    }
    const sigma = base.annualVol * REGIME_VOL[base.regime] * Math.sqrt(dtYears);
    const z = base.beta * zCommon + Math.sqrt(1 - base.beta * base.beta) * rng.gaussian();
    const jump = base.regime === 'volatile' && rng.next() < 0.002 ? rng.gaussian() * sigma * 15 : 0;
    const logReturn = sigma * z + jump;
    base.logUsd += logReturn;
    base.recentReturns.push(logReturn);
    if (base.recentReturns.length > SECOND_MS / this.tickMs) base.recentReturns.shift();
  }

  private stepInstrument(l: LiveInstrument, fromMs: number, toMs: number): InstrumentTick {
    const { inst, rng, base } = l;
    const dtSec = this.tickMs / SECOND_MS;
    // Ornstein–Uhlenbeck premium: mean-reverting within minutes.
    l.premium += 0.01 * dtSec * (l.premiumTarget - l.premium) + (inst.venue === 'upbit' ? 0.0004 : 0.00005) * Math.sqrt(dtSec) * rng.gaussian();
    const mid = this.midOf(l);
    this.rebuildBook(l, mid, false);
    const regime = base.regime;
    const sigmaTick = base.annualVol * REGIME_VOL[regime] * Math.sqrt(this.tickMs / YEAR_MS);
    const lastReturn = base.recentReturns[base.recentReturns.length - 1] ?? 0;
    const tradesPerSec = inst.venue === 'binance' ? inst.profile.binanceTradesPerSec : inst.profile.upbitTradesPerSec;
    const count = rng.poisson(tradesPerSec * REGIME_ACTIVITY[regime] * dtSec);
    const times = Array.from({ length: count }, () => fromMs + 1 + Math.floor(rng.next() * this.tickMs)).sort((a, b) => a - b);
    const trades: Trade[] = [];
    const buyProbability = 0.5 + 0.35 * Math.tanh(lastReturn / Math.max(sigmaTick, 1e-12));
    for (const tsMs of times) {
      const takerSide = rng.next() < buyProbability ? 'buy' : 'sell';
      const side = takerSide === 'buy' ? l.book.asks : l.book.bids;
      // A taker order often fills against several resting orders: several trades, same ms.
      const fills = rng.next() < 0.3 ? 2 + Math.floor(rng.next() * 3) : 1;
      for (let i = 0; i < fills; i++) {
        const qty = Math.max(inst.qtyStep, roundToStep(rng.logNormal(inst.profile.medianTradeUsd / fills / (mid / inst.quotePerUsd), 1), inst.qtyStep));
        // A fill larger than what is left at the touch walks one level deeper.
        const level = qty > side[0].size && side.length > 1 ? side[1] : side[0];
        const trade: Trade = { id: l.nextTradeId++, tsMs, price: level.price, qty, takerSide };
        side[0].size = Math.max(inst.qtyStep, side[0].size - qty);
        trades.push(trade);
        this.recordTrade(l, trade);
      }
    }
    const liquidations: Liquidation[] = [];
    if (inst.venue === 'binance') {
      const recentMove = base.recentReturns.reduce((a, b) => a + b, 0);
      const pressure = Math.abs(recentMove) / Math.max(sigmaTick * Math.sqrt(base.recentReturns.length || 1), 1e-12);
      const ratePerSec = 0.02 * (regime === 'volatile' ? 12 : 1) * (1 + pressure * pressure);
      const n = rng.poisson(ratePerSec * dtSec);
      for (let i = 0; i < n; i++) {
        const aligned = rng.next() < 0.85;
        const side: Liquidation['side'] = (recentMove < 0) === aligned ? 'SELL' : 'BUY';
        liquidations.push(this.makeLiquidation(l, fromMs + 1 + Math.floor(rng.next() * this.tickMs), side, rng));
      }
      while (l.liquidationQueue.length > 0 && l.liquidationQueue[0].tsMs <= toMs) liquidations.push(l.liquidationQueue.shift()!);
      liquidations.sort((a, b) => a.tsMs - b.tsMs);
      this.trackFunding(l, toMs);
    }
    return { inst, trades, book: l.book, liquidations };
  }

  private trackFunding(l: LiveInstrument, toMs: number): void {
    if (floorTo(toMs - this.tickMs, FUNDING_INTERVAL_MS) !== floorTo(toMs, FUNDING_INTERVAL_MS)) {
      l.fundingPremiumSum = 0;
      l.fundingPremiumCount = 0;
    }
    l.fundingPremiumSum += l.premium;
    l.fundingPremiumCount += 1;
  }

  private makeLiquidation(l: LiveInstrument, tsMs: number, side: Liquidation['side'], rng: SeededRandom): Liquidation {
    const { inst } = l;
    const touch = side === 'SELL' ? l.book.bids[0].price : l.book.asks[0].price;
    const tick = inst.tickSize(touch);
    const price = roundToStep(touch * (1 + (side === 'SELL' ? -1 : 1) * 0.002 * rng.next()), tick);
    const qty = Math.max(inst.qtyStep, roundToStep(rng.logNormal(8000 / price, 1.2), inst.qtyStep));
    return { tsMs, side, price, qty };
  }

  private recordTrade(l: LiveInstrument, trade: Trade): void {
    l.lastTrade = trade;
    const minute = floorTo(trade.tsMs, MINUTE_MS);
    let bar = l.minuteBars.get(minute);
    if (!bar) {
      bar = emptyBar(Math.max(minute, this.originMs), trade.price);
      l.minuteBars.set(minute, bar);
    }
    applyTrade(bar, trade);
  }

  private rebuildBook(l: LiveInstrument, mid: number, fresh: boolean): void {
    const { inst, rng } = l;
    const tick = inst.tickSize(mid);
    // Liquid books trade one tick wide; thin ones a little wider.
    const tradesPerSec = inst.venue === 'binance' ? inst.profile.binanceTradesPerSec : inst.profile.upbitTradesPerSec;
    const spreadTicks = tradesPerSec >= 2 ? 1 : 3;
    const bestBid = Math.floor(mid / tick - spreadTicks / 2) * tick;
    const bestAsk = bestBid + spreadTicks * tick;
    const medianSize = (inst.profile.medianTradeUsd * 40) / (mid / inst.quotePerUsd);
    const sizeAt = (side: BookLevel[], i: number): number => {
      const previous = side[i]?.size;
      // Most levels keep their size from one tick to the next; a few are re-quoted.
      if (!fresh && previous !== undefined && rng.next() > 0.2) return previous;
      return Math.max(inst.qtyStep, roundToStep(rng.logNormal(medianSize * (1 + i / 10), 1), inst.qtyStep));
    };
    const round = (p: number): number => Number(p.toFixed(10));
    l.book = {
      bids: Array.from({ length: BOOK_DEPTH }, (_, i) => ({ price: round(bestBid - i * tick), size: sizeAt(l.book.bids, i) })),
      asks: Array.from({ length: BOOK_DEPTH }, (_, i) => ({ price: round(bestAsk + i * tick), size: sizeAt(l.book.asks, i) })),
    };
  }
}
