// Binance stream payloads from the synthetic market, with Binance's cadences: aggTrade batched
// per 100 ms, kline every 250 ms (and an x:true update when a bar closes), markPrice@1s every
// second and markPrice every 3 s, forceOrder at most one (the latest) per symbol per second,
// bookTicker and raw trades as they happen; plus the all-market !markPrice@arr[@1s] and
// !forceOrder@arr streams.
import { applyTrade, emptyBar, type Bar, type Trade } from '../market/bars.js';
import type { Instrument } from '../market/instruments.js';
import type { Liquidation, MarketTick, SyntheticMarket } from '../market/synthetic.js';
import type { BinanceFrame, FeedInterest } from '../feed/types.js';
import type { JsonObject } from '../json/lossless.js';
import { BINANCE_KLINE_INTERVALS, intervalEnd, intervalStart } from './intervals.js';
import {
  aggTradePayload, aggregateTrades, bookTickerPayload, forceOrderPayload, klinePayload, markPricePayload, tradePayload,
} from './payloads.js';

const AGG_TRADE_EVERY_MS = 100;
const KLINE_EVERY_MS = 250;
const MARK_PRICE_1S_EVERY_MS = 1000;
const MARK_PRICE_EVERY_MS = 3000;
const FORCE_ORDER_WINDOW_MS = 1000;

interface KlineState {
  startMs: number;
  endMs: number;
  bar: Bar;
  changed: boolean;
}

interface SymbolStreams {
  inst: Instrument;
  prefix: string;
  pendingTrades: Trade[];
  nextAggId: number;
  klines: Map<string, KlineState>;
  latestLiquidation?: Liquidation;
  bookUpdateId: number;
}

/** True when (fromMs, toMs] contains a multiple of periodMs. */
const crosses = (fromMs: number, toMs: number, periodMs: number): boolean => Math.floor(fromMs / periodMs) !== Math.floor(toMs / periodMs);
const windowOf = (tsMs: number): number => Math.floor(tsMs / FORCE_ORDER_WINDOW_MS);

export class BinanceSyntheticStreams {
  private readonly symbols = new Map<string, SymbolStreams>();

  constructor(private readonly market: SyntheticMarket) {
    for (const inst of market.instruments('binance')) {
      const origin = market.originMs;
      const klines = new Map<string, KlineState>();
      for (const interval of BINANCE_KLINE_INTERVALS) {
        const startMs = intervalStart(origin, interval);
        // The bar in progress at the origin starts with its history.
        const bar = market.bar('binance', inst.symbol, startMs, origin) ?? emptyBar(startMs, market.priceAt('binance', inst.symbol, origin));
        klines.set(interval, { startMs, endMs: intervalEnd(startMs, interval), bar: { ...bar, openMs: startMs }, changed: true });
      }
      this.symbols.set(inst.symbol, {
        inst, prefix: inst.symbol.toLowerCase(), pendingTrades: [], klines,
        nextAggId: Math.floor(market.history.tradeIdAt(inst, origin) * 0.45),
        bookUpdateId: Math.floor(market.history.tradeIdAt(inst, origin) * 37),
      });
    }
  }

  onTick(tick: MarketTick, interest: FeedInterest): BinanceFrame[] {
    const out: BinanceFrame[] = [];
    const prevMs = tick.tsMs - this.market.tickMs;
    // All-market streams: one array of every symbol's mark price, every liquidation as it is pushed.
    const allMarks = { '!markPrice@arr@1s': [] as JsonObject[], '!markPrice@arr': [] as JsonObject[] };
    for (const it of tick.instruments) {
      if (it.inst.venue !== 'binance') continue;
      const s = this.symbols.get(it.inst.symbol)!;
      const emit = (stream: string, build: () => JsonObject): void => {
        const name = `${s.prefix}@${stream}`;
        const allMarket = stream === 'forceOrder' ? '!forceOrder@arr' : stream === 'markPrice@1s' ? '!markPrice@arr@1s' : stream === 'markPrice' ? '!markPrice@arr' : undefined;
        const wantsAll = allMarket !== undefined && interest.binance(allMarket);
        if (!interest.binance(name) && !wantsAll) return;
        const data = build();
        if (interest.binance(name)) out.push({ stream: name, data });
        if (!wantsAll) return;
        if (allMarket === '!forceOrder@arr') out.push({ stream: allMarket, data });
        else allMarks[allMarket as keyof typeof allMarks].push(data);
      };
      for (const trade of it.trades) {
        this.rollKlines(s, trade.tsMs, tick.tsMs, emit);
        for (const k of s.klines.values()) {
          applyTrade(k.bar, trade);
          k.changed = true;
        }
        s.pendingTrades.push(trade);
        emit('trade', () => tradePayload(s.inst, trade, tick.tsMs));
      }
      this.rollKlines(s, tick.tsMs, tick.tsMs, emit);
      if (it.trades.length > 0 || crosses(prevMs, tick.tsMs, 1000)) {
        s.bookUpdateId += 1 + it.trades.length * 3;
        emit('bookTicker', () => bookTickerPayload(s.inst, it.book, s.bookUpdateId, tick.tsMs - 1, tick.tsMs));
      }
      if (crosses(prevMs, tick.tsMs, AGG_TRADE_EVERY_MS) && s.pendingTrades.length > 0) {
        const aggs = aggregateTrades(s.pendingTrades, s.nextAggId);
        s.nextAggId += aggs.length;
        s.pendingTrades = [];
        for (const agg of aggs) emit('aggTrade', () => aggTradePayload(s.inst, agg, tick.tsMs));
      }
      if (crosses(prevMs, tick.tsMs, KLINE_EVERY_MS)) {
        for (const [interval, k] of s.klines) {
          if (!k.changed) continue;
          k.changed = false;
          emit(`kline_${interval}`, () => klinePayload(s.inst, interval, k.bar, k.endMs, false, tick.tsMs));
        }
      }
      for (const liq of it.liquidations) {
        if (s.latestLiquidation && windowOf(s.latestLiquidation.tsMs) !== windowOf(liq.tsMs)) this.flushLiquidation(s, tick.tsMs, emit);
        s.latestLiquidation = liq;
      }
      if (s.latestLiquidation && windowOf(s.latestLiquidation.tsMs) < windowOf(tick.tsMs)) this.flushLiquidation(s, tick.tsMs, emit);
      if (crosses(prevMs, tick.tsMs, MARK_PRICE_1S_EVERY_MS)) emit('markPrice@1s', () => markPricePayload(s.inst, this.market.mark(s.inst.symbol), tick.tsMs));
      if (crosses(prevMs, tick.tsMs, MARK_PRICE_EVERY_MS)) emit('markPrice', () => markPricePayload(s.inst, this.market.mark(s.inst.symbol), tick.tsMs));
    }
    for (const [stream, marks] of Object.entries(allMarks)) if (marks.length > 0) out.push({ stream, data: marks });
    return out;
  }

  /** Only the latest liquidation of each 1 s window is pushed: the stream is a sample. */
  private flushLiquidation(s: SymbolStreams, eventMs: number, emit: (stream: string, build: () => JsonObject) => void): void {
    const liq = s.latestLiquidation;
    if (!liq) return;
    s.latestLiquidation = undefined;
    emit('forceOrder', () => forceOrderPayload(s.inst, liq, eventMs));
  }

  /** Closes every bar that ended at or before atMs (pushing x:true) and opens the next one. */
  private rollKlines(s: SymbolStreams, atMs: number, eventMs: number, emit: (stream: string, build: () => JsonObject) => void): void {
    for (const [interval, k] of s.klines) {
      if (atMs < k.endMs) continue;
      const closed = k.bar;
      const closeMs = k.endMs;
      emit(`kline_${interval}`, () => klinePayload(s.inst, interval, closed, closeMs, true, Math.max(eventMs, closeMs)));
      const startMs = intervalStart(atMs, interval);
      k.startMs = startMs;
      k.endMs = intervalEnd(startMs, interval);
      k.bar = emptyBar(startMs, closed.close);
      k.changed = true;
    }
  }
}
