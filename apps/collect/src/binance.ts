// Binance USD-M market streams → binance_mark_price_1s (markPrice@1s, ts = event time E) and
// binance_force_orders (forceOrder, idempotent on its natural key). One combined-stream socket on
// the /market route, rotated before Binance's 24 h cut with overlap.
import { FeedSocket, HEARTBEAT_EVERY_SEC, binanceMarketStreamUrl, binanceStreamName, parseBinanceFrame, type FeedParseError } from '@cqt/feeds';
import type { BulkWriter } from '@cqt/db';
import { rawExcerpt, type FeedEventLog } from './events.js';
import { ConnectErrors } from './connectErrors.js';
import type { StreamStats } from './status.js';

export interface BinanceFeedOptions {
  baseUrl: string;
  symbols: string[];
  markPrices: BulkWriter<'binance_mark_price_1s'>;
  forceOrders: BulkWriter<'binance_force_orders'>;
  events: FeedEventLog;
  staleAfterMs?: number;
  /** Rotate before Binance's 24 h connection limit. */
  maxAgeMs?: number;
  heartbeatMs?: number;
  onRawFrame?: (data: Buffer | string, recvTsMs: number) => void;
  /** Operator log (stderr): connection errors are reported once per distinct message. */
  log?: (line: string) => void;
}

export class BinanceFeed {
  private readonly socket: FeedSocket;
  readonly streams: string[];
  readonly stats: StreamStats = { name: 'binance', frames: 0, lastEventTsMs: null, lastRecvTsMs: null, reconnects: 0, parseErrors: 0, rows: 0 };
  private heartbeat: NodeJS.Timeout | null = null;
  private framesAtHeartbeat = 0;
  private readonly connectErrors: ConnectErrors;

  constructor(private readonly o: BinanceFeedOptions) {
    this.streams = o.symbols.flatMap((s) => [binanceStreamName(s, 'markPrice@1s'), binanceStreamName(s, 'forceOrder')]);
    // A shard may hold no Binance symbol: the feed is then never started and needs no URL.
    const url = this.streams.length ? binanceMarketStreamUrl(o.baseUrl, this.streams) : o.baseUrl;
    this.connectErrors = new ConnectErrors('binance.ws', url, o.events, o.log);
    this.socket = new FeedSocket(
      { name: 'binance', url, staleAfterMs: o.staleAfterMs ?? 15_000, maxAgeMs: o.maxAgeMs ?? 23.5 * 3600_000 },
      {
        onOpen: ({ attempt, rotation }) =>
          o.events.record({ source: 'binance.ws', kind: rotation ? 'rotate' : attempt > 0 ? 'reconnect' : 'connect', detail: { streams: this.streams, attempt } }),
        onDown: ({ reason, code, detail, lastFrameTsMs }) => {
          if (reason !== 'stopped') this.stats.reconnects++;
          o.events.record({ source: 'binance.ws', kind: reason === 'stale' ? 'stale' : 'disconnect', detail: { reason, code, detail, streams: this.streams, lastFrameTsMs } });
        },
        onFrame: (data, recvTsMs) => this.onFrame(data, recvTsMs),
        onError: (err, phase) => this.connectErrors.report(err, phase),
      },
    );
  }

  start(): void {
    this.socket.start();
    // A heartbeat says "this stream was connected", which is how the altdata check tells a quiet
    // liquidation stream (normal) from a dead one.
    this.heartbeat = setInterval(() => {
      if (!this.socket.connected) return;
      this.o.events.record({ source: 'binance.ws', kind: 'heartbeat', detail: { streams: this.streams, frames: this.stats.frames - this.framesAtHeartbeat } });
      this.framesAtHeartbeat = this.stats.frames;
    }, this.o.heartbeatMs ?? HEARTBEAT_EVERY_SEC * 1000);
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.socket.stop();
  }

  private onFrame(data: Buffer | string, recvTsMs: number): void {
    this.stats.frames++;
    this.stats.lastRecvTsMs = recvTsMs;
    this.o.onRawFrame?.(data, recvTsMs);
    let msg;
    try {
      msg = parseBinanceFrame(typeof data === 'string' ? data : data.toString('utf8'));
    } catch (err) {
      this.stats.parseErrors++;
      const e = err as FeedParseError;
      this.o.events.record({ source: 'binance.ws', kind: 'parse_error', detail: { reason: e.reason ?? e.message, raw: rawExcerpt(e.raw) } });
      return;
    }
    if (msg.kind === 'error') this.o.events.record({ source: 'binance.ws', kind: 'error', detail: { code: msg.code, msg: msg.msg } });
    const ev = msg;
    const recvTs = new Date(recvTsMs);
    if (ev.kind === 'markPrice') {
      this.stats.lastEventTsMs = ev.tsMs;
      this.stats.rows++;
      void this.o.markPrices.write([
        {
          symbol: ev.symbol,
          ts: new Date(ev.tsMs),
          markPrice: ev.markPrice,
          indexPrice: ev.indexPrice,
          estSettlePrice: ev.estSettlePrice,
          fundingRate: ev.fundingRate,
          nextFundingTime: ev.nextFundingTsMs === null ? null : new Date(ev.nextFundingTsMs),
          recvTs,
        },
      ]);
    } else if (ev.kind === 'forceOrder') {
      this.stats.lastEventTsMs = ev.tsMs;
      this.stats.rows++;
      void this.o.forceOrders.write([
        {
          symbol: ev.symbol,
          ts: new Date(ev.tradeTsMs),
          side: ev.side,
          price: ev.price,
          origQty: ev.origQty,
          orderType: ev.orderType,
          timeInForce: ev.timeInForce,
          avgPrice: ev.avgPrice,
          filledQty: ev.filledQty,
          lastFilledQty: ev.lastFilledQty,
          status: ev.status,
          notional: ev.avgPrice * ev.filledQty,
          eventTs: new Date(ev.tsMs),
          recvTs,
        },
      ]);
    }
  }
}
