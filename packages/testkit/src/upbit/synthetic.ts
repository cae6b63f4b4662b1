// Upbit messages from the synthetic market, with Upbit's cadences: every trade as it happens
// (plus a ticker after it), the orderbook at most every 200 ms, candle.* at most once per second
// and only when a trade changed the bar (so quiet periods produce no candle, as on Upbit).
import type { JsonObject } from '../json/lossless.js';
import { applyTrade, emptyBar, joinBars, type Bar, type Trade } from '../market/bars.js';
import { hashUnit, nameSeed } from '../market/random.js';
import type { Instrument } from '../market/instruments.js';
import type { MarketTick, SyntheticMarket } from '../market/synthetic.js';
import type { FeedInterest, UpbitMessage } from '../feed/types.js';
import { DAY_MS, MINUTE_MS, SECOND_MS, floorTo, utcDate, utcDayStart } from '../time.js';
import { UPBIT_CANDLE_UNITS_MS, candleMessage, orderbookMessage, sequentialId, tickerMessage, tradeMessage } from './messages.js';

const ORDERBOOK_EVERY_MS = 200;
const CANDLE_EVERY_MS = 1000;

interface MarketStreams {
  inst: Instrument;
  lastSidTsMs: number;
  sidK: number;
  lastTradeMessage: JsonObject;
  lastBookPushMs: number;
  /** Per candle unit: bar starts touched by a trade since the last push. */
  dirtyCandles: Map<string, Set<number>>;
  lastCandlePushMs: Map<string, number>;
  secondBars: Map<number, Bar>;
  prevClose: { dayStartMs: number; price: number };
  completed: { minuteMs: number; day?: Bar; last24h?: Bar };
}

export class UpbitSyntheticStreams {
  private readonly markets = new Map<string, MarketStreams>();

  constructor(private readonly market: SyntheticMarket) {
    for (const inst of market.instruments('upbit')) {
      const streams: MarketStreams = {
        inst, lastSidTsMs: -1, sidK: 0, lastTradeMessage: {}, lastBookPushMs: 0,
        dirtyCandles: new Map(Object.keys(UPBIT_CANDLE_UNITS_MS).map((u) => [u, new Set<number>()])),
        lastCandlePushMs: new Map(), secondBars: new Map(),
        prevClose: { dayStartMs: -1, price: 0 }, completed: { minuteMs: -1 },
      };
      const last = market.lastTrade('upbit', inst.symbol);
      streams.lastTradeMessage = this.tradeMessage(streams, last, last.tsMs + 3);
      this.markets.set(inst.symbol, streams);
    }
  }

  private prevClosingPrice(s: MarketStreams, tsMs: number): number {
    const dayStartMs = utcDayStart(tsMs);
    if (s.prevClose.dayStartMs !== dayStartMs) {
      const price = this.market.priceAt('upbit', s.inst.symbol, dayStartMs - 1);
      const tick = s.inst.tickSize(price);
      s.prevClose = { dayStartMs, price: Number((Math.round(price / tick) * tick).toFixed(8)) };
    }
    return s.prevClose.price;
  }

  private tradeMessage(s: MarketStreams, trade: Trade, timestampMs: number): JsonObject {
    // k counts trades within the same millisecond, so ids stay unique and increasing.
    s.sidK = trade.tsMs === s.lastSidTsMs ? s.sidK + 1 : 0;
    s.lastSidTsMs = trade.tsMs;
    return tradeMessage({
      code: s.inst.symbol, trade, sequentialId: sequentialId(trade.tsMs, s.sidK),
      prevClosingPrice: this.prevClosingPrice(s, trade.tsMs), book: this.market.book('upbit', s.inst.symbol), timestampMs,
    });
  }

  private tickerMessage(s: MarketStreams, trade: Trade, timestampMs: number): JsonObject {
    const code = s.inst.symbol;
    const minuteMs = floorTo(trade.tsMs, MINUTE_MS);
    // Completed minutes change once a minute; only the current minute is recomputed per trade.
    if (s.completed.minuteMs !== minuteMs) {
      s.completed = {
        minuteMs,
        day: this.market.bar('upbit', code, utcDayStart(trade.tsMs), minuteMs),
        last24h: this.market.bar('upbit', code, minuteMs - DAY_MS + MINUTE_MS, minuteMs),
      };
    }
    const current = this.market.bar('upbit', code, minuteMs, minuteMs + MINUTE_MS);
    const pieces = (done: Bar | undefined): Bar[] => [done, current].filter((b): b is Bar => b !== undefined);
    const prevClose = this.prevClosingPrice(s, trade.tsMs);
    const dayStart = utcDayStart(trade.tsMs);
    const seed = nameSeed(code);
    const p0 = this.market.priceAt('upbit', code, this.market.originMs);
    return tickerMessage({
      code, lastTrade: trade, prevClosingPrice: prevClose,
      day: joinBars(dayStart, pieces(s.completed.day)) ?? emptyBar(dayStart, prevClose),
      last24h: joinBars(minuteMs - DAY_MS, pieces(s.completed.last24h)) ?? emptyBar(minuteMs - DAY_MS, prevClose),
      high52w: { price: p0 * (1.25 + 0.2 * hashUnit(seed, 1)), date: utcDate(this.market.originMs - Math.floor(30 + 300 * hashUnit(seed, 2)) * DAY_MS) },
      low52w: { price: p0 * (0.45 + 0.2 * hashUnit(seed, 3)), date: utcDate(this.market.originMs - Math.floor(30 + 300 * hashUnit(seed, 4)) * DAY_MS) },
      timestampMs,
    });
  }

  private candleBar(s: MarketStreams, unit: string, startMs: number): Bar | undefined {
    if (unit === '1s') return s.secondBars.get(startMs);
    return this.market.bar('upbit', s.inst.symbol, startMs, startMs + UPBIT_CANDLE_UNITS_MS[unit]);
  }

  onTick(tick: MarketTick, interest: FeedInterest): UpbitMessage[] {
    const out: UpbitMessage[] = [];
    for (const it of tick.instruments) {
      if (it.inst.venue !== 'upbit') continue;
      const s = this.markets.get(it.inst.symbol)!;
      const code = s.inst.symbol;
      for (const trade of it.trades) {
        // Upbit's message time trails the execution by a few ms.
        const timestampMs = Math.min(tick.tsMs, trade.tsMs + 3);
        s.lastTradeMessage = this.tradeMessage(s, trade, timestampMs);
        if (interest.upbit('trade', code)) out.push({ type: 'trade', code, body: s.lastTradeMessage });
        if (interest.upbit('ticker', code)) out.push({ type: 'ticker', code, body: this.tickerMessage(s, trade, timestampMs) });
        const second = floorTo(trade.tsMs, SECOND_MS);
        if (!s.secondBars.has(second)) s.secondBars.set(second, emptyBar(second, trade.price));
        applyTrade(s.secondBars.get(second)!, trade);
        for (const [unit, unitMs] of Object.entries(UPBIT_CANDLE_UNITS_MS)) s.dirtyCandles.get(unit)!.add(floorTo(trade.tsMs, unitMs));
      }
      if (tick.tsMs - s.lastBookPushMs >= ORDERBOOK_EVERY_MS) {
        s.lastBookPushMs = tick.tsMs;
        if (interest.upbit('orderbook', code)) out.push({ type: 'orderbook', code, body: orderbookMessage(code, it.book, tick.tsMs) });
      }
      for (const [unit, dirty] of s.dirtyCandles) {
        if (dirty.size === 0 || tick.tsMs - (s.lastCandlePushMs.get(unit) ?? 0) < CANDLE_EVERY_MS) continue;
        s.lastCandlePushMs.set(unit, tick.tsMs);
        const type = `candle.${unit}`;
        if (interest.upbit(type, code)) {
          for (const startMs of [...dirty].sort((a, b) => a - b)) {
            const bar = this.candleBar(s, unit, startMs);
            if (bar) out.push({ type, code, body: candleMessage(type, code, bar, tick.tsMs) });
          }
        }
        dirty.clear();
      }
      for (const second of s.secondBars.keys()) if (second < tick.tsMs - 5 * SECOND_MS) s.secondBars.delete(second);
    }
    return out;
  }

  snapshot(type: string, code: string, nowMs: number): JsonObject | undefined {
    const s = this.markets.get(code);
    if (!s) return undefined;
    const last = this.market.lastTrade('upbit', code);
    if (type === 'trade') return s.lastTradeMessage;
    if (type === 'orderbook') return orderbookMessage(code, this.market.book('upbit', code), nowMs);
    if (type === 'ticker') return this.tickerMessage(s, last, nowMs);
    const unit = type.slice('candle.'.length);
    const unitMs = UPBIT_CANDLE_UNITS_MS[unit];
    if (unitMs === undefined) return undefined;
    const bar = this.candleBar(s, unit, floorTo(last.tsMs, unitMs));
    return bar ? candleMessage(type, code, bar, nowMs) : undefined;
  }
}
