// Per-stream counters for the live status line and the run summary.
export interface StreamStats {
  name: string;
  frames: number;
  /** Exchange time of the newest event. */
  lastEventTsMs: number | null;
  lastRecvTsMs: number | null;
  reconnects: number;
  parseErrors: number;
  rows: number;
}

export function statusLine(streams: StreamStats[], nowMs: number, prevFrames: Map<string, number>, intervalSec: number, pendingRows: number): string {
  const parts = streams.map((s) => {
    const rate = (s.frames - (prevFrames.get(s.name) ?? 0)) / intervalSec;
    prevFrames.set(s.name, s.frames);
    const lag = s.lastEventTsMs === null ? '-' : `${Math.max(0, (nowMs - s.lastEventTsMs) / 1000).toFixed(1)}s`;
    const last = s.lastEventTsMs === null ? '-' : new Date(s.lastEventTsMs).toISOString().slice(11, 19);
    return `${s.name} ${rate.toFixed(1)} msg/s last ${last} lag ${lag} rc ${s.reconnects}${s.parseErrors ? ` err ${s.parseErrors}` : ''}`;
  });
  return `${new Date(nowMs).toISOString().slice(0, 19)}Z ${parts.join(' | ')} | db pending ${pendingRows}`;
}
