// Upbit quotation WebSocket (/websocket/v1), behaving as Upbit's API documentation describes:
// text JSON-array requests validated into documented error objects; SNAPSHOT then REALTIME;
// binary UTF-8 JSON data frames in DEFAULT / SIMPLE keys (or arrays for *_LIST formats);
// top-N orderbooks; text PING → {"status":"UP"}; idle close; per-connection request limits.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { stringifyLossless, type JsonObject, type JsonValue } from '../json/lossless.js';
import type { FaultController } from '../faults.js';
import type { FeedSource, UpbitMessage } from '../feed/types.js';
import type { UpbitOptions } from '../options.js';
import type { WsVenueStats } from '../stats.js';
import { FeedConnection, rawDataToText } from '../ws/connection.js';
import { SlidingWindowCounter, rejectUpgrade } from '../ws/limits.js';
import { toKeyFormat } from './keys.js';
import { UPBIT_DATA_TYPES, limitOrderbookDepth } from './messages.js';

export type UpbitErrorName = 'INVALID_AUTH' | 'WRONG_FORMAT' | 'NO_TICKET' | 'NO_TYPE' | 'NO_CODES' | 'INVALID_PARAM' | 'TOO_MANY_REQUESTS';
type UpbitFormat = 'DEFAULT' | 'SIMPLE' | 'JSON_LIST' | 'SIMPLE_LIST';
const FORMATS: ReadonlySet<string> = new Set(['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST']);
const ORDERBOOK_DEPTHS = new Set([1, 5, 15, 30]);
const DEFAULT_ORDERBOOK_DEPTH = 30;

interface TypeSubscription {
  type: string;
  /** code → orderbook depth (undefined for other types). */
  codes: Map<string, number | undefined>;
  /** Codes as the client wrote them (echoed by LIST_SUBSCRIPTIONS). */
  requestedCodes: string[];
  level?: number;
  onlySnapshot: boolean;
  onlyRealtime: boolean;
}

interface Session {
  conn: FeedConnection;
  format: UpbitFormat;
  subscriptions: Map<string, TypeSubscription>;
  requestTimesMs: number[];
  idleTimer?: NodeJS.Timeout;
  statusTimer?: NodeJS.Timeout;
}

class RequestError extends Error {
  constructor(readonly errorName: UpbitErrorName, message: string) {
    super(message);
  }
}

export interface UpbitWsServerDeps {
  options: UpbitOptions;
  maxBufferedBytes: number;
  faults: FaultController;
  stats: WsVenueStats;
  source: () => FeedSource;
  nowMs: () => number;
}

export class UpbitWsServer {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  private readonly sessions = new Set<Session>();
  private readonly connectAttempts = new SlidingWindowCounter(1000);

  constructor(private readonly deps: UpbitWsServerDeps) {
    deps.faults.attach('upbit', { connections: () => [...this.sessions].map((s) => s.conn) });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { faults, stats, options } = this.deps;
    const ip = req.socket.remoteAddress ?? '';
    const rejection = faults.takeRejection('upbit');
    const attempts = this.connectAttempts.add(ip, Date.now());
    if (rejection !== undefined || attempts > options.connectLimitPerSec) {
      stats.connectionsRejected++;
      rejectUpgrade(socket, rejection ?? { status: 429 });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    const { options, stats } = this.deps;
    stats.connectionsOpened++;
    stats.connectionsOpen++;
    const conn = new FeedConnection(ws, {
      venue: 'upbit', binaryData: true, binaryControl: options.controlFrames === 'binary',
      maxBufferedBytes: this.deps.maxBufferedBytes, faults: this.deps.faults, stats, onDataSent: () => this.touch(session),
    });
    const session: Session = { conn, format: 'DEFAULT', subscriptions: new Map(), requestTimesMs: [] };
    this.sessions.add(session);
    this.touch(session);
    ws.on('message', (data, isBinary) => {
      this.touch(session);
      this.onRequest(session, rawDataToText(data), isBinary);
    });
    ws.on('ping', () => this.touch(session));
    ws.on('pong', () => this.touch(session));
    ws.on('close', () => {
      stats.connectionsOpen--;
      clearTimeout(session.idleTimer);
      clearInterval(session.statusTimer);
      this.sessions.delete(session);
    });
    ws.on('error', () => ws.terminate());
  }

  /** Any traffic either way restarts the idle timer. */
  private touch(session: Session): void {
    clearTimeout(session.idleTimer);
    session.idleTimer = setTimeout(() => session.conn.drop('close', 1000, 'idle timeout', 'idle'), this.deps.options.idleTimeoutMs);
  }

  private onRequest(session: Session, text: string, isBinary: boolean): void {
    if (!isBinary && text.trim() === 'PING') {
      this.sendStatus(session);
      session.statusTimer ??= setInterval(() => this.sendStatus(session), this.deps.options.statusIntervalMs);
      return;
    }
    this.deps.stats.requestsReceived++;
    try {
      this.checkRequestRate(session);
      const request = parseRequest(text);
      if (request.listSubscriptions) {
        session.format = request.format ?? session.format;
        this.sendListSubscriptions(session, request.ticket);
        return;
      }
      const apply = () => {
        session.format = request.format ?? 'DEFAULT';
        // Undocumented whether a new request adds or replaces: the newest request is the full set.
        session.subscriptions = request.subscriptions;
        this.sendSnapshots(session);
      };
      const delayMs = this.deps.faults.takeSubscribeDelay('upbit');
      if (delayMs > 0) setTimeout(() => this.sessions.has(session) && apply(), delayMs);
      else apply();
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      this.deps.stats.errorsSent++;
      session.conn.sendControl(JSON.stringify({ error: { name: err.errorName, message: err.message } }));
      if (this.deps.options.closeOnError) session.conn.drop('close', 1000, err.errorName, 'error');
    }
  }

  private checkRequestRate(session: Session): void {
    const now = Date.now();
    session.requestTimesMs = session.requestTimesMs.filter((t) => now - t < 60_000);
    session.requestTimesMs.push(now);
    const lastSecond = session.requestTimesMs.filter((t) => now - t < 1000).length;
    const { subscribeLimitPerSec, subscribeLimitPerMin } = this.deps.options;
    if (lastSecond > subscribeLimitPerSec || session.requestTimesMs.length > subscribeLimitPerMin) {
      throw new RequestError('TOO_MANY_REQUESTS', `too many requests: at most ${subscribeLimitPerSec}/s and ${subscribeLimitPerMin}/min per connection`);
    }
  }

  private sendStatus(session: Session): void {
    session.conn.sendControl('{"status":"UP"}');
  }

  private sendListSubscriptions(session: Session, ticket: string): void {
    const result: JsonValue[] = [...session.subscriptions.values()].map((s) => {
      const item: JsonObject = { type: s.type, codes: s.requestedCodes };
      if (s.level !== undefined) item.level = s.level;
      return item;
    });
    const body = toKeyFormat({ method: 'LIST_SUBSCRIPTIONS', result, ticket }, 'LIST_SUBSCRIPTIONS', isSimple(session.format) ? 'simple' : 'default');
    session.conn.sendControl(stringifyLossless(body));
  }

  private sendSnapshots(session: Session): void {
    const now = this.deps.nowMs();
    const source = this.deps.source();
    const messages: UpbitMessage[] = [];
    for (const sub of session.subscriptions.values()) {
      // A non-zero price-grouping level is not simulated: such subscriptions get no data.
      if (sub.onlyRealtime || sub.level) continue;
      for (const code of sub.codes.keys()) {
        const body = source.upbitSnapshot(sub.type, code, now);
        if (body) messages.push({ type: sub.type, code, body });
      }
    }
    this.sendTo(session, messages, 'SNAPSHOT', new Map());
  }

  /** True when some session wants realtime messages of this type and code. */
  wants(type: string, code: string): boolean {
    for (const s of this.sessions) {
      const sub = s.subscriptions.get(type);
      if (sub && !sub.onlySnapshot && sub.codes.has(code)) return true;
    }
    return false;
  }

  dispatch(messages: UpbitMessage[]): void {
    if (messages.length === 0) return;
    // The same message serialised once per (format, depth), however many sessions get it.
    const cache = new Map<UpbitMessage, Map<string, string>>();
    for (const session of this.sessions) {
      const wanted = messages.filter((m) => {
        const sub = session.subscriptions.get(m.type);
        return sub !== undefined && !sub.onlySnapshot && sub.codes.has(m.code) && !sub.level;
      });
      this.sendTo(session, wanted, 'REALTIME', cache);
    }
  }

  private sendTo(session: Session, messages: UpbitMessage[], streamType: 'SNAPSHOT' | 'REALTIME', cache: Map<UpbitMessage, Map<string, string>>): void {
    if (messages.length === 0) return;
    const simple = isSimple(session.format);
    const render = (m: UpbitMessage): string => {
      const depth = session.subscriptions.get(m.type)?.codes.get(m.code);
      const cacheKey = `${simple}|${depth}|${streamType}`;
      let perMessage = cache.get(m);
      if (!perMessage) cache.set(m, (perMessage = new Map()));
      let text = perMessage.get(cacheKey);
      if (text === undefined) {
        const limited = depth !== undefined ? limitOrderbookDepth(m.body, depth) : m.body;
        text = stringifyLossless(toKeyFormat({ ...limited, stream_type: streamType }, m.type, simple ? 'simple' : 'default'));
        perMessage.set(cacheKey, text);
      }
      return text;
    };
    if (session.format === 'JSON_LIST' || session.format === 'SIMPLE_LIST') {
      session.conn.sendData(`[${messages.map(render).join(',')}]`, 'list');
    } else {
      for (const m of messages) session.conn.sendData(render(m), `${m.type}|${m.code}`);
    }
  }

  close(): void {
    for (const s of this.sessions) {
      clearTimeout(s.idleTimer);
      clearInterval(s.statusTimer);
      s.conn.ws.terminate();
    }
    this.wss.close();
  }
}

const isSimple = (format: UpbitFormat): boolean => format === 'SIMPLE' || format === 'SIMPLE_LIST';

interface ParsedRequest {
  ticket: string;
  format?: UpbitFormat;
  listSubscriptions: boolean;
  subscriptions: Map<string, TypeSubscription>;
}

/** Validates a request frame by Upbit's documented rules; throws RequestError with Upbit's error names. */
export function parseRequest(text: string): ParsedRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RequestError('WRONG_FORMAT', 'request is not valid JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) {
    throw new RequestError('WRONG_FORMAT', 'request must be a JSON array of objects');
  }
  const items = parsed as Array<Record<string, unknown>>;
  const ticketItem = items.find((i) => 'ticket' in i);
  if (!ticketItem || typeof ticketItem.ticket !== 'string' || ticketItem.ticket.length === 0) throw new RequestError('NO_TICKET', 'ticket is required');
  let format: UpbitFormat | undefined;
  const formatItem = items.find((i) => 'format' in i);
  if (formatItem) {
    if (typeof formatItem.format !== 'string' || !FORMATS.has(formatItem.format)) throw new RequestError('INVALID_PARAM', `unknown format ${String(formatItem.format)}`);
    format = formatItem.format as UpbitFormat;
  }
  if (items.some((i) => i.method === 'LIST_SUBSCRIPTIONS')) return { ticket: ticketItem.ticket, format, listSubscriptions: true, subscriptions: new Map() };
  const typeItems = items.filter((i) => 'type' in i);
  if (typeItems.length === 0) throw new RequestError('NO_TYPE', 'type is required');
  const subscriptions = new Map<string, TypeSubscription>();
  for (const item of typeItems) {
    const type = item.type;
    if (typeof type !== 'string' || !UPBIT_DATA_TYPES.has(type)) throw new RequestError('INVALID_PARAM', `unknown type ${String(type)}`);
    const codes = item.codes;
    if (!Array.isArray(codes) || codes.length === 0) throw new RequestError('NO_CODES', `codes are required for ${type}`);
    const subscription: TypeSubscription = {
      type, codes: new Map(), requestedCodes: [],
      onlySnapshot: flag(item, 'is_only_snapshot', 'isOnlySnapshot'),
      onlyRealtime: flag(item, 'is_only_realtime', 'isOnlyRealtime'),
    };
    if (type === 'orderbook' && item.level !== undefined) {
      if (typeof item.level !== 'number' || item.level < 0) throw new RequestError('INVALID_PARAM', 'level must be a non-negative number');
      subscription.level = item.level;
    }
    for (const code of codes) {
      // Codes must be upper case QUOTE-BASE, with an optional .N depth on orderbook.
      if (typeof code !== 'string' || !/^[A-Z]+-[A-Z0-9]+(\.\d+)?$/.test(code)) throw new RequestError('INVALID_PARAM', `invalid code ${String(code)}`);
      const [market, suffix] = code.split('.');
      if (suffix !== undefined && type !== 'orderbook') throw new RequestError('INVALID_PARAM', `depth suffix only applies to orderbook: ${code}`);
      const depth = type === 'orderbook' ? (suffix !== undefined && ORDERBOOK_DEPTHS.has(Number(suffix)) ? Number(suffix) : DEFAULT_ORDERBOOK_DEPTH) : undefined;
      subscription.codes.set(market, depth);
      subscription.requestedCodes.push(code);
    }
    subscriptions.set(type, subscription);
  }
  return { ticket: ticketItem.ticket, format, listSubscriptions: false, subscriptions };
}

/** Accepts the current snake_case spelling and the older camelCase one. */
function flag(item: Record<string, unknown>, snake: string, camel: string): boolean {
  for (const key of [snake, camel]) {
    const value = item[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new RequestError('INVALID_PARAM', `${key} must be a boolean`);
    return value;
  }
  return false;
}
