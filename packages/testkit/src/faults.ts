// Scriptable faults. A test says what should go wrong next ("stall Binance for 3 s", "the next
// two Binance REST calls get 429 then 418") and the servers consult this controller when they
// accept, send or answer. Immediate actions (drop, inject, replay) act on open connections.
import type { FeedConnection } from './ws/connection.js';
import type { UpgradeRefusal } from './ws/limits.js';

export type WsVenue = 'upbit' | 'binance';
export type RestVenue = 'binance' | 'upbit' | 'coinglass';
/**
 * JSON that does not parse or has the wrong shape, in the venue's framing; or garbage on the wire:
 * random bytes in a binary frame, a data frame with bytes that are not UTF-8 (in the venue's
 * framing), random bytes in a text frame (a validating client closes with 1007).
 */
export type MalformedFrameKind = 'truncated-json' | 'not-json' | 'unexpected-shape' | 'binary-frame' | 'invalid-utf8' | 'random-bytes';

/** How rejectConnections refuses WebSocket upgrades. */
export interface UpgradeRejection extends Partial<UpgradeRefusal> {
  /** Refuse every upgrade for this long from now… */
  durationMs?: number;
  /** …or the next `count` upgrades (default 1 without durationMs; with it, a cap). */
  count?: number;
}

/** What the REST layer must do with the current request. */
export type RestFaultAction =
  | { kind: 'fail'; status: number; body?: string; retryAfterSec?: number }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'hang' };

interface RestFaultEntry {
  action: (index: number) => RestFaultAction;
  calls: number;
  used: number;
  pathPrefix?: string;
}

interface WsFaultState {
  stallUntilMs: number;
  duplicateLeft: number;
  reorderLeft: number;
  reject: { untilMs: number; left: number; refusal: UpgradeRefusal } | null;
  subscribeDelayLeft: number;
  subscribeDelayMs: number;
}

export interface WsConnectionRegistry {
  connections(): FeedConnection[];
}

const venuesOf = (venue: WsVenue | 'all'): WsVenue[] => (venue === 'all' ? ['upbit', 'binance'] : [venue]);

export class FaultController {
  private readonly wsState: Record<WsVenue, WsFaultState> = { upbit: freshWsState(), binance: freshWsState() };
  private readonly restQueue: Record<RestVenue, RestFaultEntry[]> = { binance: [], upbit: [], coinglass: [] };
  private readonly registries = new Map<WsVenue, WsConnectionRegistry>();

  /** @internal Servers register so immediate faults can reach their connections. */
  attach(venue: WsVenue, registry: WsConnectionRegistry): void {
    this.registries.set(venue, registry);
  }

  private connections(venue: WsVenue | 'all'): FeedConnection[] {
    return venuesOf(venue).flatMap((v) => this.registries.get(v)?.connections() ?? []);
  }

  /** Drops every open connection now: 'terminate' kills the TCP socket (no close frame). Returns how many. */
  dropConnections(venue: WsVenue | 'all' = 'all', options: { mode?: 'terminate' | 'close'; code?: number; reason?: string } = {}): number {
    const targets = this.connections(venue);
    for (const c of targets) c.drop(options.mode ?? 'terminate', options.code ?? 1011, options.reason ?? 'fault: connection dropped');
    return targets.length;
  }

  /**
   * Refuses WebSocket upgrades with an HTTP status (default 503) for `durationMs` or the next
   * `count`, optionally with Retry-After and a body; `keepAlive` answers without `Connection:
   * close` and leaves the TCP socket open. `(venue, count, status)` is short for `{ count, status }`.
   */
  rejectConnections(venue: WsVenue | 'all', rejection: UpgradeRejection | number, status = 503): void {
    const r = typeof rejection === 'number' ? { count: rejection, status } : rejection;
    const { durationMs, count, ...refusal } = r;
    const untilMs = durationMs === undefined ? Infinity : Date.now() + durationMs;
    const left = count ?? (durationMs === undefined ? 1 : Infinity);
    for (const v of venuesOf(venue)) this.wsState[v].reject = { untilMs, left, refusal: { status: 503, ...refusal } };
  }

  /**
   * The next `count` Upbit subscription requests take effect `delayMs` after they arrive, as on a
   * loaded gateway: the socket is open, but no data flows for that long.
   */
  delaySubscriptions(venue: 'upbit', options: { delayMs: number; count?: number }): void {
    Object.assign(this.wsState[venue], { subscribeDelayLeft: options.count ?? 1, subscribeDelayMs: options.delayMs });
  }

  /** No data frames for `durationMs`; pings, pongs and Upbit {"status":"UP"} keep flowing. */
  stall(venue: WsVenue | 'all', durationMs: number): void {
    for (const v of venuesOf(venue)) this.wsState[v].stallUntilMs = Date.now() + durationMs;
  }

  /** Sends one malformed data frame to every open connection now. Returns how many got it. */
  injectMalformedFrame(venue: WsVenue | 'all', kind: MalformedFrameKind = 'truncated-json'): number {
    const targets = this.connections(venue);
    for (const c of targets) c.sendMalformed(kind);
    return targets.length;
  }

  /** The next `count` data frames are each delivered twice. */
  duplicateFrames(venue: WsVenue | 'all', count: number): void {
    for (const v of venuesOf(venue)) this.wsState[v].duplicateLeft += count;
  }

  /** Re-sends the last `count` data frames each open connection received (a replay after reconnect). */
  replayRecentFrames(venue: WsVenue | 'all', count: number): number {
    let sent = 0;
    for (const c of this.connections(venue)) sent += c.replayRecent(count);
    return sent;
  }

  /** The next `count` data frames are held back and delivered after the following frame of the same stream. */
  reorderFrames(venue: WsVenue | 'all', count: number): void {
    for (const v of venuesOf(venue)) this.wsState[v].reorderLeft += count;
  }

  /** The next `calls` requests fail with `status` (and the venue's error body unless `body` is given). */
  failRest(venue: RestVenue, options: { status: number; calls?: number; body?: string; pathPrefix?: string }): void {
    this.queueRest(venue, options.calls ?? 1, options.pathPrefix, () => ({ kind: 'fail', status: options.status, body: options.body }));
  }

  /** The next `calls` requests: the first gets 429, the rest 418 (a client that did not back off), with Retry-After. */
  rateLimitRest(venue: RestVenue, options: { calls?: number; retryAfterSec?: number; pathPrefix?: string } = {}): void {
    const retryAfterSec = options.retryAfterSec ?? 60;
    this.queueRest(venue, options.calls ?? 2, options.pathPrefix, (i) => ({ kind: 'fail', status: i === 0 ? 429 : 418, retryAfterSec }));
  }

  /** The next `calls` requests are answered normally after `delayMs`. */
  delayRest(venue: RestVenue, options: { delayMs: number; calls?: number; pathPrefix?: string }): void {
    this.queueRest(venue, options.calls ?? 1, options.pathPrefix, () => ({ kind: 'delay', delayMs: options.delayMs }));
  }

  /** The next `calls` requests are never answered (until the client gives up or the server closes). */
  hangRest(venue: RestVenue, options: { calls?: number; pathPrefix?: string } = {}): void {
    this.queueRest(venue, options.calls ?? 1, options.pathPrefix, () => ({ kind: 'hang' }));
  }

  clear(): void {
    for (const v of ['upbit', 'binance'] as const) this.wsState[v] = freshWsState();
    for (const v of ['binance', 'upbit', 'coinglass'] as const) this.restQueue[v] = [];
  }

  private queueRest(venue: RestVenue, calls: number, pathPrefix: string | undefined, action: (index: number) => RestFaultAction): void {
    this.restQueue[venue].push({ action, calls, used: 0, pathPrefix });
  }

  /** @internal */
  takeRestFault(venue: RestVenue, path: string): RestFaultAction | undefined {
    const queue = this.restQueue[venue];
    const entry = queue.find((e) => e.used < e.calls && (e.pathPrefix === undefined || path.startsWith(e.pathPrefix)));
    if (!entry) return undefined;
    const action = entry.action(entry.used++);
    this.restQueue[venue] = queue.filter((e) => e.used < e.calls);
    return action;
  }

  /** @internal How to refuse the handshake arriving now, if a rejection is in force. */
  takeRejection(venue: WsVenue): UpgradeRefusal | undefined {
    const r = this.wsState[venue].reject;
    if (!r || r.left <= 0 || Date.now() >= r.untilMs) return undefined;
    r.left--;
    return r.refusal;
  }

  /** @internal How long the subscription request arriving now waits before it takes effect (0: none). */
  takeSubscribeDelay(venue: WsVenue): number {
    const s = this.wsState[venue];
    if (s.subscribeDelayLeft <= 0) return 0;
    s.subscribeDelayLeft--;
    return s.subscribeDelayMs;
  }

  /** @internal */
  isStalled(venue: WsVenue): boolean {
    return Date.now() < this.wsState[venue].stallUntilMs;
  }

  /** @internal */
  takeDuplicate(venue: WsVenue): boolean {
    return this.take(venue, 'duplicateLeft');
  }

  /** @internal */
  takeReorder(venue: WsVenue): boolean {
    return this.take(venue, 'reorderLeft');
  }

  private take(venue: WsVenue, counter: 'duplicateLeft' | 'reorderLeft'): boolean {
    if (this.wsState[venue][counter] <= 0) return false;
    this.wsState[venue][counter]--;
    return true;
  }
}

function freshWsState(): WsFaultState {
  return { stallUntilMs: 0, duplicateLeft: 0, reorderLeft: 0, reject: null, subscribeDelayLeft: 0, subscribeDelayMs: 0 };
}
