CREATE TABLE "model_alias_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"alias" text NOT NULL,
	"from_version" bigint,
	"to_version" bigint NOT NULL,
	"action" text NOT NULL,
	"forced" boolean DEFAULT false NOT NULL,
	"reason" text,
	"gate" jsonb
);
--> statement-breakpoint
CREATE TABLE "model_aliases" (
	"alias" text PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_predictions" (
	"symbol" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"horizon_sec" integer NOT NULL,
	"model_version" bigint NOT NULL,
	"role" text NOT NULL,
	"p_up" double precision,
	"p_down" double precision,
	"p_none" double precision,
	"latency_ms" double precision,
	"error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_predictions_symbol_ts_horizon_sec_model_version_pk" PRIMARY KEY("symbol","ts","horizon_sec","model_version")
);
--> statement-breakpoint
CREATE TABLE "model_versions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"sha256" text NOT NULL,
	"horizon_sec" integer NOT NULL,
	"schema_hash" text NOT NULL,
	"features" jsonb NOT NULL,
	"train_from_ts" timestamp (3) with time zone NOT NULL,
	"train_to_ts" timestamp (3) with time zone NOT NULL,
	"labels_to_ts" timestamp (3) with time zone NOT NULL,
	"metrics" jsonb NOT NULL,
	"code_version" text NOT NULL,
	"source" text,
	"artifact" jsonb NOT NULL,
	CONSTRAINT "model_versions_sha256_unique" UNIQUE("sha256")
);
--> statement-breakpoint
-- The alias history is append-only: what was promoted, rolled back or forced, when and why, stays.
CREATE FUNCTION "model_alias_history_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'model_alias_history is append-only (% refused)', TG_OP;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "model_alias_history_append_only" BEFORE UPDATE OR DELETE OR TRUNCATE ON "model_alias_history"
	FOR EACH STATEMENT EXECUTE FUNCTION "model_alias_history_append_only"();
