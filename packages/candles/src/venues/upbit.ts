// Upbit quotation candles: GET /v1/candles/minutes/{unit} | days | weeks | months with `market`,
// `to` (exclusive end, UTC) and `count` ≤ 200; rows come newest first. The candle group allows
// 10 requests/s per IP; every answer carries `Remaining-Req: group=candle; min=…; sec=N`.
import { RuntimeFailure } from '@cqt/config';
import { HttpCaller, SlidingPacer, sleepMs, type HttpAnswer, type HttpOptions } from '../http.js';
import { openTimes } from '../timeframes.js';
import type { Candle, CandleClient, MarketVolume, Page } from './types.js';

const PATHS: Record<string, string> = {
  '1m': 'minutes/1', '3m': 'minutes/3', '5m': 'minutes/5', '10m': 'minutes/10', '15m': 'minutes/15', '30m': 'minutes/30',
  '1h': 'minutes/60', '4h': 'minutes/240', '1d': 'days', '1w': 'weeks', '1M': 'months',
};

interface UpbitRow {
  candle_date_time_utc: string;
  opening_price: number;
  high_price: number;
  low_price: number;
  trade_price: number;
  candle_acc_trade_price: number;
  candle_acc_trade_volume: number;
}

export interface UpbitClientOptions extends HttpOptions {
  /** Candle-group requests per second (Upbit: 10). */
  requestsPerSec?: number;
}

/** `to` as Upbit reads it: ISO 8601 in UTC, whole seconds. */
export const upbitTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function parseUpbitCandle(row: UpbitRow): Candle {
  return {
    // candle_date_time_utc is the candle start with no zone: UTC.
    openMs: Date.parse(`${row.candle_date_time_utc}Z`),
    open: Number(row.opening_price), high: Number(row.high_price), low: Number(row.low_price), close: Number(row.trade_price),
    volume: Number(row.candle_acc_trade_volume), quoteVolume: Number(row.candle_acc_trade_price), tradeCount: null,
  };
}

/** How long a 429/418 asks us to stay away: Retry-After if sent, the block in a 418 body, else 1 s / 60 s. */
export function upbitRateLimitWaitMs(answer: Pick<HttpAnswer, 'status' | 'headers' | 'body'>): number {
  const retryAfter = Number(answer.headers.get('retry-after'));
  if (retryAfter > 0) return retryAfter * 1000;
  const message = (answer.body as { error?: { message?: string } })?.error?.message ?? '';
  const blocked = /(\d+)\s*sec/i.exec(message);
  if (answer.status === 418) return blocked ? Number(blocked[1]) * 1000 : 60_000;
  return 1000;
}

export class UpbitCandles implements CandleClient {
  readonly venue = 'upbit' as const;
  readonly maxPerPage = 200;
  readonly missingIsHole = false;
  private readonly http: HttpCaller;
  private readonly pacer: SlidingPacer;
  /** The ticker group has its own 10 requests/s. */
  private readonly tickerPacer: SlidingPacer;

  constructor(
    private readonly baseUrl: string,
    options: UpbitClientOptions = {},
  ) {
    this.http = new HttpCaller('upbit', options);
    this.pacer = new SlidingPacer(options.requestsPerSec ?? 10, 1000, 50, options.timeoutMs);
    this.tickerPacer = new SlidingPacer(10, 1000, 50, options.timeoutMs);
  }

  get stats() {
    return this.http.stats;
  }

  private paced(pacer: SlidingPacer) {
    // The attempt out now; one that failed without an answer (network error) ended by the next.
    let answered: ((recvMs: number) => void) | undefined;
    return {
      beforeEach: async () => {
        answered?.(Date.now());
        for (let d = pacer.delayMs(Date.now()); d > 0; d = pacer.delayMs(Date.now())) await sleepMs(d);
        answered = pacer.sent(Date.now());
      },
      afterEach: (a: HttpAnswer) => {
        answered?.(a.recvMs);
        answered = undefined;
        // sec = calls left in this second for the whole group (other clients on this IP included).
        const left = /sec=(\d+)/.exec(a.headers.get('remaining-req') ?? '');
        if (left && Number(left[1]) === 0) pacer.holdUntil(a.recvMs + 1000);
      },
      rateLimitWaitMs: upbitRateLimitWaitMs,
    };
  }

  /** KRW markets by `acc_trade_price_24h` (GET /v1/ticker/all?quote_currencies=KRW). */
  async volumes24h(): Promise<{ markets: MarketVolume[]; serverNowMs: number }> {
    const answer = await this.http.get(`${this.baseUrl.replace(/\/$/, '')}/v1/ticker/all?quote_currencies=KRW`, this.paced(this.tickerPacer));
    if (!Array.isArray(answer.body)) throw new RuntimeFailure(`upbit tickers: expected a JSON array, got ${String(answer.body).slice(0, 80)}`, 'check UPBIT_REST_URL');
    const markets = (answer.body as Array<{ market: string; acc_trade_price_24h: number }>).map((t) => ({ symbol: t.market, quoteVolume24h: Number(t.acc_trade_price_24h) }));
    return { markets, serverNowMs: answer.dateMs ?? answer.recvMs };
  }

  async fetchPage(symbol: string, timeframe: string, fromMs: number, toMs: number): Promise<Page> {
    const count = openTimes(timeframe, fromMs, toMs).length;
    if (count < 1 || count > this.maxPerPage) throw new Error(`upbit page of ${count} candles`);
    const query = new URLSearchParams({ market: symbol, to: upbitTime(toMs), count: String(count) });
    const answer = await this.http.get(`${this.baseUrl.replace(/\/$/, '')}/v1/candles/${PATHS[timeframe]}?${query}`, this.paced(this.pacer));
    if (answer.dateMs === undefined) throw new RuntimeFailure('upbit answered without a Date header: cannot tell closed candles from the forming one', 'check UPBIT_REST_URL points at Upbit (or a faithful proxy)');
    if (!Array.isArray(answer.body)) throw new RuntimeFailure(`upbit candles: expected a JSON array, got ${String(answer.body).slice(0, 80)}`, 'check UPBIT_REST_URL');
    return { candles: (answer.body as UpbitRow[]).map(parseUpbitCandle), serverNowMs: answer.dateMs, recvMs: answer.recvMs };
  }
}
