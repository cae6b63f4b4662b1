/**
 * One price per second: the input of every labeling and volatility function.
 * `tsSec[i]` is the open second of bar i (epoch seconds, strictly ascending integers; a missing
 * second is a gap). `price[i]` is NaN when that bar has no usable price, which counts as a
 * missing second too.
 */
export interface PricePath {
  tsSec: ArrayLike<number>;
  price: Float64Array;
}

/** The columns of a market_1s row that pricing needs; `ts` is a Date or epoch ms. */
export interface MarketPriceRow {
  ts: Date | number;
  mid: number | null;
  close: number | null;
}

/**
 * Price path from market_1s rows (ordered by ts). The price is the book mid: it exists in every
 * second the book is known, while close is the last trade and is null in seconds without trades.
 * close stands in only when mid is null (book state missing); with neither the price is NaN and
 * the labeler treats that second as missing. Rows map 1:1 to path indices, so labels computed
 * for every bar line up with `rows`.
 */
export function pricePath(rows: readonly MarketPriceRow[]): PricePath {
  return pathOf(rows, 0);
}

/**
 * The path labels use: each market_1s row at the instant its price holds. A bar is keyed by its
 * open second s but carries the book at the second's end, s + 1 (close, the fallback, is the last
 * trade before then), so the price at instant τ is the bar keyed τ − 1. A label for t0 on this
 * path takes p0 from the bar keyed t0 − 1 (the book at t0) and scans the bars keyed t0 … t0 + H − 1
 * (the books at t0 + 1 … t0 + H): none shows the market after label_ts = t0 + H, and touch_ts is
 * the instant the touching book held.
 */
export function barEndPricePath(rows: readonly MarketPriceRow[]): PricePath {
  return pathOf(rows, 1);
}

function pathOf(rows: readonly MarketPriceRow[], offsetSec: number): PricePath {
  const tsSec = new Float64Array(rows.length);
  const price = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const { ts, mid, close } = rows[i];
    // Bars are keyed by their open second; floor drops any sub-second part of the key.
    tsSec[i] = Math.floor((typeof ts === 'number' ? ts : ts.getTime()) / 1000) + offsetSec;
    price[i] = mid ?? close ?? Number.NaN;
  }
  return { tsSec, price };
}

/** Seconds as Float64Array (a copy only when given another array type), validated ascending. */
export function checkedSeconds(path: PricePath): Float64Array {
  const { tsSec, price } = path;
  if (tsSec.length !== price.length) {
    throw new RangeError(`tsSec has ${tsSec.length} entries but price has ${price.length}`);
  }
  const ts = tsSec instanceof Float64Array ? tsSec : Float64Array.from(tsSec);
  let previous = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const sec = ts[i];
    if (!(sec > previous && Number.isSafeInteger(sec))) {
      throw new RangeError(`tsSec must be strictly ascending whole seconds (index ${i}: ${sec})`);
    }
    previous = sec;
  }
  return ts;
}
