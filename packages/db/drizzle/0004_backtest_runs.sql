CREATE TABLE "backtest_equity" (
	"run_id" bigint NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"equity" double precision NOT NULL,
	"position" double precision NOT NULL,
	CONSTRAINT "backtest_equity_run_id_ts_pk" PRIMARY KEY("run_id","ts")
);
--> statement-breakpoint
CREATE TABLE "backtest_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"status" text NOT NULL,
	"strategy" text NOT NULL,
	"params" jsonb NOT NULL,
	"execution" jsonb NOT NULL,
	"source" text NOT NULL,
	"venue" text,
	"symbol" text,
	"file" text,
	"timeframe" text NOT NULL,
	"from_ts" timestamp (3) with time zone NOT NULL,
	"to_ts" timestamp (3) with time zone NOT NULL,
	"candles" integer NOT NULL,
	"missing_bars" integer NOT NULL,
	"holes" integer NOT NULL,
	"input_sha256" text NOT NULL,
	"metrics" jsonb NOT NULL,
	"timings_ms" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "backtest_trades" (
	"run_id" bigint NOT NULL,
	"seq" integer NOT NULL,
	"entry_ts" timestamp (3) with time zone NOT NULL,
	"exit_ts" timestamp (3) with time zone NOT NULL,
	"side" text NOT NULL,
	"qty" double precision NOT NULL,
	"entry_price" double precision NOT NULL,
	"exit_price" double precision NOT NULL,
	"fees" double precision NOT NULL,
	"pnl" double precision NOT NULL,
	"return" double precision NOT NULL,
	"exit_reason" text NOT NULL,
	"bars_held" integer NOT NULL,
	CONSTRAINT "backtest_trades_run_id_seq_pk" PRIMARY KEY("run_id","seq")
);
