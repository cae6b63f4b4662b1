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

/** Refuses a WebSocket handshake with a plain HTTP response. */
export function rejectUpgrade(socket: Duplex, status: number): void {
  const reason = STATUS_CODES[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
}
