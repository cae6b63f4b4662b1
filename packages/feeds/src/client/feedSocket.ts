// One long-lived exchange WebSocket: connect, subscribe, hand every frame to the caller with its
// receive time, and own the hard parts once:
// - reconnect with capped, jittered exponential backoff (reset after a stable connection);
// - a "no data for N s" watchdog separate from ping/pong: a socket that answers pings but sends
//   nothing is dead and is replaced;
// - planned rotation before the exchange's connection age limit (Binance cuts at 24 h): the new
//   socket is opened first and the old one closed only once the new one delivers data, so no
//   second is missed (the overlap's duplicates are deduped downstream);
// - client pings on an interval (Upbit closes after ~120 s of silence both ways).
// Lifecycle events are reported to the caller, who records them (feed_events).
import WebSocket from 'ws';

export interface FeedSocketOptions {
  name: string;
  url: string;
  /** Frames sent (as text) right after each connect, e.g. the Upbit subscribe request. */
  subscribe?: () => string[];
  /** No data frame for this long → reconnect. */
  staleAfterMs?: number;
  /** Rotate the connection after this age (with overlap). Infinity = never. */
  maxAgeMs?: number;
  pingIntervalMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A connection that lived this long resets the backoff. */
  stableAfterMs?: number;
  /** Handshake timeout. */
  connectTimeoutMs?: number;
}

export type SocketCloseReason = 'stale' | 'rotated' | 'remote' | 'error' | 'stopped';

export interface FeedSocketHandlers {
  onFrame(data: Buffer | string, recvTsMs: number, isBinary: boolean): void;
  onOpen?(info: { attempt: number; rotation: boolean }): void;
  /** The socket that was delivering data went away (not called for the old socket of a rotation). */
  onDown?(info: { reason: SocketCloseReason; code?: number; detail?: string; lastFrameTsMs: number | null }): void;
  onError?(err: Error): void;
}

interface Conn {
  ws: WebSocket;
  openedAtMs: number;
  lastFrameAtMs: number;
  gotData: boolean;
}

export class FeedSocket {
  private active: Conn | null = null;
  private successor: Conn | null = null;
  private stopped = true;
  private attempt = 0;
  private timers = new Set<NodeJS.Timeout>();
  private tick: NodeJS.Timeout | null = null;
  private lastFrameTsMs: number | null = null;
  readonly stats = { frames: 0, connects: 0, reconnects: 0, staleReconnects: 0, rotations: 0 };
  private readonly o: Required<Omit<FeedSocketOptions, 'subscribe'>> & Pick<FeedSocketOptions, 'subscribe'>;

  constructor(options: FeedSocketOptions, private readonly handlers: FeedSocketHandlers) {
    this.o = {
      staleAfterMs: 30_000,
      maxAgeMs: Infinity,
      pingIntervalMs: 30_000,
      backoffBaseMs: 500,
      backoffMaxMs: 30_000,
      stableAfterMs: 60_000,
      connectTimeoutMs: 10_000,
      ...options,
    };
  }

  get connected(): boolean {
    return this.active !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect(false);
    // One timer drives the watchdog, pings and rotation, so their order is deterministic.
    this.tick = setInterval(() => this.onTick(), Math.max(50, Math.min(1000, this.o.staleAfterMs / 4)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tick) clearInterval(this.tick);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const conns = [this.active, this.successor].filter((c): c is Conn => c !== null);
    const hadActive = this.active !== null;
    this.active = null;
    this.successor = null;
    await Promise.all(conns.map((c) => closeGracefully(c.ws)));
    if (hadActive) this.handlers.onDown?.({ reason: 'stopped', lastFrameTsMs: this.lastFrameTsMs });
  }

  private connect(rotation: boolean): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.o.url, { handshakeTimeout: this.o.connectTimeoutMs, perMessageDeflate: true });
    const conn: Conn = { ws, openedAtMs: 0, lastFrameAtMs: 0, gotData: false };
    if (rotation) this.successor = conn;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      conn.openedAtMs = Date.now();
      conn.lastFrameAtMs = conn.openedAtMs;
      if (!rotation) this.active = conn;
      this.stats.connects++;
      for (const frame of this.o.subscribe?.() ?? []) ws.send(frame);
      this.handlers.onOpen?.({ attempt: this.attempt, rotation });
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const now = Date.now();
      conn.lastFrameAtMs = now;
      if (this.successor === conn && !conn.gotData) this.promoteSuccessor();
      conn.gotData = true;
      if (this.active !== conn) return; // the old socket of a rotation, already replaced
      this.stats.frames++;
      this.lastFrameTsMs = now;
      this.handlers.onFrame(isBinary ? data : data.toString('utf8'), now, isBinary);
    });
    ws.on('error', (err) => this.handlers.onError?.(err));
    ws.on('close', (code, reasonBuf) => {
      if (this.successor === conn) this.successor = null;
      if (this.active !== conn) return;
      this.active = null;
      const lived = opened ? Date.now() - conn.openedAtMs : 0;
      if (lived >= this.o.stableAfterMs) this.attempt = 0;
      this.handlers.onDown?.({ reason: 'remote', code, detail: reasonBuf.toString() || undefined, lastFrameTsMs: this.lastFrameTsMs });
      this.scheduleReconnect();
    });
    // A handshake that fails never becomes active: retry with backoff.
    ws.on('unexpected-response', () => undefined);
    ws.once('close', () => {
      if (!opened && !rotation && !this.stopped && this.active === null) this.scheduleReconnect();
    });
  }

  private promoteSuccessor(): void {
    const old = this.active;
    this.active = this.successor;
    this.successor = null;
    this.stats.rotations++;
    if (old) void closeGracefully(old.ws);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.pendingReconnect) return;
    const delay = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** Math.min(this.attempt, 16));
    this.attempt++;
    this.stats.reconnects++;
    this.pendingReconnect = true;
    this.later(delay * (0.5 + Math.random() / 2), () => {
      this.pendingReconnect = false;
      this.connect(false);
    });
  }

  private pendingReconnect = false;

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onTick(): void {
    const conn = this.active;
    if (!conn || this.stopped) return;
    const now = Date.now();
    if (now - conn.lastFrameAtMs > this.o.staleAfterMs) {
      // Alive at the TCP/ping level perhaps, but silent: replace it (streams can stop delivering for hours while ping/pong still flows).
      this.active = null;
      this.stats.staleReconnects++;
      conn.ws.terminate();
      this.handlers.onDown?.({ reason: 'stale', detail: `no data for ${Math.round((now - conn.lastFrameAtMs) / 1000)} s`, lastFrameTsMs: this.lastFrameTsMs });
      this.scheduleReconnect();
      return;
    }
    if (now - conn.openedAtMs > this.o.maxAgeMs && !this.successor) this.connect(true);
    if (conn.ws.readyState === WebSocket.OPEN && now - conn.lastFrameAtMs >= this.o.pingIntervalMs) conn.ws.ping();
  }
}

function closeGracefully(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const t = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 1000);
    ws.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'client closing');
  });
}
