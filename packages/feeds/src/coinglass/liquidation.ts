import { Frame } from '../fields.js';
import { readCoinglassEnvelope } from './envelope.js';

/** One bar of the liquidation map: estimated liquidations if price reaches `price`. */
export interface CoinglassLiquidationLevel {
  price: number;
  /** Coinglass's "liquidation level" (USD). */
  liquidationLevel: number;
  /** Null in the aggregated map. */
  leverage: number | null;
}

/** Liquidated notional (USD) in one interval. */
export interface CoinglassLiquidationBucket {
  tsMs: number;
  longLiquidationUsd: number;
  shortLiquidationUsd: number;
}

/**
 * /api/futures/liquidation/map and /aggregated-map: `data.data` maps a price string to
 * `[price, level, leverage|null, null]` rows. Returns all rows sorted by price, then leverage.
 */
export function parseCoinglassLiquidationMap(body: string): CoinglassLiquidationLevel[] {
  const frame = new Frame('coinglass.rest', body);
  const byPrice = readCoinglassEnvelope(frame).object('data').object('data');
  const levels: CoinglassLiquidationLevel[] = [];
  for (const priceKey of byPrice.keys()) {
    byPrice.array(priceKey).forEach((item, i) => {
      const row = frame.tuple(item, `${byPrice.pathOf(priceKey)}[${i}]`, 3);
      levels.push({
        price: row.number(0),
        liquidationLevel: row.number(1),
        leverage: row.raw(2) === null ? null : row.number(2),
      });
    });
  }
  return levels.sort((a, b) => a.price - b.price || (a.leverage ?? 0) - (b.leverage ?? 0));
}

/** /api/futures/liquidation/history (one exchange pair): USD values arrive as decimal strings. */
export function parseCoinglassLiquidationHistory(body: string): CoinglassLiquidationBucket[] {
  return readHistory(body, 'long_liquidation_usd', 'short_liquidation_usd');
}

/** /api/futures/liquidation/aggregated-history (a coin over exchanges): USD values arrive as numbers. */
export function parseCoinglassAggregatedLiquidationHistory(body: string): CoinglassLiquidationBucket[] {
  return readHistory(body, 'aggregated_long_liquidation_usd', 'aggregated_short_liquidation_usd');
}

// Both types are accepted for either endpoint: the docs disagree between endpoints and versions.
function readHistory(body: string, longKey: string, shortKey: string): CoinglassLiquidationBucket[] {
  const frame = new Frame('coinglass.rest', body);
  const data = readCoinglassEnvelope(frame);
  return data.array('data').map((item, i) => {
    const f = frame.object(item, `${data.pathOf('data')}[${i}]`);
    return { tsMs: f.epochMs('time'), longLiquidationUsd: f.numeric(longKey), shortLiquidationUsd: f.numeric(shortKey) };
  });
}
