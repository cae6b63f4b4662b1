// The one drizzle schema for both backends (PostgreSQL server and embedded PGlite).
// Table names and key columns are the contract in docs/tables.md; columns may be added freely.
// Every timestamp is timestamptz with millisecond precision; every ingested row keeps the
// exchange event time (ts) and the local receive time (recv_ts).
import { bigint, bigserial, boolean, doublePrecision, integer, jsonb, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';

const tsCol = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });
const price = (name: string) => doublePrecision(name);

export const market1s = pgTable(
  'market_1s',
  {
    symbol: text('symbol').notNull(),
    ts: tsCol('ts').notNull(),
    open: price('open'),
    high: price('high'),
    low: price('low'),
    close: price('close'),
    volume: doublePrecision('volume').notNull().default(0),
    quoteVolume: doublePrecision('quote_volume').notNull().default(0),
    tradeCount: integer('trade_count').notNull().default(0),
    buyVolume: doublePrecision('buy_volume').notNull().default(0),
    sellVolume: doublePrecision('sell_volume').notNull().default(0),
    vwap: price('vwap'),
    bestBid: price('best_bid'),
    bestAsk: price('best_ask'),
    bidSize: doublePrecision('bid_size'),
    askSize: doublePrecision('ask_size'),
    mid: price('mid'),
    spreadBps: doublePrecision('spread_bps'),
    bookTs: tsCol('book_ts'),
    recvTs: tsCol('recv_ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.ts] })],
);

export const binanceMarkPrice1s = pgTable(
  'binance_mark_price_1s',
  {
    symbol: text('symbol').notNull(),
    ts: tsCol('ts').notNull(),
    markPrice: price('mark_price').notNull(),
    indexPrice: price('index_price'),
    estSettlePrice: price('est_settle_price'),
    fundingRate: doublePrecision('funding_rate'),
    nextFundingTime: tsCol('next_funding_time'),
    recvTs: tsCol('recv_ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.ts] })],
);

export const binanceFuturesMetrics = pgTable(
  'binance_futures_metrics',
  {
    symbol: text('symbol').notNull(),
    metric: text('metric').notNull(),
    ts: tsCol('ts').notNull(),
    value: doublePrecision('value'),
    extra: jsonb('extra'),
    recvTs: tsCol('recv_ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.metric, t.ts] })],
);

export const binanceForceOrders = pgTable(
  'binance_force_orders',
  {
    symbol: text('symbol').notNull(),
    ts: tsCol('ts').notNull(),
    side: text('side').notNull(),
    price: price('price').notNull(),
    origQty: doublePrecision('orig_qty').notNull(),
    orderType: text('order_type'),
    timeInForce: text('time_in_force'),
    avgPrice: price('avg_price'),
    filledQty: doublePrecision('filled_qty'),
    lastFilledQty: doublePrecision('last_filled_qty'),
    status: text('status'),
    notional: doublePrecision('notional'),
    eventTs: tsCol('event_ts'),
    recvTs: tsCol('recv_ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.ts, t.side, t.price, t.origQty] })],
);

export const coinglassLiquidationMap = pgTable(
  'coinglass_liquidation_map',
  {
    symbol: text('symbol').notNull(),
    range: text('range').notNull(),
    ts: tsCol('ts').notNull(),
    levels: jsonb('levels').notNull(),
    levelCount: integer('level_count').notNull(),
    recvTs: tsCol('recv_ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.range, t.ts] })],
);

export const coinglassCallStatus = pgTable(
  'coinglass_call_status',
  {
    ts: tsCol('ts').notNull(),
    endpoint: text('endpoint').notNull(),
    ok: boolean('ok').notNull(),
    httpStatus: integer('http_status'),
    errorMsg: text('error_msg'),
    latencyMs: integer('latency_ms'),
    rateLimitMax: integer('rate_limit_max'),
    rateLimitUsed: integer('rate_limit_used'),
  },
  (t) => [primaryKey({ columns: [t.ts, t.endpoint] })],
);

export const feedEvents = pgTable(
  'feed_events',
  {
    ts: tsCol('ts').notNull(),
    source: text('source').notNull(),
    kind: text('kind').notNull(),
    symbol: text('symbol'),
    gapFrom: tsCol('gap_from'),
    gapTo: tsCol('gap_to'),
    count: integer('count').notNull().default(1),
    detail: jsonb('detail'),
    /** The collector run that recorded the event (host/pid/random), so two collectors sharing a
     * store never collide on the key; '' for rows from before it was recorded. */
    collector: text('collector').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.ts, t.source, t.kind, t.collector] })],
);

export const predictions = pgTable(
  'predictions',
  {
    symbol: text('symbol').notNull(),
    ts: tsCol('ts').notNull(),
    horizonSec: integer('horizon_sec').notNull(),
    sigma: doublePrecision('sigma'),
    rT: doublePrecision('r_t'),
    kVolEff: doublePrecision('k_vol_eff'),
    rMinEff: doublePrecision('r_min_eff'),
    costRoundtripEst: doublePrecision('cost_roundtrip_est'),
    pUp: doublePrecision('p_up'),
    pDown: doublePrecision('p_down'),
    pNone: doublePrecision('p_none'),
    evRate: doublePrecision('ev_rate'),
    model: text('model'),
    modelVersion: text('model_version'),
    /** What the prediction and the feature snapshot written with it were computed from besides the market, ts and horizon (Binance symbol, barrier and model settings), so both can be recomputed. */
    params: jsonb('params'),
    createdAt: tsCol('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.ts, t.horizonSec] })],
);

export const featureSnapshots = pgTable(
  'feature_snapshots',
  {
    symbol: text('symbol').notNull(),
    ts: tsCol('ts').notNull(),
    midKrw: price('mid_krw'),
    spreadBps: doublePrecision('spread_bps'),
    ret5s: doublePrecision('ret_5s'),
    ret30s: doublePrecision('ret_30s'),
    ret60s: doublePrecision('ret_60s'),
    ret300s: doublePrecision('ret_300s'),
    rv30s: doublePrecision('rv_30s'),
    rv60s: doublePrecision('rv_60s'),
    rv300s: doublePrecision('rv_300s'),
    tradeCount60s: integer('trade_count_60s'),
    volume60s: doublePrecision('volume_60s'),
    buyVolume60s: doublePrecision('buy_volume_60s'),
    sellVolume60s: doublePrecision('sell_volume_60s'),
    tradeImbalance60s: doublePrecision('trade_imbalance_60s'),
    bookImbalance: doublePrecision('book_imbalance'),
    binMarkPrice: price('bin_mark_price'),
    binIndexPrice: price('bin_index_price'),
    binFundingRate: doublePrecision('bin_funding_rate'),
    basis: doublePrecision('basis'),
    oiValue: doublePrecision('oi_value'),
    oiValueChg5m: doublePrecision('oi_value_chg_5m'),
    globalLsRatio: doublePrecision('global_ls_ratio'),
    topLsRatio: doublePrecision('top_ls_ratio'),
    takerLsRatio: doublePrecision('taker_ls_ratio'),
    liq5mNotional: doublePrecision('liq_5m_notional'),
    liq5mCount: integer('liq_5m_count'),
    sigma: doublePrecision('sigma'),
    rT: doublePrecision('r_t'),
    pUp: doublePrecision('p_up'),
    pDown: doublePrecision('p_down'),
    pNone: doublePrecision('p_none'),
    evRate: doublePrecision('ev_rate'),
    degraded: jsonb('degraded'),
    inputsMaxRecvTs: tsCol('inputs_max_recv_ts'),
    createdAt: tsCol('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.ts] })],
);

export const ingestState = pgTable(
  'ingest_state',
  {
    source: text('source').notNull(),
    symbol: text('symbol').notNull(),
    timeframe: text('timeframe').notNull(),
    lastClosedTs: tsCol('last_closed_ts'),
    status: text('status'),
    updatedAt: tsCol('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.source, t.symbol, t.timeframe] })],
);

export const candles = pgTable(
  'candles',
  {
    venue: text('venue').notNull(),
    symbol: text('symbol').notNull(),
    timeframe: text('timeframe').notNull(),
    ts: tsCol('ts').notNull(),
    open: price('open').notNull(),
    high: price('high').notNull(),
    low: price('low').notNull(),
    close: price('close').notNull(),
    volume: doublePrecision('volume').notNull(),
    quoteVolume: doublePrecision('quote_volume'),
    tradeCount: integer('trade_count'),
    closed: boolean('closed').notNull(),
    recvTs: tsCol('recv_ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.venue, t.symbol, t.timeframe, t.ts] })],
);

/**
 * Ranges of a candle series that were actually asked of the venue, [from_ts, to_ts) in candle
 * open times: 'queried' (an absent candle inside means nothing traded), 'exchange_hole' (the venue
 * answered and has no candles there, e.g. Binance maintenance: not fetched again), 'pruned'
 * (candles deleted by retention). Outside every range a series is unknown. Adjacent or
 * overlapping ranges of one kind are merged, so a series has a handful of rows.
 */
export const candleCoverage = pgTable(
  'candle_coverage',
  {
    venue: text('venue').notNull(),
    symbol: text('symbol').notNull(),
    timeframe: text('timeframe').notNull(),
    kind: text('kind').notNull(),
    fromTs: tsCol('from_ts').notNull(),
    toTs: tsCol('to_ts').notNull(),
    updatedAt: tsCol('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.venue, t.symbol, t.timeframe, t.kind, t.fromTs] })],
);

/**
 * The Top-N universe `cqt backfill --top N` chose last, per venue: rank 1 … N by 24 h traded value
 * (Upbit KRW `acc_trade_price_24h`, Binance USD-M perpetuals' `quoteVolume`), replaced whole on
 * each choice. Configuration, not market data: not in `tables` below, so never pruned.
 */
export const candleUniverse = pgTable(
  'candle_universe',
  {
    venue: text('venue').notNull(),
    rank: integer('rank').notNull(),
    symbol: text('symbol').notNull(),
    quoteVolume24h: doublePrecision('quote_volume_24h').notNull(),
    /** The venue's clock when it answered the ticker request. */
    chosenAt: tsCol('chosen_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.venue, t.rank] })],
);

/**
 * One row per `cqt backtest run`: what ran (strategy, params, execution), on what (input range and
 * the sha256 of the candles), with what result (metrics) and how long it took. Results, not market
 * data: these three tables are not in `tables` below, so retention never deletes them.
 */
export const backtestRuns = pgTable('backtest_runs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  createdAt: tsCol('created_at').notNull().defaultNow(),
  status: text('status').notNull(),
  strategy: text('strategy').notNull(),
  params: jsonb('params').notNull(),
  execution: jsonb('execution').notNull(),
  source: text('source').notNull(),
  venue: text('venue'),
  symbol: text('symbol'),
  file: text('file'),
  timeframe: text('timeframe').notNull(),
  fromTs: tsCol('from_ts').notNull(),
  toTs: tsCol('to_ts').notNull(),
  candles: integer('candles').notNull(),
  missingBars: integer('missing_bars').notNull(),
  holes: integer('holes').notNull(),
  inputSha256: text('input_sha256').notNull(),
  metrics: jsonb('metrics').notNull(),
  timingsMs: jsonb('timings_ms').notNull(),
});

/** A run's closed trades in order (seq from 0); prices are fills after slippage. */
export const backtestTrades = pgTable(
  'backtest_trades',
  {
    runId: bigint('run_id', { mode: 'number' }).notNull(),
    seq: integer('seq').notNull(),
    entryTs: tsCol('entry_ts').notNull(),
    exitTs: tsCol('exit_ts').notNull(),
    side: text('side').notNull(),
    qty: doublePrecision('qty').notNull(),
    entryPrice: price('entry_price').notNull(),
    exitPrice: price('exit_price').notNull(),
    fees: doublePrecision('fees').notNull(),
    pnl: doublePrecision('pnl').notNull(),
    return: doublePrecision('return').notNull(),
    exitReason: text('exit_reason').notNull(),
    barsHeld: integer('bars_held').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.seq] })],
);

/** A run's equity at each candle's close (mark to market) and the quantity held. */
export const backtestEquity = pgTable(
  'backtest_equity',
  {
    runId: bigint('run_id', { mode: 'number' }).notNull(),
    ts: tsCol('ts').notNull(),
    equity: doublePrecision('equity').notNull(),
    position: doublePrecision('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.ts] })],
);

/**
 * The model registry (`cqt model`, docs/models.md): one row per registered artifact (version = id),
 * the aliases that point at versions (champion, shadow), and the alias history, append-only (a
 * trigger refuses UPDATE and DELETE). Decisions, not market data: not in `tables` below, never pruned.
 */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    createdAt: tsCol('created_at').notNull().defaultNow(),
    kind: text('kind').notNull(),
    sha256: text('sha256').notNull(),
    horizonSec: integer('horizon_sec').notNull(),
    schemaHash: text('schema_hash').notNull(),
    features: jsonb('features').notNull(),
    trainFromTs: tsCol('train_from_ts').notNull(),
    trainToTs: tsCol('train_to_ts').notNull(),
    /** Last label_ts of the training rows: gate rows start after it. */
    labelsToTs: tsCol('labels_to_ts').notNull(),
    /** The overall out-of-fold scores of the model and the baseline. */
    metrics: jsonb('metrics').notNull(),
    codeVersion: text('code_version').notNull(),
    /** Where it was registered from (a file path). */
    source: text('source'),
    /** The whole sealed artifact. */
    artifact: jsonb('artifact').notNull(),
  },
  (t) => [unique('model_versions_sha256_unique').on(t.sha256)],
);

export const modelAliases = pgTable('model_aliases', {
  alias: text('alias').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull(),
  updatedAt: tsCol('updated_at').notNull().defaultNow(),
});

export const modelAliasHistory = pgTable('model_alias_history', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  ts: tsCol('ts').notNull().defaultNow(),
  alias: text('alias').notNull(),
  fromVersion: bigint('from_version', { mode: 'number' }),
  toVersion: bigint('to_version', { mode: 'number' }).notNull(),
  /** promote | rollback */
  action: text('action').notNull(),
  /** Promoted past a failing gate with --force. */
  forced: boolean('forced').notNull().default(false),
  reason: text('reason'),
  /** The gate's figures (null where no gate ran: shadow, rollback). */
  gate: jsonb('gate'),
});

/**
 * Every registered model's prediction per snapshot beside the baseline's in `predictions` (what
 * exports and status read; the API serves the champion's row from here unless asked, decision 147):
 * champion and shadow, with how long each took and the error when one failed (probabilities null then).
 */
export const modelPredictions = pgTable(
  'model_predictions',
  {
    symbol: text('symbol').notNull(),
    ts: tsCol('ts').notNull(),
    horizonSec: integer('horizon_sec').notNull(),
    modelVersion: bigint('model_version', { mode: 'number' }).notNull(),
    role: text('role').notNull(),
    pUp: doublePrecision('p_up'),
    pDown: doublePrecision('p_down'),
    pNone: doublePrecision('p_none'),
    latencyMs: doublePrecision('latency_ms'),
    error: text('error'),
    createdAt: tsCol('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.ts, t.horizonSec, t.modelVersion] })],
);

/**
 * Barrier probabilities on candle boundaries (`cqt predict --timeframe`): one row per closed
 * candle of a series, ts = that candle's close (its open + one candle), computed from candles
 * closed by then only, for the barrier outcome over the next horizon_candles candles. Written
 * once per (series, ts, horizon, model) and never on "now" (migration 0008).
 */
export const candlePredictions = pgTable(
  'candle_predictions',
  {
    venue: text('venue').notNull(),
    symbol: text('symbol').notNull(),
    timeframe: text('timeframe').notNull(),
    ts: tsCol('ts').notNull(),
    horizonCandles: integer('horizon_candles').notNull(),
    model: text('model').notNull(),
    modelVersion: text('model_version').notNull(),
    close: price('close').notNull(),
    sigma: doublePrecision('sigma'),
    rT: doublePrecision('r_t'),
    kVol: doublePrecision('k_vol'),
    lookbackCandles: integer('lookback_candles').notNull(),
    pUp: doublePrecision('p_up'),
    pDown: doublePrecision('p_down'),
    pNone: doublePrecision('p_none'),
    inputsMaxTs: tsCol('inputs_max_ts').notNull(),
    computedAt: tsCol('computed_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.venue, t.symbol, t.timeframe, t.ts, t.horizonCandles, t.model] })],
);

/** Every table, keyed by its SQL name: the writer, `cqt db status` and prune iterate this. */
export const tables = {
  market_1s: market1s,
  binance_mark_price_1s: binanceMarkPrice1s,
  binance_futures_metrics: binanceFuturesMetrics,
  binance_force_orders: binanceForceOrders,
  coinglass_liquidation_map: coinglassLiquidationMap,
  coinglass_call_status: coinglassCallStatus,
  feed_events: feedEvents,
  predictions,
  feature_snapshots: featureSnapshots,
  ingest_state: ingestState,
  candles,
  candle_coverage: candleCoverage,
} as const;

export type TableName = keyof typeof tables;
export const tableNames = Object.keys(tables) as TableName[];

/**
 * `cqt monitor`'s memory (docs/operations.md): one row per watched key (a source's freshness class,
 * its degraded flag, a gate's overall) with the state last observed and the state last told to
 * the webhook, so a restart neither repeats a message nor loses a transition. Not in `tables`
 * (not pruned): a few hundred rows, rewritten in place (migration 0007).
 */
export const monitorState = pgTable('monitor_state', {
  /** `freshness:<source>:<key>`, `degraded:<source>:<key>` or `gate:<check>`. */
  key: text('key').primaryKey(),
  /** The state last observed: a freshness class, on/off, or a gate's overall. */
  state: text('state').notNull(),
  /** When `state` was first observed (the as-of of that poll). */
  changedAt: tsCol('changed_at').notNull(),
  /** The as-of of the last poll that saw this key. */
  evaluatedAt: tsCol('evaluated_at').notNull(),
  /** Why, in a line: the reasons or failing items of the last observation. */
  detail: text('detail'),
  /** The state the last delivered message announced; null until one is (a baseline is recorded as delivered). */
  notifiedState: text('notified_state'),
  notifiedAt: tsCol('notified_at'),
});
