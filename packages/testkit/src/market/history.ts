// The market before the fake exchange started: a random-access function of time, so REST
// history (klines, candles, OI, ratios) is the same whatever order or page size a client uses,
// and it joins the live path exactly at the origin (history(originMs) = live start price).
import { joinBars, type Bar } from './bars.js';
import type { Instrument } from './instruments.js';
import { hashUnit, nameSeed, valueNoise } from './random.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, floorTo } from '../time.js';

const YEAR_MS = 365 * DAY_MS;
// Octaves of smooth noise whose sum behaves like a random walk over seconds … weeks.
const PRICE_OCTAVES_MS = [20 * SECOND_MS, 2 * MINUTE_MS, 10 * MINUTE_MS, HOUR_MS, 6 * HOUR_MS, DAY_MS, 4 * DAY_MS, 16 * DAY_MS];
const OCTAVE_SCALES = PRICE_OCTAVES_MS.map((periodMs) => Math.sqrt(periodMs / YEAR_MS));

export class HistoryModel {
  /** logDrift at the origin per base (every historical price needs it). */
  private readonly driftAtOrigin = new Map<string, Map<number, number>>();
  private readonly baseSeeds = new Map<string, number>();

  constructor(
    readonly seed: number,
    readonly originMs: number,
  ) {}

  /** Log-price deviation of a base asset's USD price from its origin value. */
  private logDrift(base: string, annualVol: number, tsMs: number): number {
    let baseSeed = this.baseSeeds.get(base);
    if (baseSeed === undefined) this.baseSeeds.set(base, (baseSeed = nameSeed(base) ^ this.seed));
    let total = 0;
    for (let k = 0; k < PRICE_OCTAVES_MS.length; k++) {
      total += annualVol * OCTAVE_SCALES[k] * valueNoise(baseSeed + k * 7919, tsMs / PRICE_OCTAVES_MS[k]);
    }
    return total;
  }

  /** USD price of the instrument's base before the origin, anchored to `usdAtOrigin`. */
  usdPrice(inst: Instrument, usdAtOrigin: number, tsMs: number): number {
    const { base, annualVol } = inst.profile;
    let byVol = this.driftAtOrigin.get(base);
    if (byVol === undefined) this.driftAtOrigin.set(base, (byVol = new Map()));
    let atOrigin = byVol.get(annualVol);
    if (atOrigin === undefined) byVol.set(annualVol, (atOrigin = this.logDrift(base, annualVol, this.originMs)));
    return usdAtOrigin * Math.exp(this.logDrift(base, annualVol, tsMs) - atOrigin);
  }

  /** True when no trade happened in the minute on this venue (Upbit candles have gaps). */
  isQuietMinute(inst: Instrument, minuteStartMs: number): boolean {
    if (inst.venue !== 'upbit') return false;
    return hashUnit(this.seed ^ nameSeed(inst.symbol), 11, minuteStartMs / MINUTE_MS) < inst.profile.upbitQuietMinuteShare;
  }

  /** Base volume traded in one minute (before quiet-minute removal). */
  private minuteVolume(inst: Instrument, minuteStartMs: number, price: number): number {
    const tradesPerSec = inst.venue === 'binance' ? inst.profile.binanceTradesPerSec : inst.profile.upbitTradesPerSec;
    const activity = Math.exp(0.5 * valueNoise(this.seed ^ nameSeed(inst.symbol), minuteStartMs / HOUR_MS));
    const jitter = Math.exp(0.6 * (hashUnit(this.seed ^ nameSeed(inst.symbol), 13, minuteStartMs / MINUTE_MS) - 0.5));
    return (tradesPerSec * 60 * inst.profile.medianTradeUsd * activity * jitter) / (price / inst.quotePerUsd);
  }

  /** Monotonic trade id at a time: live ids continue from tradeIdAt(originMs). */
  tradeIdAt(inst: Instrument, tsMs: number): number {
    const tradesPerSec = inst.venue === 'binance' ? inst.profile.binanceTradesPerSec : inst.profile.upbitTradesPerSec;
    return Math.floor((tsMs / SECOND_MS) * tradesPerSec);
  }

  /**
   * The bar covering [fromMs, toMs) before the origin, or undefined when nothing traded in it.
   * `priceAt` gives the instrument price at a time (quote units).
   */
  bar(inst: Instrument, fromMs: number, toMs: number, priceAt: (tsMs: number) => number, joinMinutes = false): Bar | undefined {
    const spanMs = toMs - fromMs;
    if (spanMs <= 0) return undefined;
    // Candles up to 6 h are their minutes joined, as a venue builds 1 h candles from the same
    // trades as its 1 m ones (cqt check candles compares them); longer bars, and bars asked only
    // for their volume, keep the cheap estimate (about 8 times fewer prices to compute).
    if (joinMinutes && spanMs > MINUTE_MS && spanMs <= 6 * HOUR_MS) {
      const pieces: Bar[] = [];
      for (let m = fromMs; m < toMs; m = Math.min(toMs, floorTo(m, MINUTE_MS) + MINUTE_MS)) {
        const piece = this.bar(inst, m, Math.min(toMs, floorTo(m, MINUTE_MS) + MINUTE_MS), priceAt);
        if (piece) pieces.push(piece);
      }
      return pieces.length > 0 ? joinBars(fromMs, pieces) : undefined;
    }
    const instSeed = this.seed ^ nameSeed(inst.symbol);
    // Volume: exact per-minute sum up to 6 h, expected value beyond (1500 daily bars stay cheap).
    let volume = 0;
    let tradedMinutes = 0;
    let lastTradedMinute = -1;
    if (spanMs <= 6 * HOUR_MS) {
      for (let m = floorTo(fromMs, MINUTE_MS); m < toMs; m += MINUTE_MS) {
        if (this.isQuietMinute(inst, m)) continue;
        const share = (Math.min(toMs, m + MINUTE_MS) - Math.max(fromMs, m)) / MINUTE_MS;
        volume += this.minuteVolume(inst, m, priceAt(m)) * share;
        tradedMinutes++;
        lastTradedMinute = m;
      }
      if (tradedMinutes === 0) return undefined;
    } else {
      const stepMs = HOUR_MS;
      for (let h = fromMs; h < toMs; h += stepMs) volume += this.minuteVolume(inst, h, priceAt(h)) * (Math.min(stepMs, toMs - h) / MINUTE_MS);
      lastTradedMinute = floorTo(toMs - 1, MINUTE_MS);
    }
    const samples = Math.min(64, Math.max(4, Math.ceil(spanMs / (10 * SECOND_MS))));
    const open = priceAt(fromMs);
    const close = priceAt(toMs - 1);
    let high = Math.max(open, close);
    let low = Math.min(open, close);
    for (let i = 1; i < samples; i++) {
      const p = priceAt(fromMs + (spanMs * i) / samples);
      high = Math.max(high, p);
      low = Math.min(low, p);
    }
    // Wicks: the sampled path misses the extremes between samples.
    const wickScale = inst.profile.annualVol * Math.sqrt(spanMs / samples / YEAR_MS);
    high *= 1 + wickScale * hashUnit(instSeed, 17, fromMs);
    low *= 1 - wickScale * hashUnit(instSeed, 19, fromMs);
    // Trade quantities are whole multiples of the quantity step, and so is any sum of them.
    volume = Math.round(volume / inst.qtyStep) * inst.qtyStep;
    const vwap = (open + close + high + low) / 4;
    const tick = inst.tickSize(vwap);
    const snap = (p: number): number => Math.round(p / tick) * tick;
    const firstTradeId = this.tradeIdAt(inst, fromMs);
    // Ids must meet the live ids at the origin, so the count follows the id clock.
    const trades = Math.max(1, this.tradeIdAt(inst, toMs) - firstTradeId);
    const buyShare = 0.5 + 0.15 * Math.tanh((close - open) / open / Math.max(wickScale, 1e-9));
    const lastWindowMs = Math.min(toMs - lastTradedMinute, MINUTE_MS);
    return {
      openMs: fromMs,
      open: snap(open), high: snap(high), low: snap(low), close: snap(close),
      volume, quoteVolume: volume * vwap, trades,
      takerBuyVolume: volume * buyShare, takerBuyQuoteVolume: volume * buyShare * vwap,
      firstTradeId, lastTradeId: firstTradeId + trades - 1,
      lastTradeMs: Math.min(toMs - 1, Math.max(fromMs, lastTradedMinute + Math.floor(lastWindowMs * (0.5 + 0.5 * hashUnit(instSeed, 23, fromMs))) - 1)),
    };
  }

  /** Smooth deterministic series around 0 in [-1, 1] for a named metric (OI, ratios, funding…). */
  metricNoise(symbol: string, metric: string, tsMs: number, periodMs: number): number {
    return valueNoise(this.seed ^ nameSeed(`${symbol}/${metric}`), tsMs / periodMs);
  }

  /** Uniform [0,1) for a metric bucket. */
  metricUnit(symbol: string, metric: string, bucket: number): number {
    return hashUnit(this.seed ^ nameSeed(`${symbol}/${metric}`), bucket);
  }
}
