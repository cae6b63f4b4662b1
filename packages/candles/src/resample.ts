// Native candles against the stored 1 m candles of the same span (`cqt check candles`). A venue
// builds its 1 h and 1 d candles from the same trades as its 1 m ones, so the minutes of an hour,
// joined, must give the hour: open of the first traded minute, max high, min low, close of the last,
// summed volumes (decision 91). A 1 m slot with no row inside a queried range had no trades (Upbit)
// and joins as nothing; a slot nobody asked about makes the comparison unknown, never a pass. Pure.
import { mergeRanges, subtractRanges, type Range } from './coverage.js';
import type { CoverageKind } from './store.js';
import { stepCandles } from './timeframes.js';
import type { Candle } from './venues/types.js';

/** Decision 91: prices exact up to float parsing; volumes to the venues' 8 decimals per minute. */
export const RESAMPLE_TOLERANCE = {
  /** |native − resampled| ≤ this × max(|native|, |resampled|) for open, high, low, close. */
  priceRel: 1e-9,
  /** Volumes and quote volumes: relative part… */
  volumeRel: 1e-6,
  /** …plus this much per joined minute (each minute's figure is rounded to 8 decimals). */
  volumeAbsPerMinute: 1e-8,
} as const;

export type Ohlcv = Pick<Candle, 'open' | 'high' | 'low' | 'close' | 'volume' | 'quoteVolume' | 'tradeCount'>;

/** The minutes joined into one candle (any order), or null when none traded. */
export function resample(minutes: readonly Candle[]): (Ohlcv & { minutes: number }) | null {
  const traded = [...minutes].sort((a, b) => a.openMs - b.openMs);
  if (traded.length === 0) return null;
  let high = -Infinity;
  let low = Infinity;
  let volume = 0;
  let quoteVolume: number | null = 0;
  let tradeCount: number | null = 0;
  for (const m of traded) {
    high = Math.max(high, m.high);
    low = Math.min(low, m.low);
    volume += m.volume;
    quoteVolume = quoteVolume === null || m.quoteVolume === null ? null : quoteVolume + m.quoteVolume;
    tradeCount = tradeCount === null || m.tradeCount === null ? null : tradeCount + m.tradeCount;
  }
  return { open: traded[0].open, high, low, close: traded[traded.length - 1].close, volume, quoteVolume, tradeCount, minutes: traded.length };
}

export type ResampleVerdict =
  | { kind: 'agree' }
  | { kind: 'disagree'; field: string; native: number | null; resampled: number | null }
  /** Some 1 m slots of the span were never answered (or their candles were pruned): not comparable. */
  | { kind: 'unknown'; unknownMinutes: number };

const closeEnough = (a: number, b: number, absTol: number, relTol: number) => Math.abs(a - b) <= absTol + relTol * Math.max(Math.abs(a), Math.abs(b));

/**
 * One native candle slot [openMs, next open) of `timeframe` against the 1 m candles stored in it.
 * `native` is null for a slot the venue answered without a candle (Upbit: nothing traded);
 * `minuteCoverage` is the 1 m series' coverage (any ranges; only those touching the span count).
 */
export function compareWithMinutes(
  timeframe: string,
  openMs: number,
  native: Ohlcv | null,
  minutes: readonly Candle[],
  minuteCoverage: ReadonlyArray<Range & { kind: CoverageKind }>,
): ResampleVerdict {
  const span: Range = { fromMs: openMs, toMs: stepCandles(timeframe, openMs, 1) };
  const answered = minuteCoverage.filter((c) => c.kind === 'queried' || c.kind === 'exchange_hole');
  const notAnswered = subtractRanges(span, answered);
  // A pruned minute was answered once, but its candle is gone: it cannot take part.
  const pruned = mergeRanges(minuteCoverage.filter((c) => c.kind === 'pruned'))
    .map((r) => ({ fromMs: Math.max(r.fromMs, span.fromMs), toMs: Math.min(r.toMs, span.toMs) }))
    .filter((r) => r.toMs > r.fromMs);
  const unknownMs = mergeRanges([...notAnswered, ...pruned]).reduce((n, r) => n + r.toMs - r.fromMs, 0);
  if (unknownMs > 0) return { kind: 'unknown', unknownMinutes: Math.round(unknownMs / 60_000) };

  const inSpan = minutes.filter((m) => m.openMs >= span.fromMs && m.openMs < span.toMs);
  // Binance serves a kline for a minute without trades (volume 0): it joins as nothing, as on Upbit.
  const joined = resample(inSpan.filter((m) => m.volume > 0 || (m.tradeCount ?? 0) > 0));
  const nativeTraded = native !== null && (native.volume > 0 || (native.tradeCount ?? 0) > 0);
  if (!joined) return nativeTraded ? { kind: 'disagree', field: 'volume', native: native!.volume, resampled: 0 } : { kind: 'agree' };
  if (!nativeTraded) return { kind: 'disagree', field: 'candle', native: native?.volume ?? null, resampled: joined.volume };

  const volumeAbs = RESAMPLE_TOLERANCE.volumeAbsPerMinute * joined.minutes;
  for (const field of ['open', 'high', 'low', 'close'] as const) {
    if (!closeEnough(native![field], joined[field], 0, RESAMPLE_TOLERANCE.priceRel)) {
      return { kind: 'disagree', field, native: native![field], resampled: joined[field] };
    }
  }
  for (const field of ['volume', 'quoteVolume'] as const) {
    const a = native![field];
    const b = joined[field];
    if (a === null || b === null) continue;
    if (!closeEnough(a, b, volumeAbs, RESAMPLE_TOLERANCE.volumeRel)) return { kind: 'disagree', field, native: a, resampled: b };
  }
  if (native!.tradeCount !== null && joined.tradeCount !== null && native!.tradeCount !== joined.tradeCount) {
    return { kind: 'disagree', field: 'tradeCount', native: native!.tradeCount, resampled: joined.tradeCount };
  }
  return { kind: 'agree' };
}

/** Timeframes compared with their 1 m series: intraday ones and 1 d (weeks and months are not). */
export function comparedWithMinutes(timeframe: string): boolean {
  return timeframe !== '1m' && timeframe !== '1w' && timeframe !== '1M';
}
