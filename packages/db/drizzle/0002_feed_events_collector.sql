ALTER TABLE "feed_events" ADD COLUMN "collector" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "feed_events" DROP CONSTRAINT "feed_events_ts_source_kind_pk";--> statement-breakpoint
ALTER TABLE "feed_events" ADD CONSTRAINT "feed_events_ts_source_kind_collector_pk" PRIMARY KEY("ts","source","kind","collector");
