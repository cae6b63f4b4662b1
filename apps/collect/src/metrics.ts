// Binance REST metrics every BINANCE_POLL_SEC per symbol → binance_futures_metrics, within the
// weight budget: a 429/418 pauses every call until Retry-After (or the ban time, or the next
// minute) and is recorded; weight use above 80 % of the minute's budget waits for the next minute.
import {
  RestPoller,
  RestTransportError,
  binanceBasisRequest,
  binanceFuturesDataRequest,
  binanceOpenInterestRequest,
  classifyBinanceResponse,
  fetchRest,
  nextMinuteMs,
  parseBinanceBasis,
  parseBinanceLongShortRatio,
  parseBinanceOpenInterest,
  parseBinanceOpenInterestHist,
  parseBinanceTakerLongShortRatio,
  type RestRequest,
} from '@cqt/feeds';
import type { BulkWriter, RowOf } from '@cqt/db';
import type { FeedEventLog } from './events.js';
import type { StreamStats } from './status.js';

type MetricRow = RowOf<'binance_futures_metrics'>;

interface MetricCall {
  name: string;
  request: (symbol: string) => RestRequest;
  rows: (body: string, symbol: string, recvTs: Date) => MetricRow[];
}

/** Rows per /futures/data call: the newest few 5 m points (upserts make the overlap harmless). */
const HIST_LIMIT = 3;
const WEIGHT_BUDGET_1M = 2400;

const row = (symbol: string, metric: string, tsMs: number, value: number, recvTs: Date, extra: Record<string, unknown> | null = null): MetricRow => ({
  symbol,
  metric,
  ts: new Date(tsMs),
  value,
  extra,
  recvTs,
});

export const METRIC_CALLS: MetricCall[] = [
  {
    name: 'open_interest',
    request: (s) => binanceOpenInterestRequest(s),
    rows: (body, s, recvTs) => {
      const oi = parseBinanceOpenInterest(body);
      return [row(s, 'open_interest', oi.tsMs, oi.openInterest, recvTs)];
    },
  },
  {
    name: 'open_interest_value',
    request: (s) => binanceFuturesDataRequest('openInterestHist', { symbol: s, period: '5m', limit: HIST_LIMIT }),
    rows: (body, s, recvTs) =>
      parseBinanceOpenInterestHist(body).map((h) => row(s, 'open_interest_value', h.tsMs, h.sumOpenInterestValue, recvTs, { sumOpenInterest: h.sumOpenInterest })),
  },
  ...(
    [
      ['global_ls_ratio', 'globalLongShortAccountRatio'],
      ['top_ls_ratio', 'topLongShortAccountRatio'],
    ] as const
  ).map(([metric, endpoint]) => ({
    name: metric,
    request: (s: string) => binanceFuturesDataRequest(endpoint, { symbol: s, period: '5m', limit: HIST_LIMIT }),
    rows: (body: string, s: string, recvTs: Date) =>
      parseBinanceLongShortRatio(body).map((r) => row(s, metric, r.tsMs, r.longShortRatio, recvTs, { longShare: r.longShare, shortShare: r.shortShare })),
  })),
  {
    name: 'taker_ls_ratio',
    request: (s) => binanceFuturesDataRequest('takerlongshortRatio', { symbol: s, period: '5m', limit: HIST_LIMIT }),
    rows: (body, s, recvTs) =>
      parseBinanceTakerLongShortRatio(body).map((r) => row(s, 'taker_ls_ratio', r.tsMs, r.buySellRatio, recvTs, { buyVol: r.buyVol, sellVol: r.sellVol })),
  },
  {
    name: 'basis',
    request: (s) => binanceBasisRequest({ pair: s, contractType: 'PERPETUAL', period: '5m', limit: HIST_LIMIT }),
    rows: (body, s, recvTs) =>
      parseBinanceBasis(body).map((b) => row(s, 'basis', b.tsMs, b.basis, recvTs, { basisRate: b.basisRate, futuresPrice: b.futuresPrice, indexPrice: b.indexPrice })),
  },
];

export interface MetricsPollerOptions {
  baseUrl: string;
  symbols: string[];
  pollSec: number;
  writer: BulkWriter<'binance_futures_metrics'>;
  events: FeedEventLog;
  timeoutMs?: number;
}

export class MetricsPoller extends RestPoller<[string, MetricCall]> {
  readonly stats: StreamStats = { name: 'binance-rest', frames: 0, lastEventTsMs: null, lastRecvTsMs: null, reconnects: 0, parseErrors: 0, rows: 0 };

  constructor(private readonly o: MetricsPollerOptions) {
    super(o.pollSec * 1000);
  }

  protected override *calls(): Iterable<[string, MetricCall]> {
    for (const symbol of this.o.symbols) for (const call of METRIC_CALLS) yield [symbol, call];
  }

  protected override async poll([symbol, call]: [string, MetricCall]): Promise<void> {
    let res;
    try {
      res = await fetchRest(this.o.baseUrl, call.request(symbol), this.o.timeoutMs ?? 10_000);
    } catch (err) {
      const reason = err instanceof RestTransportError ? err.message : String(err);
      this.o.events.record({ source: 'binance.rest', kind: 'error', symbol, detail: { metric: call.name, reason } });
      return;
    }
    this.stats.frames++;
    this.stats.lastRecvTsMs = res.recvTsMs;
    const status = classifyBinanceResponse(res.status, res.headers, res.body);
    if (status.kind === 'rate_limited') {
      const pausedUntilMs = this.pauseForRateLimit(status, nextMinuteMs(Date.now()));
      this.o.events.record({
        source: 'binance.rest',
        kind: 'rate_limited',
        symbol,
        detail: { metric: call.name, httpStatus: status.httpStatus, retryAfterSec: status.retryAfterSec, pausedUntil: new Date(pausedUntilMs).toISOString(), msg: status.msg },
      });
      return;
    }
    if (status.kind === 'error') {
      this.o.events.record({ source: 'binance.rest', kind: 'error', symbol, detail: { metric: call.name, httpStatus: status.httpStatus, code: status.code, msg: status.msg } });
      return;
    }
    if (status.usedWeight1m !== null && status.usedWeight1m > 0.8 * WEIGHT_BUDGET_1M) this.pauseUntil(nextMinuteMs(Date.now()));
    let rows: MetricRow[];
    try {
      rows = call.rows(res.body, symbol, new Date(res.recvTsMs));
    } catch (err) {
      this.stats.parseErrors++;
      this.o.events.record({ source: 'binance.rest', kind: 'parse_error', symbol, detail: { metric: call.name, reason: (err as Error).message.slice(0, 300) } });
      return;
    }
    this.stats.rows += rows.length;
    for (const r of rows) this.stats.lastEventTsMs = Math.max(this.stats.lastEventTsMs ?? 0, (r.ts as Date).getTime());
    await this.o.writer.write(rows);
  }
}
