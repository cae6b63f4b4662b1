// Coverage maths on half-open ranges [fromMs, toMs) of candle open times: what is still unknown
// in a window, and the runs of candles a venue left out of a page it answered.
export interface Range {
  fromMs: number;
  toMs: number;
}

/** Sorted, merged union (touching ranges join). */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter((r) => r.toMs > r.fromMs).sort((a, b) => a.fromMs - b.fromMs);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, r.toMs);
    else out.push({ ...r });
  }
  return out;
}

/** Parts of `window` outside every covered range, in order. */
export function subtractRanges(window: Range, covered: readonly Range[]): Range[] {
  const out: Range[] = [];
  let from = window.fromMs;
  for (const c of mergeRanges(covered)) {
    if (c.toMs <= from) continue;
    if (c.fromMs >= window.toMs) break;
    if (c.fromMs > from) out.push({ fromMs: from, toMs: c.fromMs });
    from = Math.max(from, c.toMs);
    if (from >= window.toMs) break;
  }
  if (from < window.toMs) out.push({ fromMs: from, toMs: window.toMs });
  return out;
}

/**
 * Runs of expected open times with no candle, as ranges [first missing open, next present open).
 * `expected` is ascending; `present` holds the opens the venue returned.
 */
export function missingRuns(expected: readonly number[], present: ReadonlySet<number>, endMs: number): Range[] {
  const out: Range[] = [];
  let runStart: number | undefined;
  for (const t of expected) {
    if (present.has(t)) {
      if (runStart !== undefined) out.push({ fromMs: runStart, toMs: t });
      runStart = undefined;
    } else if (runStart === undefined) runStart = t;
  }
  if (runStart !== undefined) out.push({ fromMs: runStart, toMs: endMs });
  return out;
}
