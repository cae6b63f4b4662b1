// `backfill --metrics-port` (for --follow): candles written, passes, requests, rate limits and the
// time spent waiting (docs/operations.md, decision 133). Requests, 429/418s, retries and waits are
// the candle client's own counts (also the summary's), read at scrape time.
import type { Registry } from '@cqt/metrics';

export interface CallCounts {
  requests: number;
  rateLimited: number;
  retries: number;
  waitedMs: number;
}

export interface BackfillMetrics {
  pass(timeframe: string, candles: number, failed: boolean): void;
  rerank(failed: boolean): void;
}

export async function backfillMetrics(registry: Registry, venue: string, calls: CallCounts): Promise<BackfillMetrics> {
  const { counter, counterFrom } = await import('@cqt/metrics');
  counterFrom(registry, 'cqt_backfill_requests_total', 'HTTP requests sent to the venue (every attempt)', ['venue'], () => [[{ venue }, calls.requests]]);
  counterFrom(registry, 'cqt_backfill_rate_limited_total', '429/418 answers (another client spending the same IP\'s budget)', ['venue'], () => [[{ venue }, calls.rateLimited]]);
  counterFrom(registry, 'cqt_backfill_retries_total', 'attempts retried after a transport error, a 5xx or a rate limit', ['venue'], () => [[{ venue }, calls.retries]]);
  counterFrom(registry, 'cqt_backfill_wait_seconds_total', 'time spent waiting out rate limits and retry back-off', ['venue'], () => [[{ venue }, calls.waitedMs / 1000]]);
  const candles = counter(registry, 'cqt_backfill_candles_total', 'closed candles written', ['venue', 'timeframe']);
  const passes = counter(registry, 'cqt_backfill_passes_total', 'follow passes (one series brought up to date) by outcome: ok, failed (retried with back-off)', ['venue', 'timeframe', 'outcome']);
  const reranks = counter(registry, 'cqt_backfill_reranks_total', '--top universe re-ranks by outcome', ['venue', 'outcome']);
  return {
    pass(timeframe, n, failed) {
      candles.inc({ venue, timeframe }, n);
      passes.inc({ venue, timeframe, outcome: failed ? 'failed' : 'ok' });
    },
    rerank(failed) {
      reranks.inc({ venue, outcome: failed ? 'failed' : 'ok' });
    },
  };
}
