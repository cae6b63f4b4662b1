CREATE TABLE "candle_coverage" (
	"venue" text NOT NULL,
	"symbol" text NOT NULL,
	"timeframe" text NOT NULL,
	"kind" text NOT NULL,
	"from_ts" timestamp (3) with time zone NOT NULL,
	"to_ts" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "candle_coverage_venue_symbol_timeframe_kind_from_ts_pk" PRIMARY KEY("venue","symbol","timeframe","kind","from_ts")
);
