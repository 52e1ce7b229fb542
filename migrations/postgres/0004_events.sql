CREATE TABLE "article_sync" (
	"article_id" text PRIMARY KEY NOT NULL,
	"seq" integer NOT NULL,
	"public" integer NOT NULL,
	"version" integer NOT NULL,
	"changed_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" text NOT NULL,
	"response_status" integer,
	"error" text,
	"duration_ms" integer,
	"created_at" timestamp (3) with time zone NOT NULL,
	"next_attempt_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"seq" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_events_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"id" text NOT NULL,
	"type" text NOT NULL,
	"article_id" text,
	"body" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"dedupe_key" text
);
--> statement-breakpoint
CREATE TABLE "webhook_jobs" (
	"webhook_id" text NOT NULL,
	"event_seq" integer NOT NULL,
	"order_key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"claimed_until" timestamp (3) with time zone,
	CONSTRAINT "webhook_jobs_webhook_id_event_seq_pk" PRIMARY KEY("webhook_id","event_seq")
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"events" text NOT NULL,
	"description" text,
	"status" text DEFAULT 'active' NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_jobs" ADD CONSTRAINT "webhook_jobs_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "article_sync_seq_uq" ON "article_sync" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "webhook_attempts_webhook_idx" ON "webhook_attempts" USING btree ("webhook_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_events_id_uq" ON "webhook_events" USING btree ("id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_events_dedupe_uq" ON "webhook_events" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "webhook_events_occurred_idx" ON "webhook_events" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "webhook_jobs_due_idx" ON "webhook_jobs" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "webhook_jobs_order_idx" ON "webhook_jobs" USING btree ("webhook_id","order_key","event_seq");--> statement-breakpoint
-- Sync starts from the articles public now, numbered oldest change first.
INSERT INTO "article_sync" ("article_id", "seq", "public", "version", "changed_at")
  SELECT "id", row_number() OVER (ORDER BY "updated_at", "id"), 1, "version", "updated_at" FROM "articles"
  WHERE "status" = 'published' OR ("status" = 'scheduled' AND "published_at" <= now());
--> statement-breakpoint
-- article_sync seqs are drawn from a sequence under an advisory lock (dialects/postgres.ts).
CREATE SEQUENCE "article_sync_seq";--> statement-breakpoint
SELECT setval('article_sync_seq', coalesce((SELECT max("seq") FROM "article_sync"), 0) + 1, false);
