// Replays recorded frames as a feed source. Each recording is its own timeline, played from
// `startMs` at `speed`, optionally looped. A frame keeps its recorded content except:
// - times (E, T, trade_timestamp, …) are rebased with the same map as the schedule, so the
//   recorded gap between local receive time and exchange time (clock skew) survives;
// - kline bar bounds are re-floored to the interval so bars stay aligned;
// - symbols are mapped to the served ones (a recorded KRW-ADA can be served as KRW-BTC);
// - on loop n ≥ 1, ids (trade, aggTrade, book update) move past the recording's range so they
//   stay unique; Upbit sequential_id follows its rebased trade_timestamp.
// Upbit frames are stored with DEFAULT keys and re-spelled per client format by the server.
import { JsonNumber, isJsonObject, numberOf, parseLossless, type JsonObject, type JsonValue } from '../json/lossless.js';
import type { FeedBatch, FeedInterest, FeedSource, UpbitMessage, BinanceFrame } from '../feed/types.js';
import { intervalEnd, intervalStart, isKlineInterval } from '../binance/intervals.js';
import { toDefaultKeys } from '../upbit/keys.js';
import { utcDate, utcTime } from '../time.js';
import type { Recording } from './recordings.js';

export interface ReplaySymbolMap {
  /** Served Upbit market → recorded market, e.g. { 'KRW-BTC': 'KRW-ADA' }. */
  upbit?: Record<string, string>;
  /** Served Binance symbol → recorded symbol, e.g. { BTCUSDT: 'SUSHIUSDT' }. */
  binance?: Record<string, string>;
}

export interface ReplayFeedOptions {
  recordings: Recording[];
  /** Market time at which every timeline starts playing. */
  startMs: number;
  /** 2 = twice as fast (recorded gaps and timestamp differences halve). */
  speed: number;
  loop: boolean;
  upbitMarkets: string[];
  binanceSymbols: string[];
  symbolMap?: ReplaySymbolMap;
  /** Serve a market that was never recorded from the busiest recorded one (default true). */
  borrowUnrecorded?: boolean;
}

interface ClassifiedFrame {
  localTsMs: number;
  text: string;
  /** Binance: lower-case stream symbol; Upbit: market code. */
  symbol: string;
  /** Binance: stream kind after the symbol (`aggTrade`, `markPrice@1s`); Upbit: type. */
  kind: string;
}

interface Timeline {
  venue: Recording['venue'];
  frames: ClassifiedFrame[];
  /** Market time at which the recording's first frame plays (before startMs when pre-rolled). */
  startMs: number;
  firstMs: number;
  periodMs: number;
  cursor: number;
  loop: number;
  done: boolean;
  /** kind → recorded symbol → served symbols. */
  routes: Map<string, Map<string, string[]>>;
  idSpans?: Map<string, number>;
}

// Binance id families: values in one family must move together on a loop.
const ID_FAMILY: Record<string, string> = { a: 'agg', f: 'trade', l: 'trade', t: 'trade', L: 'trade', u: 'book', U: 'book', pu: 'book' };
const LOOP_GAP_MS = 1000;
// Up to this much recorded time is played at start-up, before anyone can connect, so every
// route has a latest message (an Upbit SNAPSHOT) the moment clients subscribe.
const MAX_PREROLL_MS = 10_000;
// Which recorded prices anchor the synthetic market (REST history) per base asset.
const PRICE_KINDS = ['markPrice@1s', 'markPrice', 'aggTrade', 'trade', 'bookTicker', 'orderbook'];

function classify(recording: Recording): ClassifiedFrame[] {
  const out: ClassifiedFrame[] = [];
  for (const frame of recording.frames) {
    if (recording.venue === 'binance') {
      const m = /^\{"stream":"([^"@]+)@([^"]+)"/.exec(frame.text);
      if (m) out.push({ ...frame, symbol: m[1], kind: m[2] });
    } else {
      const type = /"(?:ty|type)":"([^"]+)"/.exec(frame.text)?.[1];
      const code = /"(?:cd|code)":"([^"]+)"/.exec(frame.text)?.[1];
      if (type && code) out.push({ ...frame, symbol: code, kind: type });
    }
  }
  return out.sort((a, b) => a.localTsMs - b.localTsMs);
}

export class ReplayFeed implements FeedSource {
  readonly kind = 'replay' as const;
  private timelines: Timeline[];
  private readonly snapshots = new Map<string, JsonObject>();
  // Recordings are not kept: only the frames some served route uses stay in memory.
  private readonly options: Omit<ReplayFeedOptions, 'recordings'>;

  constructor({ recordings, ...options }: ReplayFeedOptions) {
    this.options = options;
    this.timelines = recordings
      .map((recording): Timeline => {
        const frames = classify(recording);
        const firstMs = frames[0]?.localTsMs ?? 0;
        const lastMs = frames[frames.length - 1]?.localTsMs ?? 0;
        return {
          venue: recording.venue, frames, startMs: options.startMs, firstMs, periodMs: (lastMs - firstMs + LOOP_GAP_MS) / options.speed,
          cursor: 0, loop: 0, done: frames.length === 0, routes: new Map(),
        };
      });
    this.planRoutes('binance', options.binanceSymbols.map((s) => s.toLowerCase()), lowerKeys(options.symbolMap?.binance));
    this.planRoutes('upbit', options.upbitMarkets, options.symbolMap?.upbit ?? {});
    for (const t of this.timelines) {
      // Frames no served route uses are never sent: drop them (the schedule keeps the full span).
      t.frames = t.frames.filter((f) => t.routes.get(f.kind)?.has(f.symbol));
      t.done = t.frames.length === 0;
      const firstPerRoute = new Map<string, number>();
      for (const f of t.frames) if (!firstPerRoute.has(`${f.kind}|${f.symbol}`)) firstPerRoute.set(`${f.kind}|${f.symbol}`, f.localTsMs);
      const prerollMs = Math.min(MAX_PREROLL_MS, Math.max(0, ...[...firstPerRoute.values()].map((ms) => ms - t.firstMs)));
      t.startMs = options.startMs - Math.ceil(prerollMs / options.speed);
    }
    this.timelines = this.timelines.filter((t) => !t.done);
  }

  /**
   * For each served symbol and recorded kind, the timeline and recorded symbol that feed it:
   * the mapped symbol, else the same symbol, else (borrowing) the busiest recorded one.
   */
  private planRoutes(venue: Recording['venue'], served: string[], map: Record<string, string>): void {
    const sources: Array<{ timeline: Timeline; kind: string; symbol: string; frames: number }> = [];
    for (const timeline of this.timelines.filter((t) => t.venue === venue)) {
      const counts = new Map<string, number>();
      for (const f of timeline.frames) counts.set(`${f.kind}|${f.symbol}`, (counts.get(`${f.kind}|${f.symbol}`) ?? 0) + 1);
      for (const [key, frames] of counts) {
        const [kind, symbol] = key.split('|');
        sources.push({ timeline, kind, symbol, frames });
      }
    }
    sources.sort((a, b) => b.frames - a.frames);
    for (const kind of new Set(sources.map((s) => s.kind))) {
      const ofKind = sources.filter((s) => s.kind === kind);
      for (const servedSymbol of served) {
        const mapped = map[servedSymbol];
        const borrow = mapped === undefined && this.options.borrowUnrecorded !== false;
        const pick = ofKind.find((s) => s.symbol === (mapped ?? servedSymbol)) ?? (borrow ? ofKind[0] : undefined);
        if (!pick) continue;
        const bySymbol = pick.timeline.routes.get(kind) ?? new Map<string, string[]>();
        pick.timeline.routes.set(kind, bySymbol);
        bySymbol.set(pick.symbol, [...(bySymbol.get(pick.symbol) ?? []), servedSymbol]);
      }
    }
  }

  /** USD start prices per base asset from the first recorded prices (to anchor REST history). */
  startPricesUsd(usdKrw: number): Record<string, number> {
    const candidates: Array<{ base: string; usd: number; rank: number }> = [];
    for (const t of this.timelines) {
      const venueRank = t.venue === 'binance' ? 0 : PRICE_KINDS.length;
      for (const [kind, bySymbol] of t.routes) {
        const kindRank = PRICE_KINDS.indexOf(kind);
        if (kindRank < 0) continue;
        for (const [recorded, servedList] of bySymbol) {
          const frame = t.frames.find((f) => f.kind === kind && f.symbol === recorded);
          const price = frame ? firstPrice(t.venue, frame.text) : Number.NaN;
          if (!Number.isFinite(price)) continue;
          for (const served of servedList) {
            const base = t.venue === 'binance' ? served.toUpperCase().replace(/USDT$/, '') : served.split('-')[1];
            const usd = t.venue === 'upbit' && served.startsWith('KRW-') ? price / usdKrw : price;
            candidates.push({ base, usd, rank: venueRank + kindRank });
          }
        }
      }
    }
    // Binance before Upbit, mark price before trades before books.
    candidates.sort((a, b) => b.rank - a.rank);
    return Object.fromEntries(candidates.map((c) => [c.base, c.usd]));
  }

  advance(nowMs: number, interest: FeedInterest): FeedBatch {
    const batch: FeedBatch = { upbit: [], binance: [] };
    for (const t of this.timelines) {
      while (!t.done) {
        const frame = t.frames[t.cursor];
        if (this.wallMs(t, frame.localTsMs) > nowMs) break;
        this.emit(t, frame, interest, batch);
        if (++t.cursor === t.frames.length) {
          t.cursor = 0;
          t.loop++;
          t.done = !this.options.loop;
        }
      }
    }
    return batch;
  }

  upbitSnapshot(type: string, code: string): JsonObject | undefined {
    return this.snapshots.get(`${type}|${code}`);
  }

  private wallMs(t: Timeline, recordedMs: number): number {
    return Math.round(t.startMs + t.loop * t.periodMs + (recordedMs - t.firstMs) / this.options.speed);
  }

  private emit(t: Timeline, frame: ClassifiedFrame, interest: FeedInterest, batch: FeedBatch): void {
    const servedList = t.routes.get(frame.kind)?.get(frame.symbol);
    if (!servedList) return;
    for (const served of servedList) {
      if (t.venue === 'binance') {
        const stream = `${served}@${frame.kind}`;
        if (interest.binance(stream)) batch.binance.push(this.binanceFrame(t, frame, stream, served.toUpperCase()));
      } else {
        const message = this.upbitMessage(t, frame, served);
        this.snapshots.set(`${message.type}|${served}`, message.body);
        if (interest.upbit(message.type, served)) batch.upbit.push(message);
      }
    }
  }

  private rebase(t: Timeline, value: JsonValue): JsonNumber {
    return new JsonNumber(String(this.wallMs(t, numberOf(value))));
  }

  private binanceFrame(t: Timeline, frame: ClassifiedFrame, stream: string, symbol: string): BinanceFrame {
    const envelope = parseLossless(frame.text) as JsonObject;
    const data = envelope.data;
    if (!isJsonObject(data)) return { stream, data: data ?? null };
    const shiftIds = (obj: JsonObject): void => {
      if (t.loop === 0) return;
      for (const [key, family] of Object.entries(ID_FAMILY)) {
        const value = obj[key];
        if (value instanceof JsonNumber && numberOf(value) >= 0) obj[key] = new JsonNumber((value.toBigInt() + BigInt(t.loop) * BigInt(this.idSpan(t, family))).toString());
      }
    };
    for (const key of ['E', 'T']) if (data[key] instanceof JsonNumber) data[key] = this.rebase(t, data[key]);
    if (typeof data.s === 'string') data.s = symbol;
    shiftIds(data);
    const kline = data.k;
    if (isJsonObject(kline) && typeof kline.i === 'string' && isKlineInterval(kline.i)) {
      const startMs = intervalStart(this.wallMs(t, numberOf(kline.t)), kline.i);
      kline.t = startMs;
      kline.T = intervalEnd(startMs, kline.i) - 1;
      kline.s = symbol;
      shiftIds(kline);
    }
    const order = data.o;
    if (isJsonObject(order)) {
      if (order.T instanceof JsonNumber) order.T = this.rebase(t, order.T);
      if (typeof order.s === 'string') order.s = symbol;
    }
    return { stream, data };
  }

  private upbitMessage(t: Timeline, frame: ClassifiedFrame, code: string): UpbitMessage {
    const body = toDefaultKeys(parseLossless(frame.text) as JsonObject);
    const type = String(body.type);
    body.code = code;
    if (body.timestamp !== undefined) body.timestamp = this.rebase(t, body.timestamp);
    if (body.trade_timestamp !== undefined) {
      const recordedTradeMs = numberOf(body.trade_timestamp);
      const tradeMs = this.wallMs(t, recordedTradeMs);
      body.trade_timestamp = new JsonNumber(String(tradeMs));
      const compact = type === 'ticker';
      if (body.trade_date !== undefined) body.trade_date = compact ? utcDate(tradeMs).replaceAll('-', '') : utcDate(tradeMs);
      if (body.trade_time !== undefined) body.trade_time = compact ? utcTime(tradeMs).replaceAll(':', '') : utcTime(tradeMs);
      const sid = body.sequential_id;
      if (sid instanceof JsonNumber) body.sequential_id = rebaseSequentialId(sid.toBigInt(), recordedTradeMs, tradeMs);
    }
    return { type, code, body };
  }

  /** max − min + 1 of an id family over the whole recording (computed once, when first looping). */
  private idSpan(t: Timeline, family: string): number {
    if (!t.idSpans) {
      const ranges = new Map<string, [number, number]>();
      const pattern = /"(a|f|l|t|L|u|U|pu)":(\d+)/g;
      for (const frame of t.frames) {
        for (const m of frame.text.matchAll(pattern)) {
          const fam = ID_FAMILY[m[1]];
          const value = Number(m[2]);
          const range = ranges.get(fam) ?? [value, value];
          ranges.set(fam, [Math.min(range[0], value), Math.max(range[1], value)]);
        }
      }
      t.idSpans = new Map([...ranges].map(([fam, [lo, hi]]) => [fam, hi - lo + 1]));
    }
    return t.idSpans.get(family) ?? 0;
  }
}

/**
 * Recorded ids are trade_timestamp × scale + k (scale 1000 in 2021 recordings, 10000 today);
 * the rebased id keeps the scale and k and takes the rebased trade time.
 */
export function rebaseSequentialId(sid: bigint, recordedTradeMs: number, rebasedTradeMs: number): bigint {
  const ratio = Number(sid) / recordedTradeMs;
  if (!(ratio >= 1)) return sid;
  const scale = 10n ** BigInt(Math.round(Math.log10(ratio)));
  const k = sid - BigInt(recordedTradeMs) * scale;
  return BigInt(rebasedTradeMs) * scale + k;
}

function firstPrice(venue: Recording['venue'], text: string): number {
  const m = venue === 'binance' ? /"[pb]":"([\d.]+)"/.exec(text) : /"(?:tp|trade_price|ap|ask_price)":([\d.]+)/.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

function lowerKeys(map: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
}
