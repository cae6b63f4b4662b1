// Binance USD-M market-data WebSocket, behaving as Binance documents it: routed /market and
// /public paths, combined {stream,data} envelopes or raw payloads as text frames, live
// SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS/SET_PROPERTY/GET_PROPERTY, server pings with a pong
// deadline, a hard lifetime cut (24 h), a 10 msg/s incoming limit, 1024 streams per connection,
// and the retired legacy paths that ACK but stay silent.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { stringifyLossless } from '../json/lossless.js';
import type { FaultController } from '../faults.js';
import type { BinanceFrame } from '../feed/types.js';
import type { BinanceOptions } from '../options.js';
import type { WsVenueStats } from '../stats.js';
import { FeedConnection, rawDataToText } from '../ws/connection.js';
import { rejectUpgrade, type UpgradeRefusal } from '../ws/limits.js';
import { parseBinanceWsPath, routeOfStream, type BinanceRoute, type BinanceWsPath } from './streams.js';

interface Session {
  conn: FeedConnection;
  route: BinanceRoute;
  combined: boolean;
  streams: Set<string>;
  incomingMs: number[];
  lastPongMs: number;
  pingTimer?: NodeJS.Timeout;
  pongDeadline?: NodeJS.Timeout;
  lifetimeTimer?: NodeJS.Timeout;
}

export interface BinanceWsServerDeps {
  options: BinanceOptions;
  maxBufferedBytes: number;
  faults: FaultController;
  stats: WsVenueStats;
}

type Reply = { result: unknown; id: number } | { code: number; msg: string; id?: number | null };

export class BinanceWsServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Set<Session>();

  constructor(private readonly deps: BinanceWsServerDeps) {
    deps.faults.attach('binance', { connections: () => [...this.sessions].map((s) => s.conn) });
  }

  /** True when the path is a Binance stream path (the caller then hands the upgrade over). */
  static matches(path: string): boolean {
    return parseBinanceWsPath(path) !== undefined;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { faults, stats, options } = this.deps;
    const path = parseBinanceWsPath(req.url ?? '/');
    const refusal = faults.takeRejection('binance') ?? this.refusal(path, options);
    if (refusal !== undefined || !path) {
      stats.connectionsRejected++;
      rejectUpgrade(socket, refusal ?? { status: 404 });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, path.route, path.combined, path.streams));
  }

  /** The refusal of this path, if any. */
  private refusal(path: BinanceWsPath | undefined, options: BinanceOptions): UpgradeRefusal | undefined {
    if (!path || (path.route === 'legacy' && options.legacyRoutes === 'reject')) return { status: 404 };
    if (path.streams.length > options.maxStreams) return { status: 400 };
    return undefined;
  }

  private onConnection(ws: WebSocket, route: BinanceRoute, combined: boolean, streams: string[]): void {
    const { options, stats } = this.deps;
    stats.connectionsOpened++;
    stats.connectionsOpen++;
    const conn = new FeedConnection(ws, {
      venue: 'binance', binaryData: false, binaryControl: false, maxBufferedBytes: this.deps.maxBufferedBytes, faults: this.deps.faults, stats,
    });
    const session: Session = { conn, route, combined, streams: new Set(streams), incomingMs: [], lastPongMs: Date.now() };
    this.sessions.add(session);
    session.pingTimer = setInterval(() => this.ping(session), options.pingIntervalMs);
    session.lifetimeTimer = setTimeout(() => conn.drop('close', 1000, 'connection lifetime exceeded', 'lifetime'), options.maxConnectionMs);
    ws.on('message', (data, isBinary) => {
      if (!this.countIncoming(session)) return;
      this.onControlMessage(session, rawDataToText(data), isBinary);
    });
    ws.on('ping', () => this.countIncoming(session));
    ws.on('pong', () => {
      session.lastPongMs = Date.now();
      this.countIncoming(session);
    });
    ws.on('close', () => {
      stats.connectionsOpen--;
      this.clearTimers(session);
      this.sessions.delete(session);
    });
    ws.on('error', () => ws.terminate());
  }

  private ping(session: Session): void {
    const sentMs = Date.now();
    session.conn.ws.ping();
    if (session.pongDeadline) return;
    session.pongDeadline = setTimeout(() => {
      session.pongDeadline = undefined;
      if (session.lastPongMs < sentMs) session.conn.drop('terminate', 1000, 'no pong', 'no-pong');
    }, this.deps.options.pongTimeoutMs);
  }

  /** Counts one incoming message; over the per-second limit the connection is cut. */
  private countIncoming(session: Session): boolean {
    const now = Date.now();
    session.incomingMs = session.incomingMs.filter((t) => now - t < 1000);
    session.incomingMs.push(now);
    if (session.incomingMs.length <= this.deps.options.maxIncomingPerSec) return true;
    session.conn.drop('close', 1008, 'too many messages', 'rate-limit');
    return false;
  }

  private onControlMessage(session: Session, text: string, isBinary: boolean): void {
    this.deps.stats.requestsReceived++;
    const reply = isBinary ? { code: 3, msg: 'Invalid JSON: binary frames are not accepted' } : this.handleRequest(session, text);
    if ('code' in reply) this.deps.stats.errorsSent++;
    session.conn.sendControl(JSON.stringify(reply));
  }

  private handleRequest(session: Session, text: string): Reply {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' };
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) return { code: 2, msg: 'Invalid request: expected an object' };
    const { method, params, id } = request as { method?: unknown; params?: unknown; id?: unknown };
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return { code: 2, msg: 'Invalid request: request ID must be an unsigned integer', id: null };
    const streamParams = (): string[] | undefined => (Array.isArray(params) && params.every((p) => typeof p === 'string') ? (params as string[]) : undefined);
    switch (method) {
      case 'SUBSCRIBE': {
        const streams = streamParams();
        if (!streams) return { code: 2, msg: 'Invalid request: params must be a list of stream names', id };
        if (new Set([...session.streams, ...streams]).size > this.deps.options.maxStreams) return { code: 2, msg: `Invalid request: too many streams (max ${this.deps.options.maxStreams})`, id };
        for (const s of streams) session.streams.add(s);
        return { result: null, id };
      }
      case 'UNSUBSCRIBE': {
        const streams = streamParams();
        if (!streams) return { code: 2, msg: 'Invalid request: params must be a list of stream names', id };
        for (const s of streams) session.streams.delete(s);
        return { result: null, id };
      }
      case 'LIST_SUBSCRIPTIONS':
        return { result: [...session.streams], id };
      case 'SET_PROPERTY': {
        if (!Array.isArray(params) || params[0] !== 'combined') return { code: 0, msg: 'Unknown property', id };
        if (typeof params[1] !== 'boolean') return { code: 1, msg: 'Invalid value type: expected Boolean', id };
        session.combined = params[1];
        return { result: null, id };
      }
      case 'GET_PROPERTY':
        if (!Array.isArray(params) || params[0] !== 'combined') return { code: 0, msg: 'Unknown property', id };
        return { result: session.combined, id };
      default:
        return { code: 2, msg: `Invalid request: unknown variant ${String(method)}, expected one of SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY`, id };
    }
  }

  /** Whether a session on this route receives data of this stream. */
  private delivers(session: Session, stream: string): boolean {
    if (!session.streams.has(stream)) return false;
    if (session.route === 'legacy') return this.deps.options.legacyRoutes === 'serve';
    return !this.deps.options.enforceRoutes || routeOfStream(stream) === session.route;
  }

  wants(stream: string): boolean {
    for (const s of this.sessions) if (this.delivers(s, stream)) return true;
    return false;
  }

  dispatch(frames: BinanceFrame[]): void {
    if (frames.length === 0 || this.sessions.size === 0) return;
    const rendered = new Map<BinanceFrame, string>();
    const dataText = (f: BinanceFrame): string => {
      let text = rendered.get(f);
      if (text === undefined) rendered.set(f, (text = stringifyLossless(f.data)));
      return text;
    };
    for (const session of this.sessions) {
      for (const f of frames) {
        if (!this.delivers(session, f.stream)) continue;
        const text = session.combined ? `{"stream":${JSON.stringify(f.stream)},"data":${dataText(f)}}` : dataText(f);
        session.conn.sendData(text, f.stream);
      }
    }
  }

  private clearTimers(session: Session): void {
    clearInterval(session.pingTimer);
    clearTimeout(session.pongDeadline);
    clearTimeout(session.lifetimeTimer);
  }

  close(): void {
    for (const s of this.sessions) {
      this.clearTimers(s);
      s.conn.ws.terminate();
    }
    this.wss.close();
  }
}
