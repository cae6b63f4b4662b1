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
/**
 * A new collector process: its start event, or its socket's first connect (attempt 0). The one
 * before may have died without writing a disconnect (kill -9, a crash, the machine), so no
 * up-interval runs through either.
 */
const STREAM_RESTART_KINDS = ['start', 'connect'] as const;

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
// a single name, is accepted too). A rotation's old socket reports no disconnect. The collector's
// start event names the streams it will open, so one collector's restart says nothing about another's.

/** The source whose socket events carry the forceOrder stream's liveness. */
export const STREAM_SOURCE: FeedSource = 'binance.ws';
/** Every source the liveness rules read: the socket's events and the collector's start. */
export const STREAM_SOURCES: readonly FeedEventSource[] = [STREAM_SOURCE, 'collector'];
/** Every kind the liveness rules read (of STREAM_SOURCES). */
export const STREAM_KINDS: readonly FeedEventKind[] = [...STREAM_UP_KINDS, ...STREAM_DOWN_KINDS, 'start'];
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
export const isStreamRestart = (kind: string): boolean => (STREAM_RESTART_KINDS as readonly string[]).includes(kind);

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

/** Whether an event speaks for the symbol's forceOrder stream: a start naming no streams speaks for all. */
function concerns(e: StreamEvent, symbol: string): boolean {
  const streams = streamsOf(e.detail);
  return carriesForceOrders(streams, symbol) || (e.kind === 'start' && streams.length === 0);
}

/** Why the stream stopped being known up: an event, or silence after the last up event. */
export type StreamBreak =
  | { kind: 'event'; event: StreamEvent }
  | { kind: 'silent'; lastUpMs: number; /** the next event, or the end of the judged time */ untilMs: number };

/** A stretch of time the stream was known up: from the event that opened it to its break. */
export interface StreamSpan {
  fromMs: number;
  /** Up until here: the breaking event, MAX_SILENCE_SEC after the last up event, or untilMs. */
  toMs: number;
  /** null: still up at untilMs. */
  end: StreamBreak | null;
}

export interface StreamHistory {
  /** The events that speak for the symbol's stream, in order. */
  events: StreamEvent[];
  spans: StreamSpan[];
  /** Every interruption: down events, restarts that ended a span, silences. */
  breaks: StreamBreak[];
}

/**
 * The one definition of "the symbol's forceOrder stream was up", from events sorted by ts (those
 * after untilMs are ignored). A span opens at a connect, reconnect, rotate or heartbeat and runs
 * through up events at most MAX_SILENCE_SEC apart; it ends at a disconnect or stale event, at a
 * new collector (start, or a connect: whatever ran before may have died without a disconnect),
 * or MAX_SILENCE_SEC after its last up event when nothing follows in time.
 */
export function streamHistory(all: readonly StreamEvent[], symbol: string, untilMs: number): StreamHistory {
  const events = all.filter((e) => e.tsMs <= untilMs && concerns(e, symbol));
  const spans: StreamSpan[] = [];
  const breaks: StreamBreak[] = [];
  let open: StreamSpan | null = null;
  let lastUpMs = 0;
  const close = (toMs: number, end: StreamBreak) => {
    open!.toMs = toMs;
    open!.end = end;
    breaks.push(end);
    open = null;
  };
  for (const e of events) {
    if (open && e.tsMs - lastUpMs > MAX_SILENCE_SEC * 1000) close(lastUpMs + MAX_SILENCE_SEC * 1000, { kind: 'silent', lastUpMs, untilMs: e.tsMs });
    if (isStreamDown(e.kind)) {
      if (open) close(e.tsMs, { kind: 'event', event: e });
      else breaks.push({ kind: 'event', event: e });
    } else if (isStreamRestart(e.kind) && open) {
      close(e.tsMs, { kind: 'event', event: e });
    }
    if (!isStreamUp(e.kind)) continue;
    if (!open) {
      open = { fromMs: e.tsMs, toMs: untilMs, end: null };
      spans.push(open);
    }
    lastUpMs = e.tsMs;
  }
  if (open && untilMs - lastUpMs > MAX_SILENCE_SEC * 1000) close(lastUpMs + MAX_SILENCE_SEC * 1000, { kind: 'silent', lastUpMs, untilMs });
  return { events, spans, breaks };
}

/** "disconnect at <time>", "start at <time> (collector restarted)", "silent from <time> to <time> (…)". */
export function describeBreak(b: StreamBreak): string {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (b.kind === 'silent') return `silent from ${iso(b.lastUpMs)} to ${iso(b.untilMs)} (> ${MAX_SILENCE_SEC} s without a heartbeat)`;
  return `${b.event.kind} at ${iso(b.event.tsMs)}${isStreamRestart(b.event.kind) ? ' (collector restarted)' : ''}`;
}
