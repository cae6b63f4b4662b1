// `cqt check altdata`'s verdict on a symbol's Binance forceOrder stream, from the collector's
// socket events (the convention and its rules: @cqt/feeds feedEvents.ts).
import { MAX_SILENCE_SEC, carriesForceOrders, isStreamDown, streamsOf, type StreamEvent } from '@cqt/feeds';

export interface StreamVerdict {
  status: 'pass' | 'warn' | 'fail';
  /** 'up' | 'down' | 'silent' | 'no events' */
  state: string;
  detail: string;
}

/**
 * Judges the events (ts <= as-of, within the lookback, sorted by ts) of one symbol's stream:
 * fail when nothing shows it up, when the newest event is a disconnect, or when it has been silent
 * longer than MAX_SILENCE_SEC; warn when it was down and came back within the window.
 */
export function judgeStream(events: readonly StreamEvent[], symbol: string, asOfMs: number, lookbackSec: number): StreamVerdict {
  const mine = events.filter((e) => carriesForceOrders(streamsOf(e.detail), symbol));
  const downs = mine.filter((e) => isStreamDown(e.kind));
  const latest = mine.at(-1);
  const at = (e: StreamEvent) => new Date(e.tsMs).toISOString();
  if (!latest) {
    return { status: 'fail', state: 'no events', detail: `no connect or heartbeat of ${symbol.toLowerCase()}@forceOrder in the last ${lookbackSec} s` };
  }
  if (isStreamDown(latest.kind)) {
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
