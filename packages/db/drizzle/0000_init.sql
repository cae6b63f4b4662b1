CREATE TABLE "binance_force_orders" (
	"symbol" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"side" text NOT NULL,
	"price" double precision NOT NULL,
	"orig_qty" double precision NOT NULL,
	"order_type" text,
	"time_in_force" text,
	"avg_price" double precision,
	"filled_qty" double precision,
	"last_filled_qty" double precision,
	"status" text,
	"notional" double precision,
	"event_ts" timestamp (3) with time zone,
	"recv_ts" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "binance_force_orders_symbol_ts_side_price_orig_qty_pk" PRIMARY KEY("symbol","ts","side","price","orig_qty")
);
--> statement-breakpoint
CREATE TABLE "binance_futures_metrics" (
	"symbol" text NOT NULL,
	"metric" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"value" double precision,
	"extra" jsonb,
	"recv_ts" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "binance_futures_metrics_symbol_metric_ts_pk" PRIMARY KEY("symbol","metric","ts")
);
--> statement-breakpoint
CREATE TABLE "binance_mark_price_1s" (
	"symbol" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"mark_price" double precision NOT NULL,
	"index_price" double precision,
	"est_settle_price" double precision,
	"funding_rate" double precision,
	"next_funding_time" timestamp (3) with time zone,
	"recv_ts" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "binance_mark_price_1s_symbol_ts_pk" PRIMARY KEY("symbol","ts")
);
--> statement-breakpoint
CREATE TABLE "candles" (
	"venue" text NOT NULL,
	"symbol" text NOT NULL,
	"timeframe" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"open" double precision NOT NULL,
	"high" double precision NOT NULL,
	"low" double precision NOT NULL,
	"close" double precision NOT NULL,
	"volume" double precision NOT NULL,
	"quote_volume" double precision,
	"trade_count" integer,
	"closed" boolean NOT NULL,
	"recv_ts" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "candles_venue_symbol_timeframe_ts_pk" PRIMARY KEY("venue","symbol","timeframe","ts")
);
--> statement-breakpoint
CREATE TABLE "coinglass_call_status" (
	"ts" timestamp (3) with time zone NOT NULL,
	"endpoint" text NOT NULL,
	"ok" boolean NOT NULL,
	"http_status" integer,
	"error_msg" text,
	"latency_ms" integer,
	"rate_limit_max" integer,
	"rate_limit_used" integer,
	CONSTRAINT "coinglass_call_status_ts_endpoint_pk" PRIMARY KEY("ts","endpoint")
);
--> statement-breakpoint
CREATE TABLE "coinglass_liquidation_map" (
	"symbol" text NOT NULL,
	"range" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"levels" jsonb NOT NULL,
	"level_count" integer NOT NULL,
	"recv_ts" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "coinglass_liquidation_map_symbol_range_ts_pk" PRIMARY KEY("symbol","range","ts")
);
--> statement-breakpoint
CREATE TABLE "feature_snapshots" (
	"symbol" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"mid_krw" double precision,
	"spread_bps" double precision,
	"ret_5s" double precision,
	"ret_30s" double precision,
	"ret_60s" double precision,
	"ret_300s" double precision,
	"rv_30s" double precision,
	"rv_60s" double precision,
	"rv_300s" double precision,
	"trade_count_60s" integer,
	"volume_60s" double precision,
	"buy_volume_60s" double precision,
	"sell_volume_60s" double precision,
	"trade_imbalance_60s" double precision,
	"book_imbalance" double precision,
	"bin_mark_price" double precision,
	"bin_index_price" double precision,
	"bin_funding_rate" double precision,
	"basis" double precision,
	"oi_value" double precision,
	"oi_value_chg_5m" double precision,
	"global_ls_ratio" double precision,
	"top_ls_ratio" double precision,
	"taker_ls_ratio" double precision,
	"liq_5m_notional" double precision,
	"liq_5m_count" integer,
	"sigma" double precision,
	"r_t" double precision,
	"p_up" double precision,
	"p_down" double precision,
	"p_none" double precision,
	"ev_rate" double precision,
	"degraded" jsonb,
	"inputs_max_recv_ts" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feature_snapshots_symbol_ts_pk" PRIMARY KEY("symbol","ts")
);
--> statement-breakpoint
CREATE TABLE "feed_events" (
	"ts" timestamp (3) with time zone NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"symbol" text,
	"gap_from" timestamp (3) with time zone,
	"gap_to" timestamp (3) with time zone,
	"count" integer DEFAULT 1 NOT NULL,
	"detail" jsonb,
	CONSTRAINT "feed_events_ts_source_kind_pk" PRIMARY KEY("ts","source","kind")
);
--> statement-breakpoint
CREATE TABLE "ingest_state" (
	"source" text NOT NULL,
	"symbol" text NOT NULL,
	"timeframe" text NOT NULL,
	"last_closed_ts" timestamp (3) with time zone,
	"status" text,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ingest_state_source_symbol_timeframe_pk" PRIMARY KEY("source","symbol","timeframe")
);
--> statement-breakpoint
CREATE TABLE "market_1s" (
	"symbol" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"open" double precision,
	"high" double precision,
	"low" double precision,
	"close" double precision,
	"volume" double precision DEFAULT 0 NOT NULL,
	"quote_volume" double precision DEFAULT 0 NOT NULL,
	"trade_count" integer DEFAULT 0 NOT NULL,
	"buy_volume" double precision DEFAULT 0 NOT NULL,
	"sell_volume" double precision DEFAULT 0 NOT NULL,
	"vwap" double precision,
	"best_bid" double precision,
	"best_ask" double precision,
	"bid_size" double precision,
	"ask_size" double precision,
	"mid" double precision,
	"spread_bps" double precision,
	"book_ts" timestamp (3) with time zone,
	"recv_ts" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "market_1s_symbol_ts_pk" PRIMARY KEY("symbol","ts")
);
--> statement-breakpoint
CREATE TABLE "predictions" (
	"symbol" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"horizon_sec" integer NOT NULL,
	"sigma" double precision,
	"r_t" double precision,
	"k_vol_eff" double precision,
	"r_min_eff" double precision,
	"cost_roundtrip_est" double precision,
	"p_up" double precision,
	"p_down" double precision,
	"p_none" double precision,
	"ev_rate" double precision,
	"model" text,
	"model_version" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "predictions_symbol_ts_horizon_sec_pk" PRIMARY KEY("symbol","ts","horizon_sec")
);
