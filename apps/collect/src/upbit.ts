// Upbit trades + order books → market_1s, one BarBuilder per market behind one socket.
// The socket's data frames prove the feed alive: a second is written once a frame stamped after
// its end arrived, and data frames further apart than silenceGapMs (in exchange and in receive
// time) mean frames were lost while the socket stayed open (a stall): the silence is a gap, as a
// disconnect would be.
import { randomUUID } from 'node:crypto';
import { BAR_GRACE_MS, BarBuilder, FeedParseError, FeedSocket, buildUpbitSubscribe, parseUpbitFrame } from '@cqt/feeds';
import type { BulkWriter } from '@cqt/db';
import { ConnectErrors } from './connectErrors.js';
import { RecentIds } from './dedupe.js';
import { rawExcerpt, type FeedEventLog } from './events.js';
import type { StreamStats } from './status.js';

export interface UpbitFeedOptions {
  url: string;
  markets: string[];
  bars: BulkWriter<'market_1s'>;
  events: FeedEventLog;
  staleAfterMs?: number;
  graceMs?: number;
  /** Data frames further apart than this (exchange and receive time): the silence between them is a gap. */
  silenceGapMs?: number;
  onRawFrame?: (data: Buffer | string, recvTsMs: number) => void;
  /** Operator log (stderr): connection errors are reported once per distinct message. */
  log?: (line: string) => void;
}

/**
 * Upbit sends order-book updates several times a second (recordings: at most 0.6 s apart), so
 * 5 s without a data frame is frames lost, not a quiet market; the watchdog (30 s) replaces the
 * socket only later.
 */
const SILENCE_GAP_MS = 5_000;

export class UpbitFeed {
  private readonly socket: FeedSocket;
  private readonly builders = new Map<string, BarBuilder>();
  private readonly tradeIds = new RecentIds();
  readonly stats: StreamStats = { name: 'upbit', frames: 0, lastEventTsMs: null, lastRecvTsMs: null, reconnects: 0, parseErrors: 0, rows: 0 };
  private downSinceMs: number | null = null;
  private readonly connectErrors: ConnectErrors;

  constructor(private readonly o: UpbitFeedOptions) {
    this.connectErrors = new ConnectErrors('upbit.ws', o.url, o.events, o.log);
    for (const m of o.markets) this.builders.set(m, new BarBuilder(m, { graceMs: o.graceMs }));
    this.socket = new FeedSocket(
      {
        name: 'upbit',
        url: o.url,
        staleAfterMs: o.staleAfterMs ?? 30_000,
        subscribe: () => [
          buildUpbitSubscribe({ ticket: `cqt-${randomUUID()}`, trades: o.markets, orderbook: { codes: o.markets, depth: 15 }, format: 'DEFAULT' }),
        ],
      },
      {
        onOpen: ({ attempt }) => {
          // Coverage starts with the first data frame, not here: the subscription takes effect
          // when the server gets to it, which on a loaded gateway can be most of a second later.
          this.covering = false;
          this.o.events.record({ source: 'upbit.ws', kind: attempt > 0 ? 'reconnect' : 'connect', detail: { url: o.url, markets: o.markets, attempt } });
        },
        onDown: ({ reason, code, detail }) => {
          this.endCoverage(Date.now());
          this.stats.reconnects += reason === 'stopped' ? 0 : 1;
          this.o.events.record({ source: 'upbit.ws', kind: reason === 'stale' ? 'stale' : 'disconnect', detail: { reason, code, detail } });
        },
        onFrame: (data, recvTsMs) => this.onFrame(data, recvTsMs),
        onError: (err, phase) => this.connectErrors.report(err, phase),
      },
    );
  }

  /** End (exclusive) of the last emitted second across markets. */
  private lastEmittedEnd: number | null = null;
  /** Whether this connection's subscription is live (a data frame arrived since it opened). */
  private covering = false;
  /** Exchange time of the newest data frame while covering: every second ended by then was delivered. */
  private provenUntilMs: number | null = null;
  /** Local receive time of the last data frame while covering. */
  private lastDataRecvMs: number | null = null;

  start(): void {
    this.socket.start();
  }

  async stop(): Promise<void> {
    await this.socket.stop();
  }

  /**
   * Before a planned stop: keep receiving (the collector's ticker keeps closing seconds) until
   * every second that ended by now is written, for at most the grace plus 2 s. Closing at once
   * would have to drop the seconds still inside the grace (see BarBuilder.disconnected).
   */
  async drain(): Promise<void> {
    const stopAtMs = Date.now();
    const deadlineMs = stopAtMs + (this.o.graceMs ?? BAR_GRACE_MS) + 2_000;
    const pending = () =>
      this.covering && [...this.builders.values()].some((b) => b.pendingFromMs !== null && b.pendingFromMs < Math.floor(b.exchangeNow(stopAtMs) / 1000) * 1000);
    while (pending() && Date.now() < deadlineMs) await new Promise((r) => setTimeout(r, 50));
  }

  /** Emits closed seconds (called on a timer). */
  tick(nowMs: number): void {
    for (const b of this.builders.values()) this.emit(b.close(nowMs, this.provenUntilMs));
  }

  private emit(bars: ReturnType<BarBuilder['close']>): void {
    if (bars.length === 0) return;
    this.stats.rows += bars.length;
    this.lastEmittedEnd = Math.max(this.lastEmittedEnd ?? 0, bars[bars.length - 1].ts.getTime() + 1000);
    void this.o.bars.write(bars);
  }

  /**
   * The subscription is live (one request covers every market): each market's bars cover the
   * seconds from the next whole one. A gap after a disconnect ends there.
   */
  private startCoverage(recvTsMs: number, firstTsMs: number, gapDetail?: Record<string, unknown>): void {
    this.covering = true;
    for (const b of this.builders.values()) b.connected(recvTsMs, firstTsMs);
    if (this.downSinceMs !== null) {
      const gapToMs = Math.min(...[...this.builders.values()].map((b) => b.pendingFromMs ?? recvTsMs));
      this.o.events.record({ source: 'upbit.ws', kind: 'gap', gapFromMs: this.downSinceMs, gapToMs, detail: gapDetail });
      this.downSinceMs = null;
    }
  }

  /**
   * Coverage ends (the socket went down, or fell silent): the seconds the frames proved complete
   * are written; the gap starts at the first second without a row and ends where the next
   * coverage starts.
   */
  private endCoverage(nowMs: number): void {
    for (const b of this.builders.values()) this.emit(b.disconnected(this.provenUntilMs, nowMs));
    this.downSinceMs ??= this.lastEmittedEnd ?? nowMs;
    this.covering = false;
    this.provenUntilMs = null;
    this.lastDataRecvMs = null;
  }

  /** A data frame stamped tsMs (exchange time) arrived at local time recvTsMs. */
  private onData(tsMs: number, recvTsMs: number): void {
    let gapDetail: Record<string, unknown> | undefined;
    // Silent in exchange time and in receive time: frames queued while the collector was busy keep
    // their stamps (no gap), and a subscription snapshot stamped long ago arrives with the rest.
    const silentMs =
      this.provenUntilMs === null || this.lastDataRecvMs === null ? 0 : Math.min(tsMs - this.provenUntilMs, recvTsMs - this.lastDataRecvMs);
    if (this.covering && silentMs > (this.o.silenceGapMs ?? SILENCE_GAP_MS)) {
      this.endCoverage(recvTsMs);
      gapDetail = { reason: 'silence', silentMs };
    }
    if (!this.covering) this.startCoverage(recvTsMs, tsMs, gapDetail);
    this.provenUntilMs = Math.max(this.provenUntilMs ?? tsMs, tsMs);
    this.lastDataRecvMs = recvTsMs;
  }

  private onFrame(data: Buffer | string, recvTsMs: number): void {
    this.stats.frames++;
    this.stats.lastRecvTsMs = recvTsMs;
    this.o.onRawFrame?.(data, recvTsMs);
    let events;
    try {
      events = parseUpbitFrame(data);
    } catch (err) {
      this.stats.parseErrors++;
      const e = err as FeedParseError;
      this.o.events.record({ source: 'upbit.ws', kind: 'parse_error', detail: { reason: e.reason ?? e.message, raw: rawExcerpt(e.raw) } });
      return;
    }
    let dataTsMs: number | null = null;
    for (const ev of events) if (ev.kind === 'trade' || ev.kind === 'orderbook') dataTsMs = Math.max(dataTsMs ?? ev.tsMs, ev.tsMs);
    if (dataTsMs !== null) this.onData(dataTsMs, recvTsMs);
    for (const ev of events) {
      if (ev.kind === 'trade') {
        const b = this.builders.get(ev.code);
        if (!b) continue;
        if (this.tradeIds.seen(`${ev.code}:${ev.sequentialId}`)) {
          this.o.events.record({ source: 'upbit.ws', kind: 'duplicate', symbol: ev.code, detail: { tradeTsMs: ev.tradeTsMs, sequentialId: ev.sequentialId } });
          continue;
        }
        this.stats.lastEventTsMs = ev.tsMs;
        const outcome = b.trade({ tradeTsMs: ev.tradeTsMs, price: ev.tradePrice, volume: ev.tradeVolume, side: ev.askBid, tsMs: ev.tsMs }, recvTsMs);
        if (outcome === 'late') this.o.events.record({ source: 'upbit.ws', kind: 'late', symbol: ev.code, detail: { tradeTsMs: ev.tradeTsMs, recvTsMs, sequentialId: ev.sequentialId } });
      } else if (ev.kind === 'orderbook') {
        const b = this.builders.get(ev.code.split('.')[0]);
        const top = ev.orderbookUnits[0];
        if (!b || !top) continue;
        this.stats.lastEventTsMs = ev.tsMs;
        b.book({ tsMs: ev.tsMs, bestBid: top.bidPrice, bestAsk: top.askPrice, bidSize: top.bidSize, askSize: top.askSize }, recvTsMs);
      } else if (ev.kind === 'error') {
        this.o.events.record({ source: 'upbit.ws', kind: 'error', detail: { name: ev.name, message: ev.message } });
      }
    }
  }
}
