// Coinglass aggregated liquidation map every COINGLASS_POLL_SEC, only with a real key. Every call,
// ok or not, becomes a coinglass_call_status row; a placeholder key is reported once and never sent;
// a 429 with Retry-After pauses every call until it runs out.
import {
  RestPoller,
  RestTransportError,
  classifyCoinglassResponse,
  coinglassAggregatedLiquidationMapRequest,
  fetchRest,
  parseCoinglassLiquidationMap,
  parseCoinglassRateLimit,
  readRetryAfterSec,
} from '@cqt/feeds';
import { describeSecret, isRealKey } from '@cqt/config';
import type { BulkWriter } from '@cqt/db';
import type { FeedEventLog } from './events.js';
import type { StreamStats } from './status.js';

export interface CoinglassPollerOptions {
  baseUrl: string;
  apiKey: string | undefined;
  enabled: boolean;
  /** Coins, e.g. BTC (from BTCUSDT). */
  coins: string[];
  pollSec: number;
  maps: BulkWriter<'coinglass_liquidation_map'>;
  calls: BulkWriter<'coinglass_call_status'>;
  events: FeedEventLog;
  log: (line: string) => void;
}

const ENDPOINT = '/api/futures/liquidation/aggregated-map';
const RANGE = '1d';

export class CoinglassPoller extends RestPoller<string> {
  readonly stats: StreamStats = { name: 'coinglass', frames: 0, lastEventTsMs: null, lastRecvTsMs: null, reconnects: 0, parseErrors: 0, rows: 0 };

  constructor(private readonly o: CoinglassPollerOptions) {
    super(o.pollSec * 1000);
  }

  /** Whether polling will happen; explains itself once when it will not. */
  override start(): boolean {
    if (!this.o.enabled) return false;
    if (!isRealKey(this.o.apiKey)) {
      const state = describeSecret(this.o.apiKey);
      this.o.log(`coinglass: COINGLASS_ENABLED=true but COINGLASS_API_KEY is ${state}; Coinglass is not polled (set a real key)`);
      this.o.events.record({ source: 'coinglass.rest', kind: 'skipped', detail: { reason: `api key ${state}` } });
      return false;
    }
    super.start();
    return true;
  }

  protected override calls(): string[] {
    return this.o.coins;
  }

  protected override async poll(coin: string): Promise<void> {
    const startedMs = Date.now();
    const request = coinglassAggregatedLiquidationMapRequest(this.o.apiKey!, { symbol: coin, range: RANGE });
    let res;
    try {
      res = await fetchRest(this.o.baseUrl, request, 15_000);
    } catch (err) {
      const msg = err instanceof RestTransportError ? err.message : String(err);
      await this.o.calls.write([{ ts: new Date(startedMs), endpoint: ENDPOINT, ok: false, httpStatus: null, errorMsg: msg, latencyMs: Date.now() - startedMs }]);
      return;
    }
    this.stats.frames++;
    this.stats.lastRecvTsMs = res.recvTsMs;
    const status = classifyCoinglassResponse(res.status, res.headers, res.body);
    const rateLimit = parseCoinglassRateLimit(res.headers);
    const call = {
      ts: new Date(startedMs),
      endpoint: ENDPOINT,
      httpStatus: res.status,
      latencyMs: res.latencyMs,
      rateLimitMax: rateLimit.maxPerMin,
      rateLimitUsed: rateLimit.usedInWindow,
    };
    if (!status.ok) {
      if (status.kind === 'rate_limited') {
        // Coinglass documents no Retry-After; when one comes it is honoured, otherwise the next poll is on schedule.
        const retryAfterSec = readRetryAfterSec(res.headers);
        const pausedUntilMs = this.pauseForRateLimit({ retryAfterSec }, null);
        this.o.events.record({
          source: 'coinglass.rest',
          kind: 'rate_limited',
          detail: { httpStatus: res.status, retryAfterSec, pausedUntil: pausedUntilMs === null ? null : new Date(pausedUntilMs).toISOString(), msg: status.msg },
        });
      }
      await this.o.calls.write([{ ...call, ok: false, errorMsg: `${status.kind}: ${status.msg}` }]);
      return;
    }
    try {
      const levels = parseCoinglassLiquidationMap(res.body);
      await this.o.maps.write([{ symbol: coin, range: RANGE, ts: new Date(res.recvTsMs), levels, levelCount: levels.length, recvTs: new Date(res.recvTsMs) }]);
      await this.o.calls.write([{ ...call, ok: true, errorMsg: null }]);
      this.stats.rows++;
      this.stats.lastEventTsMs = res.recvTsMs;
    } catch (err) {
      this.stats.parseErrors++;
      await this.o.calls.write([{ ...call, ok: false, errorMsg: `parse: ${(err as Error).message.slice(0, 300)}` }]);
    }
  }
}
