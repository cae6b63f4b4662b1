// The feed_events vocabulary: written by `cqt collect`, read by `cqt check altdata`, `cqt status`
// and the snapshot features. Who recorded an event (source), what happened (kind), and how the
// Binance socket's events tell whether its forceOrder stream was up.
import type { FeedSource } from './errors.js';

/** feed_events.source: a feed, or the collector's own writer ('db') and process ('collector'). */
export type FeedEventSource = FeedSource | 'db' | 'collector';

/** A socket opened (connect, reconnect, rotate) or was still connected (heartbeat). */
const STREAM_UP_KINDS = ['connect', 'reconnect', 'rotate', 'heartbeat'] as const;
/** The socket delivering data went away or fell silent. */
const STREAM_DOWN_KINDS = ['disconnect', 'stale'] as const;

/** feed_events.kind. parse_error, late and duplicate are aggregated per source per second. */
export type FeedEventKind =
  | (typeof STREAM_UP_KINDS)[number]
  | (typeof STREAM_DOWN_KINDS)[number]
  | 'connect_error'
  | 'gap'
  | 'parse_error'
  | 'late'
  | 'duplicate'
  | 'error'
  | 'rate_limited'
  | 'skipped'
  | 'dropped'
  | 'start'
  | 'stop';

// Liquidations may be absent for hours, so binance_force_orders cannot tell whether the forceOrder
// stream is alive; the socket's events can. detail.streams names the socket's streams (detail.stream,
// a single name, is accepted too). A rotation's old socket reports no disconnect.

/** The source whose socket events carry the forceOrder stream's liveness. */
export const STREAM_SOURCE: FeedSource = 'binance.ws';
/** Every kind the liveness rules read. */
export const STREAM_KINDS: readonly FeedEventKind[] = [...STREAM_UP_KINDS, ...STREAM_DOWN_KINDS];
/** The collector writes a heartbeat this often while the socket is connected. */
export const HEARTBEAT_EVERY_SEC = 60;
/** Silence longer than three heartbeats means the socket (or the collector) is gone. */
export const MAX_SILENCE_SEC = 3 * HEARTBEAT_EVERY_SEC;

/** A feed_events row of STREAM_SOURCE (no recv_ts: recorded at ts). */
export interface StreamEvent {
  tsMs: number;
  kind: string;
  detail: unknown;
}

export const isStreamUp = (kind: string): boolean => (STREAM_UP_KINDS as readonly string[]).includes(kind);
export const isStreamDown = (kind: string): boolean => (STREAM_DOWN_KINDS as readonly string[]).includes(kind);

/** Stream names of an event: detail.streams (array) or detail.stream (string). */
export function streamsOf(detail: unknown): string[] {
  if (!detail || typeof detail !== 'object') return [];
  const { streams, stream } = detail as { streams?: unknown; stream?: unknown };
  if (Array.isArray(streams)) return streams.filter((s): s is string => typeof s === 'string');
  return typeof stream === 'string' ? [stream] : [];
}

/** The symbol's own forceOrder stream or the all-market one carries its liquidations. */
export function carriesForceOrders(streams: readonly string[], symbol: string): boolean {
  const own = `${symbol.toLowerCase()}@forceorder`;
  return streams.some((s) => {
    const name = s.toLowerCase();
    return name === own || name === '!forceorder@arr';
  });
}
