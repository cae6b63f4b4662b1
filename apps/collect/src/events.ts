// feed_events writer: every connect, disconnect, gap, late frame, parse error and rate limit the
// collector sees. Frequent kinds (parse_error, late) are aggregated per source per second into one
// row with a count, so a flood of bad frames cannot flood the table.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BulkWriter } from '@cqt/db';
import type { FeedEventKind, FeedEventSource } from '@cqt/feeds';

export interface FeedEvent {
  source: FeedEventSource;
  kind: FeedEventKind;
  symbol?: string | null;
  detail?: Record<string, unknown> | null;
  gapFromMs?: number;
  gapToMs?: number;
  count?: number;
  tsMs?: number;
}

const AGGREGATED = new Set<FeedEventKind>(['parse_error', 'late', 'duplicate']);
/** Details kept per aggregated row: enough to name every late trade of an ordinary second. */
const MAX_SAMPLES = 10;

/** The start of a raw frame for an event's detail. */
export function rawExcerpt(raw: string | undefined, maxChars = 200): string | undefined {
  return raw?.slice(0, maxChars);
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Control characters (NUL above all, which PostgreSQL refuses) escaped in every string. */
function safeDetail(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  if (Array.isArray(value)) return value.map(safeDetail);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, safeDetail(v)]));
  return value;
}

/**
 * Names one collector run in feed_events.collector: host and pid say which process it was, the
 * random part keeps two runs apart even where those repeat (containers that all run as pid 1).
 */
export function newCollectorId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

export class FeedEventLog {
  private lastTsMs = new Map<string, number>();
  private pending = new Map<string, { event: FeedEvent; count: number; samples: unknown[] }>();
  readonly counts = new Map<string, number>();

  constructor(
    private readonly writer: BulkWriter<'feed_events'>,
    private readonly now: () => number = Date.now,
    /** Part of the key, so collectors sharing a store never overwrite each other's events. */
    readonly collector: string = newCollectorId(),
  ) {}

  record(event: FeedEvent): void {
    const n = event.count ?? 1;
    const countKey = `${event.source}:${event.kind}`;
    this.counts.set(countKey, (this.counts.get(countKey) ?? 0) + n);
    if (AGGREGATED.has(event.kind)) {
      const p = this.pending.get(countKey);
      if (p) {
        p.count += n;
        if (p.samples.length < MAX_SAMPLES && event.detail) p.samples.push(event.detail);
      } else this.pending.set(countKey, { event, count: n, samples: event.detail ? [event.detail] : [] });
      return;
    }
    this.write(event, n);
  }

  /** Writes the aggregated kinds collected since the last call (called once a second). */
  flushAggregates(): void {
    for (const { event, count, samples } of this.pending.values()) this.write({ ...event, detail: { samples } }, count);
    this.pending.clear();
  }

  private write(event: FeedEvent, count: number): void {
    // (ts, source, kind, collector) is the key: this collector keeps two events of one kind in
    // one ms apart by 1 ms.
    const key = `${event.source}:${event.kind}`;
    let ts = event.tsMs ?? this.now();
    const last = this.lastTsMs.get(key);
    if (last !== undefined && ts <= last) ts = last + 1;
    this.lastTsMs.set(key, ts);
    void this.writer.write([
      {
        ts: new Date(ts),
        source: event.source,
        kind: event.kind,
        symbol: event.symbol ?? null,
        gapFrom: event.gapFromMs !== undefined ? new Date(event.gapFromMs) : null,
        gapTo: event.gapToMs !== undefined ? new Date(event.gapToMs) : null,
        count,
        detail: (safeDetail(event.detail) as Record<string, unknown> | undefined) ?? null,
        collector: this.collector,
      },
    ]);
  }
}
