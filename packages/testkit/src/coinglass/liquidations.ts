// Synthetic liquidation data for the Coinglass fake (no public recordings exist):
// per-bucket long/short liquidation USD driven by the market's price moves (longs are
// liquidated when price falls) with occasional cascades, and liquidation maps: leverage
// clusters below (longs) and above (shorts) the current price.
import { hashUnit, nameSeed } from '../market/random.js';
import type { SyntheticMarket } from '../market/synthetic.js';

/** Share of aggregate liquidations per exchange (others are spread evenly on the rest). */
export const EXCHANGE_SHARE: Record<string, number> = { Binance: 0.42, OKX: 0.2, Bybit: 0.25, Bitget: 0.07, Gate: 0.03, HTX: 0.03 };
export const KNOWN_EXCHANGES = Object.keys(EXCHANGE_SHARE);

export interface LiquidationBucket {
  timeMs: number;
  longUsd: number;
  shortUsd: number;
}

/** Liquidations on one exchange (or all when exchange is undefined) for [timeMs, timeMs + intervalMs). */
export function liquidationBucket(market: SyntheticMarket, pairSymbol: string, exchange: string | undefined, timeMs: number, intervalMs: number): LiquidationBucket {
  const seed = market.history.seed ^ nameSeed(`cg/${pairSymbol}`);
  const open = market.priceAt('binance', pairSymbol, timeMs);
  const close = market.priceAt('binance', pairSymbol, timeMs + intervalMs - 1);
  const move = (close - open) / open;
  const minutes = intervalMs / 60_000;
  const inst = market.instrument('binance', pairSymbol)!;
  // ~ $25 of liquidations per minute per $1M of daily traded notional on the pair, fat-tailed.
  const basePerMinute = inst.profile.binanceTradesPerSec * inst.profile.medianTradeUsd * 86_400 * 25e-6;
  const cascade = hashUnit(seed, 1, timeMs / 60_000) < 0.03 ? 6 + 10 * hashUnit(seed, 2, timeMs) : 1;
  const total = basePerMinute * minutes * Math.exp(1.2 * (hashUnit(seed, 3, timeMs) - 0.5)) * cascade * (1 + 80 * Math.abs(move));
  const longShare = 1 / (1 + Math.exp(120 * move));
  const share = exchange === undefined ? 1 / EXCHANGE_SHARE.Binance : (EXCHANGE_SHARE[exchange] ?? 0.01) / EXCHANGE_SHARE.Binance;
  return { timeMs, longUsd: total * longShare * share, shortUsd: total * (1 - longShare) * share };
}

export interface MapLevel {
  price: number;
  liquidationUsd: number;
  leverage: number | null;
}

const LEVERAGES = [5, 10, 25, 50, 100];
const RANGE_SCALE: Record<string, number> = { '1d': 1, '7d': 4, '30d': 12 };

/** Liquidation-map levels around the current price for a range (1d, 7d, 30d). */
export function liquidationMap(market: SyntheticMarket, pairSymbol: string, range: string, withLeverage: boolean): MapLevel[] {
  const inst = market.instrument('binance', pairSymbol)!;
  const price = market.priceAt('binance', pairSymbol, market.nowMs);
  const scale = RANGE_SCALE[range] ?? 1;
  const step = inst.tickSize(price) * Math.max(1, Math.round((price * 0.0005) / inst.tickSize(price)));
  const seed = market.history.seed ^ nameSeed(`cgmap/${pairSymbol}/${range}`);
  const bucket = Math.floor(market.nowMs / 60_000);
  const levels: MapLevel[] = [];
  for (const leverage of LEVERAGES) {
    for (const side of [-1, 1]) {
      const center = price * (1 + (side * 0.9) / leverage);
      for (let k = -8; k <= 8; k++) {
        const levelPrice = Math.round((center + k * step * scale) / step) * step;
        const weight = Math.exp(-(k * k) / 18) * (0.5 + hashUnit(seed, leverage, side, k, bucket));
        levels.push({ price: Number(levelPrice.toFixed(inst.priceDecimals)), liquidationUsd: Math.round(weight * 2_000_000 * scale * (leverage >= 25 ? 1.5 : 1)), leverage: withLeverage ? leverage : null });
      }
    }
  }
  return levels.sort((a, b) => a.price - b.price);
}
