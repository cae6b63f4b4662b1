// Small helpers for connection-level limits shared by both WebSocket servers.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Events per key within a sliding window. */
export class SlidingWindowCounter {
  private readonly events = new Map<string, number[]>();
  constructor(private readonly windowMs: number) {}

  /** Records one event and returns how many fell within the window, this one included. */
  add(key: string, nowMs: number): number {
    const recent = (this.events.get(key) ?? []).filter((t) => nowMs - t < this.windowMs);
    recent.push(nowMs);
    this.events.set(key, recent);
    return recent.length;
  }
}

/** An HTTP answer to a WebSocket upgrade instead of 101. */
export interface UpgradeRefusal {
  status: number;
  /** Retry-After: delay-seconds or an HTTP date. */
  retryAfter?: number | string;
  /** Default: the status's reason phrase. */
  body?: string;
  /** Answer with `Connection: keep-alive` and leave the TCP socket open (default: `Connection: close`, then close it). */
  keepAlive?: boolean;
}

/** Refuses a WebSocket handshake with a plain HTTP response. */
export function rejectUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  const reason = STATUS_CODES[refusal.status] ?? 'Error';
  const body = refusal.body ?? reason;
  const head = [
    `HTTP/1.1 ${refusal.status} ${reason}`,
    `Connection: ${refusal.keepAlive ? 'keep-alive' : 'close'}`,
    'Content-Type: text/plain',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(refusal.retryAfter !== undefined ? [`Retry-After: ${refusal.retryAfter}`] : []),
  ];
  const response = `${head.join('\r\n')}\r\n\r\n${body}`;
  if (!refusal.keepAlive) return void socket.end(response);
  // Keep reading so the client's own close is seen (an upgrade socket stays half-open otherwise).
  socket.write(response);
  socket.resume();
  socket.on('end', () => socket.destroy());
}
