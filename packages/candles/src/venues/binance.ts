// Binance USD-M klines: GET /fapi/v1/klines with symbol, interval, startTime, endTime (inclusive)
// and limit ≤ 1500, ascending. Request weight by limit ([1,100) 1, [100,500) 2, [500,1000] 5,
// > 1000 10) against the REQUEST_WEIGHT budget of /fapi/v1/exchangeInfo, which every answer
// reports as X-MBX-USED-WEIGHT-1M. The weight window is aligned to the exchange clock, which
// /fapi/v1/time gives.
import { RuntimeFailure, UsageError } from '@cqt/config';
import { HttpCaller, sleepMs, type HttpAnswer, type HttpOptions } from '../http.js';
import { openTimes } from '../timeframes.js';
import type { Candle, CandleClient, MarketVolume, Page } from './types.js';

/** Kline request weight by limit. */
export function klinesWeight(limit: number): number {
  if (limit < 100) return 1;
  if (limit < 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

type KlineRow = [number, string, string, string, string, string, number, string, number, ...unknown[]];

export function parseKline(row: KlineRow): Candle {
  return {
    openMs: Number(row[0]),
    open: Number(row[1]), high: Number(row[2]), low: Number(row[3]), close: Number(row[4]),
    volume: Number(row[5]), quoteVolume: Number(row[7]), tradeCount: Number(row[8]),
  };
}

const UNIT_MS: Record<string, number> = { SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
// Wait this long past the exchange's window boundary: our estimate of its clock is off by up to
// half a round trip.
const WINDOW_MARGIN_MS = 250;

export interface BinanceClientOptions extends HttpOptions {
  /** Share of the REQUEST_WEIGHT budget to use (0 < share ≤ 1); the rest is left to other clients on the IP. */
  weightShare?: number;
}

export class BinanceKlines implements CandleClient {
  readonly venue = 'binance' as const;
  readonly maxPerPage = 1500;
  readonly missingIsHole = true;
  private readonly http: HttpCaller;
  private weightLimit = 2400;
  private windowMs = 60_000;
  /** Exchange clock minus local clock. */
  private offsetMs = 0;
  private usedWeight = 0;
  private usedWindowStartMs = 0;
  private ready: Promise<void> | undefined;
  private readonly weightShare: number;
  /** Perpetual contracts trading now, from exchangeInfo (undefined without it). */
  private perpetuals: Set<string> | undefined;
  /** Highest X-MBX-USED-WEIGHT-1M seen. */
  peakUsedWeight = 0;

  constructor(
    private readonly baseUrl: string,
    options: BinanceClientOptions = {},
  ) {
    this.http = new HttpCaller('binance', options);
    this.weightShare = options.weightShare ?? 1;
  }

  get stats() {
    return this.http.stats;
  }

  private serverNowMs(): number {
    return Date.now() + this.offsetMs;
  }

  private url(path: string, query?: URLSearchParams): string {
    return `${this.baseUrl.replace(/\/$/, '')}${path}${query ? `?${query}` : ''}`;
  }

  private get(path: string, weight: number, query?: URLSearchParams): Promise<HttpAnswer> {
    return this.http.get(this.url(path, query), {
      beforeEach: () => this.spend(weight),
      afterEach: (a) => {
        const used = Number(a.headers.get('x-mbx-used-weight-1m'));
        if (a.headers.has('x-mbx-used-weight-1m') && Number.isFinite(used)) {
          this.peakUsedWeight = Math.max(this.peakUsedWeight, used);
          this.countedByExchange(a, used);
        }
      },
      rateLimitWaitMs: (a) => this.rateLimitWaitMs(a),
    });
  }

  /**
   * The exchange's count for the window it charged this answer's request to: the window of its
   * Date header (whole seconds, rounded down, so never a later window), else of our clock estimate.
   * A busy exchange may charge a request sent late in a window to the next one: then that window
   * is ours from now on, with the exchange's count (which includes other clients on this IP).
   */
  private countedByExchange(answer: HttpAnswer, used: number): void {
    const windowStartMs = this.windowStart(answer.dateMs ?? answer.recvMs + this.offsetMs);
    if (windowStartMs > this.usedWindowStartMs) {
      this.usedWindowStartMs = windowStartMs;
      this.usedWeight = used;
    } else if (windowStartMs === this.usedWindowStartMs) {
      this.usedWeight = Math.max(this.usedWeight, used);
    }
  }

  private windowStart(serverMs: number): number {
    return Math.floor(serverMs / this.windowMs) * this.windowMs;
  }

  /** Waits until `weight` fits in the current weight window, then counts it. */
  private async spend(weight: number): Promise<void> {
    for (;;) {
      const nowMs = this.serverNowMs();
      // Our estimate of the exchange clock may run ahead of it: for a margin after a boundary the
      // exchange may still count a request in the old window, so it is charged there.
      // Only a margin after a boundary by our estimate is the exchange surely in the new window
      // (the estimate may run ahead); a window the exchange already charged stays ours.
      const windowStartMs = this.windowStart(nowMs - WINDOW_MARGIN_MS);
      if (windowStartMs > this.usedWindowStartMs) {
        this.usedWindowStartMs = windowStartMs;
        this.usedWeight = 0;
      }
      // A page always fits an empty window, whatever the share.
      const budget = Math.max(Math.floor(this.weightLimit * this.weightShare), weight);
      if (this.usedWeight + weight <= budget) {
        this.usedWeight += weight;
        return;
      }
      await sleepMs(this.usedWindowStartMs + this.windowMs + WINDOW_MARGIN_MS - nowMs);
    }
  }

  private rateLimitWaitMs(answer: HttpAnswer): number {
    const retryAfter = Number(answer.headers.get('retry-after'));
    if (retryAfter > 0) return retryAfter * 1000;
    const until = /banned until (\d{13})/.exec((answer.body as { msg?: string })?.msg ?? '');
    if (until) return Math.max(1000, Number(until[1]) - this.serverNowMs());
    return this.windowStart(this.serverNowMs()) + this.windowMs + WINDOW_MARGIN_MS - this.serverNowMs();
  }

  /**
   * Reads the weight budget and the exchange clock once. Without exchangeInfo the documented
   * 2,400 per minute stands; without /fapi/v1/time the Date header gives the clock to the second.
   */
  private init(): Promise<void> {
    return (this.ready ??= (async () => {
      const info = await this.optional('/fapi/v1/exchangeInfo');
      const limits = (info?.body as { rateLimits?: Array<{ rateLimitType: string; interval: string; intervalNum: number; limit: number }> } | undefined)?.rateLimits ?? [];
      const weight = limits.find((l) => l.rateLimitType === 'REQUEST_WEIGHT' && UNIT_MS[l.interval] && l.limit > 0 && l.intervalNum > 0);
      if (weight) {
        this.weightLimit = weight.limit;
        this.windowMs = weight.intervalNum * UNIT_MS[weight.interval];
        // The weight this answer reported belongs to the window it fell in, measured anew.
        this.usedWindowStartMs = -Infinity;
        this.usedWeight = 0;
        this.countedByExchange(info!, Number(info!.headers.get('x-mbx-used-weight-1m')) || 1);
      }
      const symbols = (info?.body as { symbols?: Array<{ symbol: string; contractType?: string; status?: string }> } | undefined)?.symbols;
      if (symbols) this.perpetuals = new Set(symbols.filter((x) => x.contractType === 'PERPETUAL' && x.status === 'TRADING').map((x) => x.symbol));
      const sentMs = Date.now();
      const time = await this.optional('/fapi/v1/time');
      const serverTime = Number((time?.body as { serverTime?: number } | undefined)?.serverTime);
      if (time && Number.isFinite(serverTime)) this.offsetMs = serverTime - (sentMs + time.recvMs) / 2;
      else if (info?.dateMs !== undefined) this.offsetMs = info.dateMs + 500 - info.recvMs;
      else throw new RuntimeFailure('binance gave neither /fapi/v1/time nor a Date header: no exchange clock to tell closed klines by', 'check BINANCE_REST_URL');
    })());
  }

  /** A weight-1 call whose refusal (4xx) is not fatal. */
  private async optional(path: string): Promise<HttpAnswer | undefined> {
    try {
      return await this.get(path, 1);
    } catch (err) {
      if (err instanceof UsageError) return undefined;
      throw err;
    }
  }

  /** USD-M perpetuals by 24 h `quoteVolume` (GET /fapi/v1/ticker/24hr without symbol: weight 40). */
  async volumes24h(): Promise<{ markets: MarketVolume[]; serverNowMs: number }> {
    await this.init();
    const answer = await this.get('/fapi/v1/ticker/24hr', 40);
    if (!Array.isArray(answer.body)) throw new RuntimeFailure(`binance tickers: expected a JSON array, got ${String(answer.body).slice(0, 80)}`, 'check BINANCE_REST_URL');
    // Delivery contracts (BTCUSDT_260327) are not perpetuals; without exchangeInfo their name tells.
    const isPerpetual = (symbol: string) => (this.perpetuals ? this.perpetuals.has(symbol) : !symbol.includes('_'));
    const markets = (answer.body as Array<{ symbol: string; quoteVolume: string }>)
      .filter((t) => isPerpetual(t.symbol))
      .map((t) => ({ symbol: t.symbol, quoteVolume24h: Number(t.quoteVolume) }));
    return { markets, serverNowMs: answer.dateMs ?? answer.recvMs + this.offsetMs };
  }

  async fetchPage(symbol: string, timeframe: string, fromMs: number, toMs: number): Promise<Page> {
    await this.init();
    const limit = openTimes(timeframe, fromMs, toMs).length;
    if (limit < 1 || limit > this.maxPerPage) throw new Error(`binance page of ${limit} klines`);
    const query = new URLSearchParams({ symbol, interval: timeframe, startTime: String(fromMs), endTime: String(toMs - 1), limit: String(limit) });
    const answer = await this.get('/fapi/v1/klines', klinesWeight(limit), query);
    if (!Array.isArray(answer.body)) throw new RuntimeFailure(`binance klines: expected a JSON array, got ${String(answer.body).slice(0, 80)}`, 'check BINANCE_REST_URL');
    // The Date header when sent, else the clock /fapi/v1/time gave us: never the local clock alone.
    const serverNowMs = answer.dateMs ?? answer.recvMs + this.offsetMs;
    return { candles: (answer.body as KlineRow[]).map(parseKline), serverNowMs, recvMs: answer.recvMs };
  }
}
