// `cqt backfill --follow`: keep series current by waking just after each candle closes, per
// timeframe, rather than on a fixed loop. The schedule is pure (a function of the clock and each
// series' state) so it is tested with a fake clock; the loop around it only sleeps and fetches.
// A failed or short pass (venue away, or its clock behind ours) backs off and tries again; every
// pass continues from the committed cursor, so an outage is caught up by the next good pass.
import type { Sql } from 'postgres';
import { UsageError, sleepMs } from '@cqt/config';
import { backfillSeries, CLOSE_GRACE_MS, type SeriesOptions, type SeriesResult } from './backfill.js';
import type { Series } from './store.js';
import { candleOpen, stepCandles } from './timeframes.js';
import type { CandleClient } from './venues/types.js';

/** After a close, wait this much more than the closed-candle grace: the venue finishes the candle. */
export const FOLLOW_DELAY_MS = 2000;
const BACKOFF_FIRST_MS = 2000;
const BACKOFF_MAX_MS = 5 * 60_000;

export interface FollowState {
  series: Series;
  /** When this series is next due (local clock). */
  dueMs: number;
  /** Consecutive failed or short passes. */
  failures: number;
}

/** The first wake after nowMs at which the candle forming at nowMs counts as closed. */
export function nextCloseWake(timeframe: string, nowMs: number, delayMs = FOLLOW_DELAY_MS): number {
  return stepCandles(timeframe, candleOpen(timeframe, nowMs), 1) + CLOSE_GRACE_MS + delayMs;
}

/** 2 s, 4 s, 8 s … capped at 5 min. */
export function backoffMs(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, failures - 1));
}

/** The open time of the newest candle closed at nowMs: a pass at nowMs should reach it. */
export function expectedCursor(timeframe: string, nowMs: number): number {
  return stepCandles(timeframe, candleOpen(timeframe, nowMs - CLOSE_GRACE_MS), -1);
}

/**
 * The state after a pass that started at startedMs and ended at endedMs: when the cursor reached
 * the newest candle closed at the start, due at the next close after the start (judging by the
 * start, a pass that straddles a close neither mistakes itself for late nor skips that close);
 * else (failed, or the venue had not closed it yet) backed off from the end, never past that close.
 */
export function afterPass(state: FollowState, startedMs: number, endedMs: number, cursorMs: number | null, failed: boolean): FollowState {
  const { timeframe } = state.series;
  const nextClose = nextCloseWake(timeframe, startedMs);
  if (!failed && cursorMs !== null && cursorMs >= expectedCursor(timeframe, startedMs)) return { ...state, failures: 0, dueMs: nextClose };
  const failures = state.failures + 1;
  return { ...state, failures, dueMs: Math.min(endedMs + backoffMs(failures), Math.max(nextClose, endedMs)) };
}

/** The earliest due time and the series due then (all due at or before it). */
export function nextWake(states: readonly FollowState[]): { atMs: number; due: FollowState[] } {
  const atMs = Math.min(...states.map((s) => s.dueMs));
  return { atMs, due: states.filter((s) => s.dueMs <= atMs) };
}

/**
 * The next re-rank of a Top-N universe: the next multiple of everyMs on the UTC epoch grid (an
 * hourly re-rank at hh:00) plus the same few seconds after a boundary as a candle pass.
 */
export function nextRerankMs(nowMs: number, everyMs: number, delayMs = CLOSE_GRACE_MS + FOLLOW_DELAY_MS): number {
  return (Math.floor((nowMs - delayMs) / everyMs) + 1) * everyMs + delayMs;
}

/** Entering and leaving series between two universes (by venue/symbol/timeframe). */
export function universeChange(before: readonly Series[], after: readonly Series[]): { entering: Series[]; leaving: Series[] } {
  const key = (s: Series) => `${s.venue}/${s.symbol}/${s.timeframe}`;
  const had = new Set(before.map(key));
  const has = new Set(after.map(key));
  return { entering: after.filter((s) => !had.has(key(s))), leaving: before.filter((s) => !has.has(key(s))) };
}

export interface FollowRerank {
  /** How often; the first re-rank is at the first boundary after the start. */
  everyMs: number;
  /** Ranks anew (and stores the universe); returns the series to follow from now on. */
  choose: () => Promise<Series[]>;
  /** After each re-rank, with what changed (or the error, the universe then kept). */
  onRerank?: (change: { entering: Series[]; leaving: Series[]; series: Series[] } | null, error: Error | null, nextMs: number) => void;
}

export interface FollowOptions {
  /**
   * Start of each series' first pass (as backfill's --from/--since; a function for a start
   * relative to when a series enters); later passes go from the cursor.
   */
  fromMs?: number | (() => number | undefined);
  /** Re-rank a Top-N universe on a schedule: entering series are backfilled, leaving ones no longer followed. */
  rerank?: FollowRerank;
  signal?: AbortSignal;
  /** After each series' pass. */
  onPass?: (result: SeriesResult | null, error: Error | null, state: FollowState) => void;
  /** Before each sleep: when the loop wakes next and for which series. */
  onSleep?: (atMs: number, due: readonly Series[]) => void;
  onPage?: SeriesOptions['onPage'];
  /** The clock (tests); default Date.now. */
  nowMs?: () => number;
}

export interface FollowSummary {
  passes: number;
  failedPasses: number;
  candles: number;
  pages: number;
  /** Re-ranks done (and failed: the universe was kept). */
  reranks: number;
  failedReranks: number;
  /** The series followed when it stopped. */
  series: Series[];
}

/** Runs until the signal aborts; returns what was done. Failed passes are reported and retried; usage errors end it. */
export async function follow(sql: Sql, clientFor: (s: Series) => CandleClient, series: readonly Series[], options: FollowOptions = {}): Promise<FollowSummary> {
  const now = options.nowMs ?? Date.now;
  const summary: FollowSummary = { passes: 0, failedPasses: 0, candles: 0, pages: 0, reranks: 0, failedReranks: 0, series: [...series] };
  let states: FollowState[] = series.map((s) => ({ series: s, dueMs: now(), failures: 0 }));
  const started = new Set<string>();
  const key = (s: Series) => `${s.venue}/${s.symbol}/${s.timeframe}`;
  const firstFromMs = () => (typeof options.fromMs === 'function' ? options.fromMs() : options.fromMs);
  const rerank = options.rerank;
  let rerankDueMs = rerank ? nextRerankMs(now(), rerank.everyMs) : Number.POSITIVE_INFINITY;
  let rerankFailures = 0;
  while (!options.signal?.aborted) {
    const wake = states.length > 0 ? nextWake(states) : { atMs: Number.POSITIVE_INFINITY, due: [] };
    const rerankFirst = rerankDueMs <= wake.atMs;
    const atMs = rerankFirst ? rerankDueMs : wake.atMs;
    options.onSleep?.(atMs, rerankFirst ? [] : wake.due.map((d) => d.series));
    if (!(await sleepMs(atMs - now(), options.signal))) break;
    if (rerankFirst && rerank) {
      try {
        const next = await rerank.choose();
        const change = universeChange(states.map((s) => s.series), next);
        // Leaving series stop being followed (their candles, cursor and coverage stay);
        // entering ones are due now and start at --from/--since like the first series did.
        const leaving = new Set(change.leaving.map(key));
        states = states.filter((s) => !leaving.has(key(s.series)));
        for (const s of change.entering) {
          started.delete(key(s));
          states.push({ series: s, dueMs: now(), failures: 0 });
        }
        summary.reranks++;
        rerankFailures = 0;
        rerankDueMs = nextRerankMs(now(), rerank.everyMs);
        summary.series = states.map((s) => s.series);
        rerank.onRerank?.({ ...change, series: summary.series }, null, rerankDueMs);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        summary.failedReranks++;
        rerankFailures++;
        // The universe is kept; try again soon, but never later than the next scheduled re-rank.
        rerankDueMs = Math.min(now() + backoffMs(rerankFailures), nextRerankMs(now(), rerank.everyMs));
        rerank.onRerank?.(null, err as Error, rerankDueMs);
      }
      continue;
    }
    for (const state of wake.due) {
      if (options.signal?.aborted) break;
      let result: SeriesResult | null = null;
      let error: Error | null = null;
      const startedMs = now();
      try {
        const first = !started.has(key(state.series));
        result = await backfillSeries(sql, clientFor(state.series), state.series, { fromMs: first ? firstFromMs() : undefined, onPage: options.onPage, signal: options.signal });
        started.add(key(state.series));
        summary.candles += result.candles;
        summary.pages += result.pages;
      } catch (err) {
        // A refused market or a series without history is the operator's to fix, not an outage.
        if (err instanceof UsageError) throw err;
        error = err as Error;
        summary.failedPasses++;
      }
      summary.passes++;
      const next = afterPass(state, startedMs, now(), result?.cursor ? Date.parse(result.cursor) : null, error !== null);
      states = states.map((s) => (s === state ? next : s));
      options.onPass?.(result, error, next);
    }
  }
  return summary;
}
