// What the synthetic market trades: per base asset a profile (price level, volatility, activity)
// and per venue symbol its price/quantity grid. Unknown bases get a generic small-cap profile.

export type Venue = 'upbit' | 'binance';

export interface AssetProfile {
  base: string;
  usdPrice: number;
  /** Annualised volatility in the "normal" regime. */
  annualVol: number;
  /** Loading on the common (market-wide) factor. */
  beta: number;
  binanceTradesPerSec: number;
  upbitTradesPerSec: number;
  medianTradeUsd: number;
  /** Binance open interest, in base units (contracts). */
  openInterestBase: number;
  /** Share of minutes with no Upbit trade in history: empty candles are gaps, as on Upbit. */
  upbitQuietMinuteShare: number;
}

const PROFILES: Record<string, AssetProfile> = {
  BTC: { base: 'BTC', usdPrice: 97_000, annualVol: 0.55, beta: 1, binanceTradesPerSec: 40, upbitTradesPerSec: 8, medianTradeUsd: 900, openInterestBase: 82_000, upbitQuietMinuteShare: 0.002 },
  ETH: { base: 'ETH', usdPrice: 3_400, annualVol: 0.7, beta: 0.85, binanceTradesPerSec: 30, upbitTradesPerSec: 5, medianTradeUsd: 600, openInterestBase: 2_100_000, upbitQuietMinuteShare: 0.005 },
  XRP: { base: 'XRP', usdPrice: 2.2, annualVol: 0.9, beta: 0.7, binanceTradesPerSec: 12, upbitTradesPerSec: 6, medianTradeUsd: 300, openInterestBase: 800_000_000, upbitQuietMinuteShare: 0.01 },
  SOL: { base: 'SOL', usdPrice: 190, annualVol: 0.85, beta: 0.8, binanceTradesPerSec: 15, upbitTradesPerSec: 3, medianTradeUsd: 400, openInterestBase: 12_000_000, upbitQuietMinuteShare: 0.02 },
  DOGE: { base: 'DOGE', usdPrice: 0.32, annualVol: 1.0, beta: 0.75, binanceTradesPerSec: 10, upbitTradesPerSec: 3, medianTradeUsd: 250, openInterestBase: 5_000_000_000, upbitQuietMinuteShare: 0.02 },
  ADA: { base: 'ADA', usdPrice: 0.9, annualVol: 0.95, beta: 0.7, binanceTradesPerSec: 5, upbitTradesPerSec: 2, medianTradeUsd: 200, openInterestBase: 600_000_000, upbitQuietMinuteShare: 0.05 },
};

export function assetProfile(base: string): AssetProfile {
  return PROFILES[base] ?? { base, usdPrice: 1.5, annualVol: 1.1, beta: 0.6, binanceTradesPerSec: 1.5, upbitTradesPerSec: 0.05, medianTradeUsd: 150, openInterestBase: 50_000_000, upbitQuietMinuteShare: 0.3 };
}

export interface Instrument {
  venue: Venue;
  /** Exchange spelling: `BTCUSDT` (Binance) or `KRW-BTC` (Upbit). */
  symbol: string;
  base: string;
  quote: string;
  profile: AssetProfile;
  /** Quote units per USD (KRW ≈ 1380, USDT = 1). */
  quotePerUsd: number;
  /** Decimals of price strings (Binance pricePrecision). */
  priceDecimals: number;
  qtyStep: number;
  qtyDecimals: number;
  tickSize(price: number): number;
}

/** Upbit KRW-market tick table (approximate; the exchange revises it from time to time). */
export function upbitKrwTickSize(price: number): number {
  const table: Array<[number, number]> = [
    [2_000_000, 1000], [1_000_000, 500], [500_000, 100], [100_000, 50], [10_000, 10], [1_000, 1],
    [100, 0.1], [10, 0.01], [1, 0.001], [0.1, 0.0001],
  ];
  for (const [floor, tick] of table) if (price >= floor) return tick;
  return 0.00001;
}

function decimalsOf(step: number): number {
  return Math.max(0, Math.round(-Math.log10(step)));
}

export function binanceInstrument(symbol: string): Instrument {
  if (!/^[A-Z0-9]+USDT$/.test(symbol)) throw new Error(`unsupported Binance USD-M symbol ${symbol} (expected <BASE>USDT)`);
  const base = symbol.slice(0, -4);
  const profile = assetProfile(base);
  // Binance quotes BTCUSDT with 2 decimals on a 0.10 tick; smaller coins get more decimals.
  const tick = base === 'BTC' ? 0.1 : 10 ** (Math.floor(Math.log10(profile.usdPrice)) - 4);
  const qtyStep = profile.usdPrice > 1000 ? 0.001 : profile.usdPrice > 10 ? 0.01 : 1;
  return {
    venue: 'binance', symbol, base, quote: 'USDT', profile, quotePerUsd: 1,
    priceDecimals: base === 'BTC' ? 2 : decimalsOf(tick), qtyStep, qtyDecimals: decimalsOf(qtyStep),
    tickSize: () => tick,
  };
}

export function upbitInstrument(code: string, usdKrw: number): Instrument {
  const match = /^(KRW|USDT)-([A-Z0-9]+)$/.exec(code);
  if (!match) throw new Error(`unsupported Upbit market ${code} (expected KRW-<BASE> or USDT-<BASE>)`);
  const [, quote, base] = match;
  const profile = assetProfile(base);
  const quotePerUsd = quote === 'KRW' ? usdKrw : 1;
  return {
    venue: 'upbit', symbol: code, base, quote, profile, quotePerUsd,
    priceDecimals: 8, qtyStep: 1e-8, qtyDecimals: 8,
    tickSize: quote === 'KRW' ? upbitKrwTickSize : (price) => 10 ** (Math.floor(Math.log10(Math.max(price, 1e-8))) - 4),
  };
}

/** Fixed-decimal string, rounded to `decimals`, never "-0". */
export function decimalString(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

export function roundToStep(value: number, step: number): number {
  return Math.round(value / step) * step;
}
