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
  private garbageSent = 0;

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
    if (kind === 'binary-frame' || kind === 'random-bytes') return this.writeBytes(garbageBytes(this.garbageSent++), kind === 'binary-frame');
    if (kind === 'invalid-utf8') return this.writeBytes(withInvalidUtf8(last), this.options.binaryData);
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
    this.writeBytes(Buffer.from(text, 'utf8'), binary);
  }

  /** Bytes as one frame: `ws` sends a text frame's bytes as given, valid UTF-8 or not. */
  private writeBytes(bytes: Buffer, binary: boolean): void {
    if (this.closed) return;
    this.ws.send(bytes, { binary });
  }
}

/**
 * 64 bytes that are neither JSON nor UTF-8 (0xFF never occurs in UTF-8), different for each `n`
 * but the same on every run.
 */
function garbageBytes(n: number): Buffer {
  const bytes = Buffer.alloc(64);
  let x = Math.imul(n + 1, 0x9e3779b1) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  bytes[0] = 0xff;
  return bytes;
}

/** The frame's JSON with an invalid UTF-8 sequence (0xC3 0x28) inside its first key. */
function withInvalidUtf8(text: string): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  const at = text.startsWith('{"') ? 2 : 0;
  return Buffer.concat([utf8.subarray(0, at), Buffer.from([0xc3, 0x28]), utf8.subarray(at)]);
}
