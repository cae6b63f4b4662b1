// `collect --metrics-port`: the collector's Prometheus metrics (docs/operations.md, decision 133).
// Every value is read at scrape time from counts the collector keeps anyway — the streams' stats
// (also the status line's), the feed-event counts (also the run summary's) and the writers' stats
// — so nothing is counted twice and the metrics cannot disagree with the summary.
import type { BulkWriter, TableName } from '@cqt/db';
import type { Registry } from '@cqt/metrics';
import type { FeedEventLog } from './events.js';
import type { StreamStats } from './status.js';

/** 'binance-rest' → binance: the venue a stream belongs to. */
const venueOf = (stream: string) => stream.split('-')[0];

export interface CollectSources {
  streams: StreamStats[];
  events: FeedEventLog;
  writers: Record<string, Pick<BulkWriter<TableName>, 'pending' | 'stats'>>;
  nowMs?: () => number;
}

export async function collectMetrics(registry: Registry, sources: CollectSources): Promise<void> {
  const { counterFrom, gaugeFrom } = await import('@cqt/metrics');
  const { streams, events, writers } = sources;
  const now = sources.nowMs ?? Date.now;
  const perStream = <V extends number | null>(f: (s: StreamStats) => V) => () => streams.map((s) => [{ venue: venueOf(s.name), stream: s.name }, f(s)] as const);
  const perTable = (f: (w: Pick<BulkWriter<TableName>, 'pending' | 'stats'>) => number) => () => Object.entries(writers).map(([table, w]) => [{ table }, f(w)] as const);
  const labels = ['venue', 'stream'] as const;
  counterFrom(registry, 'cqt_collect_frames_total', 'frames (WebSocket messages or REST answers) received', labels, perStream((s) => s.frames));
  counterFrom(registry, 'cqt_collect_stream_rows_total', 'rows the stream produced for the writers', labels, perStream((s) => s.rows));
  counterFrom(registry, 'cqt_collect_reconnects_total', 'reconnects after a drop, a stall or a rotation (not the first connect)', labels, perStream((s) => s.reconnects));
  counterFrom(registry, 'cqt_collect_parse_errors_total', 'frames that could not be parsed', labels, perStream((s) => s.parseErrors));
  gaugeFrom(registry, 'cqt_collect_stream_lag_seconds', 'now minus the exchange time of the newest event of the stream (absent before the first)', labels, perStream((s) => (s.lastEventTsMs === null ? null : Math.max(0, (now() - s.lastEventTsMs) / 1000))));
  counterFrom(registry, 'cqt_collect_feed_events_total', 'feed events by source and kind (late, duplicate, parse_error, gap, rate_limited, reconnect, …), as written to feed_events', ['source', 'kind'], () =>
    [...events.counts].map(([key, n]) => {
      const [source, kind] = key.split(':');
      return [{ source, kind }, n] as const;
    }),
  );
  gaugeFrom(registry, 'cqt_collect_writer_queue_rows', 'rows waiting in the writer (queued, not yet committed)', ['table'], perTable((w) => w.pending));
  counterFrom(registry, 'cqt_collect_rows_written_total', 'rows committed to the store', ['table'], perTable((w) => w.stats.written));
  counterFrom(registry, 'cqt_collect_rows_dropped_total', 'rows dropped because the writer queue was full (the database was away too long)', ['table'], perTable((w) => w.stats.dropped));
  counterFrom(registry, 'cqt_collect_rows_rejected_total', 'rows the store refused (bad values)', ['table'], perTable((w) => w.stats.rejected));
  counterFrom(registry, 'cqt_collect_writer_retries_total', 'failed batch writes retried', ['table'], perTable((w) => w.stats.retries));
}
