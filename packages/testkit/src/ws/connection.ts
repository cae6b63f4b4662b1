// One client socket of either venue: every data frame goes through here so faults (stall,
// duplicate, reorder, replay, malformed) and slow-consumer cut-off apply the same way to both.
// Control replies (pong, status, ACKs, errors) bypass the data faults: a stalled feed still
// answers keep-alives, which is exactly what makes stalls hard to detect.
import type { RawData, WebSocket } from 'ws';
import type { FaultController, MalformedFrameKind, WsVenue } from '../faults.js';
import type { ServerCloseReason, WsVenueStats } from '../stats.js';

const RECENT_FRAMES = 256;

/** A received message as text, whatever buffer shape `ws` delivered it in. */
export function rawDataToText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
const MAX_HOLD_MS = 1000;

interface SentFrame {
  text: string;
  key: string;
}

export interface FeedConnectionOptions {
  venue: WsVenue;
  /** Upbit sends data as binary frames, Binance as text. */
  binaryData: boolean;
  binaryControl: boolean;
  maxBufferedBytes: number;
  faults: FaultController;
  stats: WsVenueStats;
  /** Called after every outgoing data frame (Upbit's idle timer counts traffic both ways). */
  onDataSent?: () => void;
}

export class FeedConnection {
  readonly venue: WsVenue;
  private readonly recent: SentFrame[] = [];
  private readonly held = new Map<string, { frame: SentFrame; sinceMs: number }>();
  private closed = false;

  constructor(
    readonly ws: WebSocket,
    private readonly options: FeedConnectionOptions,
  ) {
    this.venue = options.venue;
    ws.on('close', () => {
      this.closed = true;
      this.held.clear();
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  /** A data frame; `key` names its stream (for reordering within one stream). */
  sendData(text: string, key: string): void {
    if (!this.isOpen) return;
    const { faults, stats, venue } = this.options;
    if (faults.isStalled(venue)) {
      stats.dataFramesSuppressed++;
      return;
    }
    const frame = { text, key };
    const held = this.held.get(key);
    if (held) {
      this.held.delete(key);
      this.deliver(frame);
      this.deliver(held.frame);
    } else if (faults.takeReorder(venue)) {
      this.held.set(key, { frame, sinceMs: Date.now() });
    } else {
      this.deliver(frame);
      if (faults.takeDuplicate(venue)) this.deliver(frame);
    }
    this.releaseStaleHeld();
  }

  /** A reply that is not market data (status, ACK, error): never stalled, duplicated or reordered. */
  sendControl(text: string): void {
    if (!this.isOpen) return;
    this.write(text, this.options.binaryControl);
  }

  sendMalformed(kind: MalformedFrameKind): void {
    if (!this.isOpen) return;
    const last = this.recent[this.recent.length - 1]?.text ?? '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":0}}';
    const text =
      kind === 'truncated-json' ? last.slice(0, Math.max(1, Math.floor(last.length / 2)))
      : kind === 'not-json' ? '\u0000\u0001not json at all {'
      : this.venue === 'upbit' ? '{"type":"trade","code":null,"trade_price":"n/a"}' : '{"stream":null,"data":"n/a"}';
    this.write(text, this.options.binaryData);
  }

  replayRecent(count: number): number {
    if (!this.isOpen) return 0;
    const frames = this.recent.slice(-count);
    for (const f of frames) this.write(f.text, this.options.binaryData);
    return frames.length;
  }

  drop(mode: 'terminate' | 'close', code: number, reason: string, why: ServerCloseReason = 'fault'): void {
    if (this.closed) return;
    this.options.stats.closedByServer[why]++;
    this.closed = true;
    if (mode === 'terminate') this.ws.terminate();
    else this.ws.close(code, reason);
  }

  private deliver(frame: SentFrame): void {
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.drop('terminate', 1008, 'slow consumer', 'slow-consumer');
      return;
    }
    this.write(frame.text, this.options.binaryData);
    this.options.stats.dataFramesSent++;
    this.recent.push(frame);
    if (this.recent.length > RECENT_FRAMES) this.recent.shift();
    this.options.onDataSent?.();
  }

  private releaseStaleHeld(): void {
    const now = Date.now();
    for (const [key, held] of this.held) {
      if (now - held.sinceMs < MAX_HOLD_MS) continue;
      this.held.delete(key);
      this.deliver(held.frame);
    }
  }

  private write(text: string, binary: boolean): void {
    if (this.closed) return;
    this.ws.send(binary ? Buffer.from(text, 'utf8') : text, { binary });
  }
}
