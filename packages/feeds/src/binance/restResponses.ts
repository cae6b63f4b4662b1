// Response bodies of the USD-M REST market-data endpoints → typed rows. Values are decimal
// strings; `timestamp` of the /futures/data endpoints may be a number or an integer string.
import { Frame, type Fields } from '../fields.js';
import { readCandle, type BinanceCandle } from './candle.js';

export interface BinanceOpenInterest {
  symbol: string;
  /** Contracts (base asset). */
  openInterest: number;
  tsMs: number;
}

export interface BinanceOpenInterestHist {
  symbol: string;
  /** Contracts (base asset). */
  sumOpenInterest: number;
  /** USDT. */
  sumOpenInterestValue: number;
  tsMs: number;
}

/** Global, top-account or top-position long/short ratio. */
export interface BinanceLongShortRatio {
  symbol: string;
  longShortRatio: number;
  /** Share of long accounts (account ratios) or of long position size (topLongShortPositionRatio). */
  longShare: number;
  shortShare: number;
  tsMs: number;
}

export interface BinanceTakerLongShortRatio {
  buySellRatio: number;
  buyVol: number;
  sellVol: number;
  tsMs: number;
}

export interface BinanceBasis {
  pair: string;
  contractType: string;
  indexPrice: number;
  futuresPrice: number;
  basis: number;
  basisRate: number;
  /** Null for PERPETUAL (sent as ""). */
  annualizedBasisRate: number | null;
  tsMs: number;
}

export interface BinancePremiumIndex {
  symbol: string;
  markPrice: number;
  indexPrice: number;
  estSettlePrice: number;
  /** Null for delivery contracts (sent as ""). */
  lastFundingRate: number | null;
  interestRate: number | null;
  /** Null for delivery contracts (sent as 0). */
  nextFundingTsMs: number | null;
  tsMs: number;
}

export interface BinanceFundingRate {
  symbol: string;
  fundingRate: number;
  fundingTsMs: number;
  /** Null in old records, which carry "". */
  markPrice: number | null;
}

/** GET /fapi/v1/openInterest. */
export function parseBinanceOpenInterest(body: string): BinanceOpenInterest {
  const f = rootObject(new Frame('binance.rest', body));
  return { symbol: f.string('symbol'), openInterest: f.decimal('openInterest'), tsMs: f.epochMs('time') };
}

/** GET /futures/data/openInterestHist. */
export function parseBinanceOpenInterestHist(body: string): BinanceOpenInterestHist[] {
  return rows(body, (f) => ({
    symbol: f.string('symbol'),
    sumOpenInterest: f.decimal('sumOpenInterest'),
    sumOpenInterestValue: f.decimal('sumOpenInterestValue'),
    tsMs: f.epochMsOrString('timestamp'),
  }));
}

/**
 * GET /futures/data/{globalLongShortAccountRatio, topLongShortAccountRatio, topLongShortPositionRatio}.
 * The position ratio is documented with longAccount/shortAccount but reported with
 * longPosition/shortPosition; both are accepted.
 */
export function parseBinanceLongShortRatio(body: string): BinanceLongShortRatio[] {
  return rows(body, (f) => {
    const [longKey, shortKey] = f.has('longPosition') ? ['longPosition', 'shortPosition'] : ['longAccount', 'shortAccount'];
    return {
      symbol: f.string('symbol'),
      longShortRatio: f.decimal('longShortRatio'),
      longShare: f.decimal(longKey),
      shortShare: f.decimal(shortKey),
      tsMs: f.epochMsOrString('timestamp'),
    };
  });
}

/** GET /futures/data/takerlongshortRatio (rows carry no symbol). */
export function parseBinanceTakerLongShortRatio(body: string): BinanceTakerLongShortRatio[] {
  return rows(body, (f) => ({
    buySellRatio: f.decimal('buySellRatio'),
    buyVol: f.decimal('buyVol'),
    sellVol: f.decimal('sellVol'),
    tsMs: f.epochMsOrString('timestamp'),
  }));
}

/** GET /futures/data/basis. */
export function parseBinanceBasis(body: string): BinanceBasis[] {
  return rows(body, (f) => ({
    pair: f.string('pair'),
    contractType: f.string('contractType'),
    indexPrice: f.decimal('indexPrice'),
    futuresPrice: f.decimal('futuresPrice'),
    basis: f.decimal('basis'),
    basisRate: f.decimal('basisRate'),
    annualizedBasisRate: f.decimalOrEmpty('annualizedBasisRate'),
    tsMs: f.epochMsOrString('timestamp'),
  }));
}

/** GET /fapi/v1/premiumIndex: one object with a symbol, an array without; always an array here. */
export function parseBinancePremiumIndex(body: string): BinancePremiumIndex[] {
  const frame = new Frame('binance.rest', body);
  const root = frame.json();
  if (!Array.isArray(root)) return [readPremiumIndex(rootObject(frame, root))];
  return root.map((item, i) => readPremiumIndex(frame.object(item, `$[${i}]`)));
}

function readPremiumIndex(f: Fields): BinancePremiumIndex {
  return {
    symbol: f.string('symbol'),
    markPrice: f.decimal('markPrice'),
    indexPrice: f.decimal('indexPrice'),
    estSettlePrice: f.decimal('estimatedSettlePrice'),
    lastFundingRate: f.decimalOrEmpty('lastFundingRate'),
    interestRate: f.decimalOrEmpty('interestRate'),
    nextFundingTsMs: f.raw('nextFundingTime') === 0 ? null : f.epochMs('nextFundingTime'),
    tsMs: f.epochMs('time'),
  };
}

/** GET /fapi/v1/fundingRate. */
export function parseBinanceFundingRates(body: string): BinanceFundingRate[] {
  return rows(body, (f) => ({
    symbol: f.string('symbol'),
    fundingRate: f.decimal('fundingRate'),
    fundingTsMs: f.epochMs('fundingTime'),
    markPrice: f.optional('markPrice', f.decimalOrEmpty) ?? null,
  }));
}

const KLINE_ROW = {
  openTsMs: 0,
  open: 1,
  high: 2,
  low: 3,
  close: 4,
  volume: 5,
  closeTsMs: 6,
  quoteVolume: 7,
  tradeCount: 8,
  takerBuyVolume: 9,
  takerBuyQuoteVolume: 10,
} as const;

/** GET /fapi/v1/klines: 12-element rows (the last one is ignored). */
export function parseBinanceKlines(body: string): BinanceCandle[] {
  const frame = new Frame('binance.rest', body);
  return rootArray(frame).map((item, i) => readCandle(frame.tuple(item, `$[${i}]`, 12), KLINE_ROW));
}

function rows<T>(body: string, read: (f: Fields) => T): T[] {
  const frame = new Frame('binance.rest', body);
  return rootArray(frame).map((item, i) => read(frame.object(item, `$[${i}]`)));
}

function rootArray(frame: Frame): unknown[] {
  const root = frame.json();
  if (!Array.isArray(root)) failOnErrorBody(frame, root);
  return frame.array(root);
}

function rootObject(frame: Frame, root: unknown = frame.json()): Fields {
  failOnErrorBody(frame, root);
  return frame.object(root);
}

/** An error body where data was expected names the error instead of a missing field. */
function failOnErrorBody(frame: Frame, root: unknown): void {
  if (typeof root !== 'object' || root === null || Array.isArray(root)) return;
  const { code, msg } = root as { code?: unknown; msg?: unknown };
  if (typeof code === 'number' && typeof msg === 'string') frame.fail(`error body instead of data: code ${code}: ${msg}`);
}
