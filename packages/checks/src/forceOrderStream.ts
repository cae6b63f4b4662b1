// `cqt check altdata`'s verdict on a symbol's Binance forceOrder stream, from the collector's
// socket events (the convention and its rules: @cqt/feeds feedEvents.ts).
import { MAX_SILENCE_SEC, describeBreak, isStreamUp, streamHistory, type StreamEvent } from '@cqt/feeds';

export interface StreamVerdict {
  status: 'pass' | 'warn' | 'fail';
  /** 'up' | 'down' | 'silent' | 'no events' */
  state: string;
  detail: string;
}

/**
 * Judges the events (ts <= as-of, within the lookback, sorted by ts) of one symbol's stream by
 * @cqt/feeds streamHistory (the definition the liquidation features use): fail when nothing shows
 * it up, when it is down (a disconnect, or a collector started and not connected) or silent longer
 * than MAX_SILENCE_SEC; warn when it is up but was interrupted within the lookback (a disconnect,
 * a restart, a silence).
 */
export function judgeStream(events: readonly StreamEvent[], symbol: string, asOfMs: number, lookbackSec: number): StreamVerdict {
  const { events: mine, spans, breaks } = streamHistory(events, symbol, asOfMs);
  const latest = mine.at(-1);
  const at = (e: StreamEvent) => new Date(e.tsMs).toISOString();
  if (!latest) {
    return { status: 'fail', state: 'no events', detail: `no connect or heartbeat of ${symbol.toLowerCase()}@forceOrder in the last ${lookbackSec} s` };
  }
  if (spans.at(-1)?.end !== null) {
    if (isStreamUp(latest.kind)) {
      const silentSec = (asOfMs - latest.tsMs) / 1000;
      return { status: 'fail', state: 'silent', detail: `last ${latest.kind} at ${at(latest)}, ${silentSec} s ago (> ${MAX_SILENCE_SEC} s): collector stopped?` };
    }
    if (latest.kind === 'start') return { status: 'fail', state: 'down', detail: `collector started at ${at(latest)}, not connected` };
    const reason = (latest.detail as { reason?: unknown } | null)?.reason;
    return { status: 'fail', state: 'down', detail: `${latest.kind} at ${at(latest)}${reason ? ` (${String(reason)})` : ''}, not reconnected` };
  }
  if (breaks.length) {
    return { status: 'warn', state: 'up', detail: `up, but ${breaks.length} interruption(s) in the last ${lookbackSec} s; first: ${describeBreak(breaks[0])}` };
  }
  return { status: 'pass', state: 'up', detail: `up; last ${latest.kind} at ${at(latest)}; no liquidations is normal` };
}
