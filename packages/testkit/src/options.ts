// Every knob of the fake exchange, with defaults that match the real venues (as the venues document them).
// Tests shrink the intervals (idle 120 s → 1 s, 24 h cut → 2 s); a CLI maps its flags here.
import type { ReplaySymbolMap } from './replay/source.js';
import { DAY_MS, MINUTE_MS, SECOND_MS } from './time.js';

export type CoinglassPlan = 'Hobbyist' | 'Startup' | 'Standard' | 'Professional' | 'Enterprise';

export interface SyntheticSourceOptions {
  kind: 'synthetic';
}

export interface ReplaySourceOptions {
  kind: 'replay';
  /** Recording files or directories (searched recursively). */
  paths: string[];
  speed: number;
  loop: boolean;
  symbolMap?: ReplaySymbolMap;
  /** Serve markets that were never recorded from the busiest recorded one. */
  borrowUnrecorded: boolean;
}

export interface UpbitOptions {
  /** Close after this long without traffic either way (Upbit: ≈120 s). */
  idleTimeoutMs: number;
  /** After a text PING, {"status":"UP"} repeats this often. */
  statusIntervalMs: number;
  /** Frame type of status/error/LIST_SUBSCRIPTIONS replies (undocumented; data is always binary). */
  controlFrames: 'binary' | 'text';
  /** Close the socket after sending an error (undocumented; default keeps it open). */
  closeOnError: boolean;
  subscribeLimitPerSec: number;
  subscribeLimitPerMin: number;
  connectLimitPerSec: number;
  /** REST "candle" group budget per second and the block after ignoring a 429. */
  candleRequestsPerSec: number;
  blockMs: number;
  /** Recorded bodies of /v1/candles/minutes/1 served instead of the synthetic market over their span. */
  candleFiles: string[];
  /**
   * Multiplies a market's 24 h traded value in /v1/ticker/all (default 1). Read on every request,
   * so a test changes the Top-N ranking while a client runs: `ex.options.upbit.volume24hFactors['KRW-XRP'] = 1e3`.
   */
  volume24hFactors: Record<string, number>;
}

export interface BinanceOptions {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** Hard cut of every connection (Binance: 24 h). */
  maxConnectionMs: number;
  maxIncomingPerSec: number;
  maxStreams: number;
  /**
   * The retired un-routed `/stream` and `/ws` paths: 'silent' accepts and ACKs but sends no
   * data (Binance's behaviour since 2026-04-23), 'serve' streams everything, 'reject' → 404.
   */
  legacyRoutes: 'silent' | 'serve' | 'reject';
  /** Market streams only on /market, public ones (bookTicker, depth, trade) only on /public. */
  enforceRoutes: boolean;
  weightLimitPerMinute: number;
  /** Length of the weight window (60 s on Binance; shorter in tests). */
  weightWindowMs: number;
  futuresDataLimit: number;
  futuresDataWindowMs: number;
  fundingRateLimit: number;
  fundingRateWindowMs: number;
  /** IP ban (418) after requests that ignore a 429 (Binance: 2 min, escalating). */
  banMs: number;
  /** /futures/data/* history depth. */
  futuresDataHistoryMs: number;
  /** Exchange-side holes (maintenance): no klines open in [fromMs, toMs), for one symbol or all. */
  klineHoles: Array<{ symbol?: string; fromMs: number; toMs: number }>;
  /** Multiplies a symbol's 24 h volume and quoteVolume in /fapi/v1/ticker/24hr (default 1); read on every request. */
  volume24hFactors: Record<string, number>;
}

export interface CoinglassOptions {
  apiKeys: string[];
  plan: CoinglassPlan;
  /** Overrides the plan's requests per minute. */
  requestsPerMinute?: number;
  windowMs: number;
  /** Send Retry-After (seconds until the window resets) with a 429; Coinglass documents none. */
  retryAfterOn429: boolean;
}

export interface FakeExchangeOptions {
  host: string;
  /** 0 = pick a free port. */
  port: number;
  seed: number;
  source: SyntheticSourceOptions | ReplaySourceOptions;
  markets: { upbit: string[]; binance: string[] };
  usdKrw: number;
  /** Exchange clock minus local clock: positive means exchange timestamps run ahead. */
  clockSkewMs: number;
  /** Market step and dispatch period. */
  tickMs: number;
  /** A client this far behind (bytes queued) is cut off, as exchanges do with slow consumers. */
  maxBufferedBytes: number;
  upbit: UpbitOptions;
  binance: BinanceOptions;
  coinglass: CoinglassOptions;
}

export const COINGLASS_PLAN_REQUESTS_PER_MIN: Record<CoinglassPlan, number> = {
  Hobbyist: 30, Startup: 80, Standard: 300, Professional: 1200,
  // Not stated in Coinglass's documentation: assumed.
  Enterprise: 6000,
};

export const defaultFakeExchangeOptions: FakeExchangeOptions = {
  host: '127.0.0.1',
  port: 0,
  seed: 1,
  source: { kind: 'synthetic' },
  markets: { upbit: ['KRW-BTC', 'KRW-ETH'], binance: ['BTCUSDT', 'ETHUSDT'] },
  usdKrw: 1380,
  clockSkewMs: 0,
  tickMs: 50,
  maxBufferedBytes: 16 * 1024 * 1024,
  upbit: {
    idleTimeoutMs: 120 * SECOND_MS, statusIntervalMs: 10 * SECOND_MS, controlFrames: 'binary', closeOnError: false,
    subscribeLimitPerSec: 5, subscribeLimitPerMin: 100, connectLimitPerSec: 5, candleRequestsPerSec: 10, blockMs: MINUTE_MS,
    candleFiles: [], volume24hFactors: {},
  },
  binance: {
    pingIntervalMs: 3 * MINUTE_MS, pongTimeoutMs: 10 * MINUTE_MS, maxConnectionMs: DAY_MS, maxIncomingPerSec: 10, maxStreams: 1024,
    legacyRoutes: 'silent', enforceRoutes: true, weightLimitPerMinute: 2400, weightWindowMs: MINUTE_MS,
    futuresDataLimit: 1000, futuresDataWindowMs: 5 * MINUTE_MS, fundingRateLimit: 500, fundingRateWindowMs: 5 * MINUTE_MS,
    banMs: 2 * MINUTE_MS, futuresDataHistoryMs: 30 * DAY_MS, klineHoles: [], volume24hFactors: {},
  },
  coinglass: { apiKeys: ['cg-test-key'], plan: 'Professional', windowMs: MINUTE_MS, retryAfterOn429: false },
};

export type FakeExchangeInput = Partial<Omit<FakeExchangeOptions, 'markets' | 'upbit' | 'binance' | 'coinglass' | 'source'>> & {
  source?: SyntheticSourceOptions | (Partial<ReplaySourceOptions> & { kind: 'replay'; paths: string[] });
  markets?: Partial<FakeExchangeOptions['markets']>;
  upbit?: Partial<UpbitOptions>;
  binance?: Partial<BinanceOptions>;
  coinglass?: Partial<CoinglassOptions>;
};

export function resolveFakeExchangeOptions(input: FakeExchangeInput = {}): FakeExchangeOptions {
  const d = defaultFakeExchangeOptions;
  const source: FakeExchangeOptions['source'] =
    input.source?.kind === 'replay' ? { speed: 1, loop: true, borrowUnrecorded: true, ...input.source } : { kind: 'synthetic' };
  const options: FakeExchangeOptions = {
    ...d,
    ...stripUndefined(input),
    source,
    markets: { ...d.markets, ...stripUndefined(input.markets ?? {}) },
    upbit: { ...d.upbit, ...stripUndefined(input.upbit ?? {}) },
    binance: { ...d.binance, ...stripUndefined(input.binance ?? {}) },
    coinglass: { ...d.coinglass, ...stripUndefined(input.coinglass ?? {}) },
  };
  // Each exchange gets its own (mutable) factor tables, never the shared defaults.
  options.upbit.volume24hFactors = { ...options.upbit.volume24hFactors };
  options.binance.volume24hFactors = { ...options.binance.volume24hFactors };
  if (source.kind === 'replay' && !(source.speed > 0)) throw new Error(`replay speed must be > 0 (got ${source.speed})`);
  if (!(options.tickMs > 0)) throw new Error(`tickMs must be > 0 (got ${options.tickMs})`);
  return options;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
