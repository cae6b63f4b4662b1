// Is the Binance forceOrder stream alive? Liquidations may legitimately be absent for hours, so
// binance_force_orders cannot tell; the collector's socket events in feed_events can.
//
// Convention (written by apps/collect, read by `cqt check altdata` and `cqt status`):
//   source 'binance.ws'; kind 'connect' | 'reconnect' | 'rotate' (a socket opened),
//   'heartbeat' (written every HEARTBEAT_EVERY_SEC while the socket is connected),
//   'disconnect' | 'stale' (the socket delivering data went away / fell silent);
//   detail.streams: the stream names of that socket, e.g. ["btcusdt@markPrice@1s", "btcusdt@forceOrder"]
//   (detail.stream, a single name, is accepted too). A rotation's old socket reports no disconnect.

export const FEED_SOURCE = 'binance.ws';
const UP_KINDS = ['connect', 'reconnect', 'rotate', 'heartbeat'];
const DOWN_KINDS = ['disconnect', 'stale'];
export const STREAM_KINDS = [...UP_KINDS, ...DOWN_KINDS];

/** The collector writes a heartbeat this often while connected. */
export const HEARTBEAT_EVERY_SEC = 60;
/** Silence longer than three heartbeats means the socket (or the collector) is gone. */
export const MAX_SILENCE_SEC = 3 * HEARTBEAT_EVERY_SEC;

export interface StreamEvent {
  tsMs: number;
  kind: string;
  detail: unknown;
}

export interface StreamVerdict {
  status: 'pass' | 'warn' | 'fail';
  /** 'up' | 'down' | 'silent' | 'no events' */
  state: string;
  detail: string;
}

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

/**
 * Judges the events (ts <= as-of, within the lookback, sorted by ts) of one symbol's stream:
 * fail when nothing shows it up, when the newest event is a disconnect, or when it has been silent
 * longer than MAX_SILENCE_SEC; warn when it was down and came back within the window.
 */
export function judgeStream(events: readonly StreamEvent[], symbol: string, asOfMs: number, lookbackSec: number): StreamVerdict {
  const mine = events.filter((e) => carriesForceOrders(streamsOf(e.detail), symbol));
  const downs = mine.filter((e) => DOWN_KINDS.includes(e.kind));
  const latest = mine.at(-1);
  const at = (e: StreamEvent) => new Date(e.tsMs).toISOString();
  if (!latest) {
    return { status: 'fail', state: 'no events', detail: `no connect or heartbeat of ${symbol.toLowerCase()}@forceOrder in the last ${lookbackSec} s` };
  }
  if (DOWN_KINDS.includes(latest.kind)) {
    const reason = (latest.detail as { reason?: unknown } | null)?.reason;
    return { status: 'fail', state: 'down', detail: `${latest.kind} at ${at(latest)}${reason ? ` (${String(reason)})` : ''}, not reconnected` };
  }
  const silentSec = (asOfMs - latest.tsMs) / 1000;
  if (silentSec > MAX_SILENCE_SEC) {
    return { status: 'fail', state: 'silent', detail: `last ${latest.kind} at ${at(latest)}, ${silentSec} s ago (> ${MAX_SILENCE_SEC} s): collector stopped?` };
  }
  if (downs.length) {
    return { status: 'warn', state: 'up', detail: `up, but ${downs.length} disconnect(s) in the last ${lookbackSec} s; first at ${at(downs[0])}` };
  }
  return { status: 'pass', state: 'up', detail: `up; last ${latest.kind} at ${at(latest)}; no liquidations is normal` };
}
