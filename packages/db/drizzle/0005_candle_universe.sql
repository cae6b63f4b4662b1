CREATE TABLE "candle_universe" (
	"venue" text NOT NULL,
	"rank" integer NOT NULL,
	"symbol" text NOT NULL,
	"quote_volume_24h" double precision NOT NULL,
	"chosen_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "candle_universe_venue_rank_pk" PRIMARY KEY("venue","rank")
);
