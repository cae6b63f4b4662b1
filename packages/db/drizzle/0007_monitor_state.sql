CREATE TABLE "monitor_state" (
	"key" text PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"changed_at" timestamp (3) with time zone NOT NULL,
	"evaluated_at" timestamp (3) with time zone NOT NULL,
	"detail" text,
	"notified_state" text,
	"notified_at" timestamp (3) with time zone
);
