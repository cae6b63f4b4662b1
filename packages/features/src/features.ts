// Point-in-time features from raw rows (pure): the caller hands over only rows with ts <= t0 and
// recv_ts <= t0 (see store.ts), and this module decides what they are worth at t0. A feature
// whose input is missing or older than its source's freshness policy allows is null, and
// `degraded` says why under the column's name — values are never carried forward past the policy.
// The definitions are in docs/decisions.md ("cqt predict: features").
import { tableMeta } from '@cqt/db';
import { MAX_SILENCE_SEC, STREAM_SOURCE, describeBreak, isStreamUp, streamHistory, type StreamEvent } from '@cqt/feeds';
import { classify, defaultPolicies, futuresMetrics, metricPolicy, metricPollSec, type FreshnessPolicy } from '@cqt/freshness';
import { ewmaSigma, pricePath } from '@cqt/labeling';

export const RETURN_WINDOWS_SEC = [5, 30, 60, 300] as const;
export const VOL_WINDOWS_SEC = [30, 60, 300] as const;
export const TRADE_WINDOW_SEC = 60;
export const LIQ_WINDOW_SEC = 300;
export const OI_CHANGE_SEC = 300;
/** sigma: EWMA of squared 1 s log returns with this half-life, over at most SIGMA_LOOKBACK_SEC of bars. */
export const SIGMA_HALFLIFE_SEC = 60;
export const SIGMA_LOOKBACK_SEC = 600;
/** Fewer returns than one half-life's worth give no sigma (the estimate is still warming up). */
export const SIGMA_MIN_RETURNS = 60;

/** A market_1s row (times in epoch ms). */
export interface MarketBar {
  tsMs: number;
  mid: number | null;
  close: number | null;
  spreadBps: number | null;
  bidSize: number | null;
  askSize: number | null;
  tradeCount: number;
  volume: number;
  buyVolume: number;
  sellVolume: number;
  recvTsMs: number;
}

export interface MarkPriceRow {
  tsMs: number;
  markPrice: number;
  indexPrice: number | null;
  fundingRate: number | null;
  recvTsMs: number;
}

export interface MetricRow {
  metric: string;
  tsMs: number;
  value: number | null;
  recvTsMs: number;
}

export interface ForceOrderRow {
  tsMs: number;
  notional: number | null;
  price: number;
  origQty: number;
  recvTsMs: number;
}

/** Everything a snapshot reads, already cut at t0 (ts <= t0, recv_ts <= t0). Rows ascending by ts. */
export interface SnapshotInputs {
  market: MarketBar[];
  /** The newest mark price row, if any within the source's hard-stale bound. */
  markPrice: MarkPriceRow | null;
  metrics: MetricRow[];
  forceOrders: ForceOrderRow[];
  streamEvents: StreamEvent[];
}

export interface FeatureSettings {
  /** Binance symbol whose forceOrder stream the liquidation features come from. */
  binanceSymbol: string;
  /** BINANCE_POLL_SEC the collector polls metrics with (it sets their staleness). */
  binancePollSec: number;
}

/** The feature columns of feature_snapshots (drizzle property names). */
export interface Features {
  midKrw: number | null;
  spreadBps: number | null;
  ret5s: number | null;
  ret30s: number | null;
  ret60s: number | null;
  ret300s: number | null;
  rv30s: number | null;
  rv60s: number | null;
  rv300s: number | null;
  tradeCount60s: number | null;
  volume60s: number | null;
  buyVolume60s: number | null;
  sellVolume60s: number | null;
  tradeImbalance60s: number | null;
  bookImbalance: number | null;
  binMarkPrice: number | null;
  binIndexPrice: number | null;
  binFundingRate: number | null;
  basis: number | null;
  oiValue: number | null;
  oiValueChg5m: number | null;
  globalLsRatio: number | null;
  topLsRatio: number | null;
  takerLsRatio: number | null;
  liq5mNotional: number | null;
  liq5mCount: number | null;
  sigma: number | null;
}

export interface FeatureResult {
  features: Features;
  /** Why each null feature is null, keyed by its SQL column name. */
  degraded: Record<string, string>;
  /** Max recv_ts (feed_events: ts) over every row read; null when nothing was read. */
  inputsMaxRecvTsMs: number | null;
}

/** Collects values; a missing one is stored as null with its reason. */
class FeatureSheet {
  readonly features = {} as Features;
  readonly degraded: Record<string, string> = {};

  set(name: keyof Features, value: number | null | undefined, reason: string): void {
    if (value === null || value === undefined || !Number.isFinite(value)) {
      this.features[name] = null;
      this.degraded[columnName(name)] = value === null || value === undefined ? reason : `not finite (${value})`;
    } else {
      this.features[name] = value;
    }
  }

  missing(names: readonly (keyof Features)[], reason: string): void {
    for (const name of names) this.set(name, null, reason);
  }
}

const COLUMN_NAMES = new Map(tableMeta('feature_snapshots').columns.map((c) => [c.prop, c.name]));

/** SQL column of a feature: ret5s → ret_5s. */
export function columnName(name: keyof Features): string {
  return COLUMN_NAMES.get(name)!;
}

export function computeFeatures(inputs: SnapshotInputs, t0Ms: number, settings: FeatureSettings): FeatureResult {
  const sheet = new FeatureSheet();
  marketFeatures(sheet, inputs.market, t0Ms);
  markPriceFeatures(sheet, inputs.markPrice, t0Ms);
  metricFeatures(sheet, inputs.metrics, t0Ms, settings.binancePollSec);
  liquidationFeatures(sheet, inputs.forceOrders, inputs.streamEvents, t0Ms, settings.binanceSymbol);
  return { features: sheet.features, degraded: sheet.degraded, inputsMaxRecvTsMs: inputsMaxRecvTs(inputs) };
}

const MARKET_FEATURES: (keyof Features)[] = [
  'midKrw', 'spreadBps', 'bookImbalance', 'ret5s', 'ret30s', 'ret60s', 'ret300s', 'rv30s', 'rv60s', 'rv300s',
  'tradeCount60s', 'volume60s', 'buyVolume60s', 'sellVolume60s', 'tradeImbalance60s', 'sigma',
];
const retName = (sec: number) => `ret${sec}s` as keyof Features;
const rvName = (sec: number) => `rv${sec}s` as keyof Features;

/**
 * From the newest bar L (it must be fresh at t0 under the market_1s policy); windows end at L,
 * the newest second known at t0. Prices are the labels' (mid, else close: pricePath).
 */
function marketFeatures(sheet: FeatureSheet, bars: readonly MarketBar[], t0Ms: number): void {
  const policy = defaultPolicies.market_1s;
  const latest = bars.at(-1);
  const stale = staleness(latest ? { tsMs: latest.tsMs, value: latest.mid ?? latest.close } : null, t0Ms, policy);
  if (stale) return sheet.missing(MARKET_FEATURES, stale);
  const bar = latest!;
  sheet.set('midKrw', bar.mid, 'no book in the newest bar');
  sheet.set('spreadBps', bar.spreadBps, 'no book in the newest bar');
  const sizes = (bar.bidSize ?? Number.NaN) + (bar.askSize ?? Number.NaN);
  sheet.set('bookImbalance', sizes > 0 ? (bar.bidSize! - bar.askSize!) / sizes : null, 'no book sizes in the newest bar');

  const path = pricePath(bars.map((b) => ({ ts: b.tsMs, mid: b.mid, close: b.close })));
  const { price } = path;
  const tsSec = Float64Array.from(path.tsSec);
  const last = tsSec.length - 1;
  const endSec = tsSec[last];
  const maxAgeSec = policy.staleAfterSec;
  for (const windowSec of RETURN_WINDOWS_SEC) {
    const from = priceAsOf(tsSec, price, endSec - windowSec, maxAgeSec);
    const value = Number.isNaN(price[last]) || from < 0 ? null : Math.log(price[last] / price[from]);
    sheet.set(retName(windowSec), value, Number.isNaN(price[last]) ? 'no price in the newest bar' : `no price within ${maxAgeSec} s before ${iso((endSec - windowSec) * 1000)}`);
  }
  for (const windowSec of VOL_WINDOWS_SEC) {
    const { value, reason } = realizedVol(tsSec, price, endSec - windowSec, maxAgeSec);
    sheet.set(rvName(windowSec), value, reason);
  }
  tradeFlow(sheet, bars, bar.tsMs);
  sigmaFeature(sheet, tsSec, price, endSec);
}

/** Index of the newest priced bar at or before `sec`, if it is at most maxAgeSec older; else −1. */
function priceAsOf(tsSec: Float64Array, price: Float64Array, sec: number, maxAgeSec: number): number {
  for (let i = tsSec.length - 1; i >= 0; i--) {
    if (tsSec[i] > sec || Number.isNaN(price[i])) continue;
    return sec - tsSec[i] <= maxAgeSec ? i : -1;
  }
  return -1;
}

/**
 * sqrt(Σ r²) of the 1 s log returns between consecutive priced bars from the price as of
 * `fromSec` to the newest bar: the volatility realised over the window (not annualised). Null when
 * the price was stale anywhere in it (no price for more than maxAgeSec).
 */
function realizedVol(tsSec: Float64Array, price: Float64Array, fromSec: number, maxAgeSec: number): { value: number | null; reason: string } {
  const start = priceAsOf(tsSec, price, fromSec, maxAgeSec);
  const windowSec = tsSec[tsSec.length - 1] - fromSec;
  if (start < 0) return { value: null, reason: `no price within ${maxAgeSec} s before ${iso(fromSec * 1000)}` };
  let sumSq = 0;
  let prev = start;
  for (let i = start + 1; i < tsSec.length; i++) {
    if (Number.isNaN(price[i])) continue;
    if (tsSec[i] - tsSec[prev] > maxAgeSec) return { value: null, reason: `gap of ${tsSec[i] - tsSec[prev]} s in the last ${windowSec} s` };
    const r = Math.log(price[i] / price[prev]);
    sumSq += r * r;
    prev = i;
  }
  if (Number.isNaN(price[tsSec.length - 1])) return { value: null, reason: 'no price in the newest bar' };
  return { value: Math.sqrt(sumSq), reason: '' };
}

/** Sums over the TRADE_WINDOW_SEC bars ending at the newest; every second must have its bar (a missing one is unknown, not "no trades"). */
function tradeFlow(sheet: FeatureSheet, bars: readonly MarketBar[], endMs: number): void {
  const fromMs = endMs - TRADE_WINDOW_SEC * 1000;
  let seconds = 0;
  let trades = 0;
  let volume = 0;
  let buy = 0;
  let sell = 0;
  for (let i = bars.length - 1; i >= 0 && bars[i].tsMs > fromMs; i--) {
    seconds++;
    trades += bars[i].tradeCount;
    volume += bars[i].volume;
    buy += bars[i].buyVolume;
    sell += bars[i].sellVolume;
  }
  if (seconds < TRADE_WINDOW_SEC) {
    return sheet.missing(['tradeCount60s', 'volume60s', 'buyVolume60s', 'sellVolume60s', 'tradeImbalance60s'], `${seconds} of ${TRADE_WINDOW_SEC} s have a bar`);
  }
  sheet.set('tradeCount60s', trades, '');
  sheet.set('volume60s', volume, '');
  sheet.set('buyVolume60s', buy, '');
  sheet.set('sellVolume60s', sell, '');
  sheet.set('tradeImbalance60s', buy + sell > 0 ? (buy - sell) / (buy + sell) : null, `no trades in ${TRADE_WINDOW_SEC} s`);
}

/** EWMA sigma (the labels' ewmaSigma) over the bars of the last SIGMA_LOOKBACK_SEC, read at the newest bar. */
function sigmaFeature(sheet: FeatureSheet, tsSec: Float64Array, price: Float64Array, endSec: number): void {
  let first = tsSec.length - 1;
  while (first > 0 && tsSec[first - 1] > endSec - SIGMA_LOOKBACK_SEC) first--;
  const path = { tsSec: tsSec.subarray(first), price: price.subarray(first) };
  let returns = 0;
  let priced = 0;
  for (const p of path.price) {
    if (Number.isNaN(p)) continue;
    if (priced++ > 0) returns++;
  }
  if (returns < SIGMA_MIN_RETURNS) {
    return sheet.set('sigma', null, `warming up: ${returns} returns < ${SIGMA_MIN_RETURNS} in ${SIGMA_LOOKBACK_SEC} s`);
  }
  const sigma = ewmaSigma(path, SIGMA_HALFLIFE_SEC);
  sheet.set('sigma', sigma[sigma.length - 1], 'no price in the newest bar');
}

const MARK_FEATURES: (keyof Features)[] = ['binMarkPrice', 'binIndexPrice', 'binFundingRate'];

function markPriceFeatures(sheet: FeatureSheet, row: MarkPriceRow | null, t0Ms: number): void {
  const stale = staleness(row ? { tsMs: row.tsMs, value: row.markPrice } : null, t0Ms, defaultPolicies.binance_mark_price_1s);
  if (stale) return sheet.missing(MARK_FEATURES, stale);
  sheet.set('binMarkPrice', row!.markPrice, '');
  sheet.set('binIndexPrice', row!.indexPrice, 'not in the newest mark price row');
  sheet.set('binFundingRate', row!.fundingRate, 'not in the newest mark price row');
}

/** Feature ← binance_futures_metrics metric. */
export const METRIC_FEATURES = {
  oiValue: 'open_interest_value',
  globalLsRatio: 'global_ls_ratio',
  topLsRatio: 'top_ls_ratio',
  takerLsRatio: 'taker_ls_ratio',
  basis: 'basis',
} as const satisfies Partial<Record<keyof Features, keyof typeof futuresMetrics>>;

function metricFeatures(sheet: FeatureSheet, rows: readonly MetricRow[], t0Ms: number, binancePollSec: number): void {
  for (const [name, metric] of Object.entries(METRIC_FEATURES) as [keyof typeof METRIC_FEATURES, keyof typeof futuresMetrics][]) {
    const series = rows.filter((r) => r.metric === metric);
    const policy = metricPolicy(metric, metricPollSec(metric, binancePollSec));
    const latest = series.at(-1);
    const stale = staleness(latest ? { tsMs: latest.tsMs, value: latest.value } : null, t0Ms, policy);
    sheet.set(name, stale ? null : latest!.value, stale ?? `${metric} value is null`);
    if (name !== 'oiValue') continue;
    if (stale) {
      sheet.set('oiValueChg5m', null, stale);
      continue;
    }
    // Against the point OI_CHANGE_SEC before the newest, if there is one within a poll interval of it.
    const pollSec = metricPollSec(metric, binancePollSec);
    const targetMs = latest!.tsMs - OI_CHANGE_SEC * 1000;
    const before = series.findLast((r) => r.tsMs <= targetMs && targetMs - r.tsMs < pollSec * 1000);
    const change = latest!.value !== null && before?.value ? latest!.value / before.value - 1 : null;
    sheet.set('oiValueChg5m', change, `no ${metric} point within ${pollSec} s before ${iso(targetMs)}`);
  }
}

/**
 * Liquidations in (t0 − LIQ_WINDOW_SEC, t0] (a sample: Binance pushes at most one per symbol per
 * second). 0 when none arrived while the forceOrder stream was up the whole window; null only
 * when the stream was not known to be up throughout (see streamDownReason).
 */
function liquidationFeatures(sheet: FeatureSheet, orders: readonly ForceOrderRow[], events: readonly StreamEvent[], t0Ms: number, binanceSymbol: string): void {
  const fromMs = t0Ms - LIQ_WINDOW_SEC * 1000;
  const down = streamDownReason(events, binanceSymbol, fromMs, t0Ms);
  if (down) return sheet.missing(['liq5mNotional', 'liq5mCount'], down);
  let notional = 0;
  let count = 0;
  for (const o of orders) {
    if (o.tsMs <= fromMs || o.tsMs > t0Ms) continue;
    notional += o.notional ?? o.price * o.origQty;
    count++;
  }
  sheet.set('liq5mNotional', notional, '');
  sheet.set('liq5mCount', count, '');
}

/**
 * Null when the forceOrder stream was up during all of (fromMs, toMs], else why not: one span of
 * @cqt/feeds streamHistory (the definition `cqt check altdata` judges by too) must hold it whole.
 */
export function streamDownReason(events: readonly StreamEvent[], binanceSymbol: string, fromMs: number, toMs: number): string | null {
  const stream = `${binanceSymbol.toLowerCase()}@forceOrder`;
  const { events: mine, spans } = streamHistory(events, binanceSymbol, toMs);
  const upAtFrom = spans.find((s) => s.fromMs <= fromMs && (s.end === null || s.toMs > fromMs));
  if (upAtFrom) return upAtFrom.end === null ? null : `${stream} ${describeBreak(upAtFrom.end)}`;
  const last = mine.findLast((e) => e.tsMs <= fromMs);
  if (!last) return `${stream} not known to be up at ${iso(fromMs)} (no ${STREAM_SOURCE} event in the ${MAX_SILENCE_SEC} s before)`;
  if (!isStreamUp(last.kind)) return `${stream} down at ${iso(fromMs)} (${describeBreak({ kind: 'event', event: last })})`;
  // Up at its time, but silent by fromMs: its span ended in silence.
  return `${stream} ${describeBreak(spans.findLast((s) => s.fromMs <= last.tsMs)!.end!)}`;
}

/**
 * Null when the newest row is fresh at t0 under the policy; otherwise why it cannot be used, e.g.
 * "stale: 42 s > 5 s", "hard_stale: 75 s > 5 s", "corrupt: …", "no rows".
 */
function staleness(newest: { tsMs: number; value: number | null } | null, t0Ms: number, policy: FreshnessPolicy): string | null {
  const c = classify({ newestTsMs: newest?.tsMs ?? null, asOfMs: t0Ms, recent: newest ? [newest] : [] }, policy);
  if (c.class === 'fresh') return null;
  if (c.lagSec === null) return `${c.class}: no rows`;
  if (c.class === 'corrupt') return `corrupt: ${c.reasons.join('; ')}`;
  return `${c.class}: ${c.lagSec} s > ${policy.staleAfterSec} s`;
}

function inputsMaxRecvTs(inputs: SnapshotInputs): number | null {
  let max = -Infinity;
  for (const r of inputs.market) max = Math.max(max, r.recvTsMs);
  if (inputs.markPrice) max = Math.max(max, inputs.markPrice.recvTsMs);
  for (const r of inputs.metrics) max = Math.max(max, r.recvTsMs);
  for (const r of inputs.forceOrders) max = Math.max(max, r.recvTsMs);
  for (const e of inputs.streamEvents) max = Math.max(max, e.tsMs);
  return max === -Infinity ? null : max;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
