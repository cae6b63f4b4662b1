// One long-lived exchange WebSocket: connect, subscribe, hand every frame to the caller with its
// receive time, and own the hard parts once:
// - reconnect with capped, jittered exponential backoff (reset after a stable connection);
// - a "no data for N s" watchdog separate from ping/pong: a socket that answers pings but sends
//   nothing is dead and is replaced;
// - planned rotation before the exchange's connection age limit (Binance cuts at 24 h): the new
//   socket is opened first and the old one closed only once the new one delivers data, so no
//   second is missed (the overlap's duplicates are deduped downstream);
// - client pings on an interval (Upbit closes after ~120 s of silence both ways);
// - a refused upgrade (429/418 rate limit or ban, 503 maintenance, 403 from a load balancer):
//   `ws` leaves such a handshake hanging once anyone listens for 'unexpected-response', so the
//   socket reads a bounded excerpt of the body, aborts the request itself and waits at least as
//   long as the server asked (Retry-After, a ban's end) before the next attempt.
// Lifecycle events are reported to the caller, who records them (feed_events).
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { MAX_TIMER_STEP_MS, readBannedUntilMs, readRetryAfterSec, resumeAtMs } from './pollTiming.js';

/** How much of a refusal's body is read (the rest is never waited for) and how much is kept. */
const REFUSAL_BODY_MAX_BYTES = 4096;
const REFUSAL_BODY_TIMEOUT_MS = 2000;
const REFUSAL_EXCERPT_CHARS = 200;

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
  /** A 418 (IP banned) naming neither Retry-After nor an end: wait this long before trying again. */
  unnamedBanMs?: number;
}

/** The server answered the upgrade with an HTTP status instead of 101. */
export class HandshakeRejectedError extends Error {
  constructor(
    readonly httpStatus: number,
    /** Retry-After in seconds (sent as seconds or as an HTTP date), null when absent. */
    readonly retryAfterSec: number | null,
    /** The end of a ban the body names (Binance -1003 "IP banned until <ms>"), null when none. */
    readonly bannedUntilMs: number | null,
    /** No attempt before this time (null: the usual backoff only). */
    readonly resumeAtMs: number | null,
    /** The start of the response body. */
    readonly body: string,
  ) {
    super(`handshake rejected: HTTP ${httpStatus}`);
    this.name = 'HandshakeRejectedError';
  }
}

/**
 * When a refused handshake may be retried: the ban's end, else Retry-After from now, else (418:
 * banned for an unnamed time) `unnamedBanMs` from now; null: the server asked for no wait.
 */
export function handshakeResumeAtMs(
  refusal: Pick<HandshakeRejectedError, 'httpStatus' | 'retryAfterSec' | 'bannedUntilMs'>,
  nowMs: number,
  unnamedBanMs: number,
): number | null {
  return resumeAtMs(refusal, nowMs, refusal.httpStatus === 418 ? nowMs + unnamedBanMs : null);
}

export type SocketCloseReason = 'stale' | 'rotated' | 'remote' | 'error' | 'stopped';

export interface FeedSocketHandlers {
  onFrame(data: Buffer | string, recvTsMs: number, isBinary: boolean): void;
  onOpen?(info: { attempt: number; rotation: boolean }): void;
  /** The socket that was delivering data went away (not called for the old socket of a rotation). */
  onDown?(info: { reason: SocketCloseReason; code?: number; detail?: string; lastFrameTsMs: number | null }): void;
  /** `connect`: the attempt failed (refused, unreachable, timed out); `open`: an established socket failed (e.g. a frame that is not UTF-8, closed with 1007). */
  onError?(err: Error, phase: 'connect' | 'open'): void;
}

interface Conn {
  ws: WebSocket;
  openedAtMs: number;
  lastFrameAtMs: number;
  gotData: boolean;
  /** The server refused the upgrade: reported once as a HandshakeRejectedError. */
  refused: boolean;
}

export class FeedSocket {
  private active: Conn | null = null;
  private successor: Conn | null = null;
  private stopped = true;
  private attempt = 0;
  private timers = new Set<NodeJS.Timeout>();
  private tick: NodeJS.Timeout | null = null;
  private lastFrameTsMs: number | null = null;
  /** Handshakes in flight (not yet open), so stop() can abort them. */
  private handshakes = new Set<WebSocket>();
  /** No connection attempt (reconnect or rotation) before this time: what a refusal asked for. */
  private notBeforeMs = 0;
  /** Rotations that failed in a row, and the time the next may start (their own backoff). */
  private rotationFailures = 0;
  private rotationNotBeforeMs = 0;
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
      // Binance's shortest IP ban.
      unnamedBanMs: 120_000,
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
    const sockets = [this.active, this.successor].filter((c): c is Conn => c !== null).map((c) => c.ws);
    sockets.push(...this.handshakes);
    const hadActive = this.active !== null;
    this.active = null;
    this.successor = null;
    await Promise.all(sockets.map((ws) => closeGracefully(ws)));
    if (hadActive) this.handlers.onDown?.({ reason: 'stopped', lastFrameTsMs: this.lastFrameTsMs });
  }

  private connect(rotation: boolean): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.o.url, { handshakeTimeout: this.o.connectTimeoutMs, perMessageDeflate: true });
    const conn: Conn = { ws, openedAtMs: 0, lastFrameAtMs: 0, gotData: false, refused: false };
    if (rotation) this.successor = conn;
    this.handshakes.add(ws);
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.handshakes.delete(ws);
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
    // A refusal is reported once, by onRefused, not as the abort's "closed before established".
    ws.on('error', (err) => {
      if (!conn.refused) this.handlers.onError?.(err, opened ? 'open' : 'connect');
    });
    ws.on('close', (code, reasonBuf) => {
      this.handshakes.delete(ws);
      if (this.successor === conn) {
        // A rotation that failed (refused, cut, or closed before its first frame): the old socket
        // still delivers, but the next try waits a backoff, as a reconnect would.
        this.successor = null;
        const delayMs = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** Math.min(this.rotationFailures++, 16));
        this.rotationNotBeforeMs = Date.now() + delayMs * (0.5 + Math.random() / 2);
      }
      if (this.active !== conn) return;
      this.active = null;
      const lived = opened ? Date.now() - conn.openedAtMs : 0;
      if (lived >= this.o.stableAfterMs) this.attempt = 0;
      this.handlers.onDown?.({ reason: 'remote', code, detail: reasonBuf.toString() || undefined, lastFrameTsMs: this.lastFrameTsMs });
      this.scheduleReconnect();
    });
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      conn.refused = true;
      void this.onRefused(conn, res);
    });
    // A handshake that fails never becomes active: retry with backoff.
    ws.once('close', () => {
      if (!opened && !rotation && !this.stopped && this.active === null) this.scheduleReconnect();
    });
  }

  /** Holds further attempts as long as the refusal asks, aborts the request (a keep-alive server leaves it open) and reports it. */
  private async onRefused(conn: Conn, res: IncomingMessage): Promise<void> {
    const receivedAtMs = Date.now();
    const httpStatus = res.statusCode ?? 0;
    const retryAfterSec = readRetryAfterSec(res.headers, receivedAtMs);
    const resumeAt = (bannedUntilMs: number | null): number | null =>
      handshakeResumeAtMs({ httpStatus, retryAfterSec, bannedUntilMs }, receivedAtMs, this.o.unnamedBanMs);
    const heldUntilMs = this.notBeforeMs;
    // Hold at once: a handshake timeout may close the socket while the body is still being read.
    this.notBeforeMs = Math.max(heldUntilMs, resumeAt(null) ?? 0);
    const bodyStart = await readBodyStart(res);
    const bannedUntilMs = httpStatus === 418 ? readBannedUntilMs(bodyStart) : null;
    const resumeAtMs = resumeAt(bannedUntilMs);
    // A ban end named in the body replaces the guess for an unnamed ban.
    this.notBeforeMs = Math.max(heldUntilMs, resumeAtMs ?? 0);
    // The abort closes the TCP socket; 'close' then schedules the retry, which waits for notBeforeMs.
    conn.ws.terminate();
    if (this.stopped) return;
    const excerpt = bodyStart.trim().slice(0, REFUSAL_EXCERPT_CHARS);
    this.handlers.onError?.(new HandshakeRejectedError(httpStatus, retryAfterSec, bannedUntilMs, resumeAtMs, excerpt), 'connect');
  }

  private promoteSuccessor(): void {
    const old = this.active;
    this.active = this.successor;
    this.successor = null;
    this.rotationFailures = 0;
    this.stats.rotations++;
    if (old) void closeGracefully(old.ws);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.pendingReconnect) return;
    const delay = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** Math.min(this.attempt, 16));
    this.attempt++;
    this.stats.reconnects++;
    this.pendingReconnect = true;
    this.laterNotBefore(delay * (0.5 + Math.random() / 2), () => {
      this.pendingReconnect = false;
      this.connect(false);
    });
  }

  private pendingReconnect = false;

  /** Runs `fn` after `ms`, and never before notBeforeMs (which a refusal may move while it waits). */
  private laterNotBefore(ms: number, fn: () => void): void {
    const waitMs = Math.max(ms, this.notBeforeMs - Date.now());
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (Date.now() < this.notBeforeMs) this.laterNotBefore(0, fn);
      else fn();
    }, Math.min(waitMs, MAX_TIMER_STEP_MS)); // a days-long ban is waited out in steps
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
    if (now - conn.openedAtMs > this.o.maxAgeMs && !this.successor && now >= Math.max(this.notBeforeMs, this.rotationNotBeforeMs)) this.connect(true);
    if (conn.ws.readyState === WebSocket.OPEN && now - conn.lastFrameAtMs >= this.o.pingIntervalMs) conn.ws.ping();
  }
}

/** The start of a response body as text: at most REFUSAL_BODY_MAX_BYTES, waited for at most REFUSAL_BODY_TIMEOUT_MS. */
function readBodyStart(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const done = (): void => {
      clearTimeout(timer);
      res.off('data', onData);
      resolve(Buffer.concat(chunks).subarray(0, REFUSAL_BODY_MAX_BYTES).toString('utf8'));
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= REFUSAL_BODY_MAX_BYTES) done();
    };
    const timer = setTimeout(done, REFUSAL_BODY_TIMEOUT_MS);
    res.on('data', onData);
    res.once('end', done);
    res.once('close', done);
    res.once('error', done);
  });
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
