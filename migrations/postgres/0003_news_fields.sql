CREATE TABLE "article_corrections" (
	"id" text PRIMARY KEY NOT NULL,
	"article_id" text NOT NULL,
	"text" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "kicker" text;--> statement-breakpoint
ALTER TABLE "articles" ADD COLUMN "translation_group" text;--> statement-breakpoint
ALTER TABLE "article_corrections" ADD CONSTRAINT "article_corrections_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "article_corrections_article_idx" ON "article_corrections" USING btree ("article_id","created_at","id");--> statement-breakpoint
CREATE INDEX "articles_translation_group_idx" ON "articles" USING btree ("translation_group");--> statement-breakpoint
CREATE INDEX "articles_first_public_idx" ON "articles" USING btree (coalesce("first_published_at", "published_at"),"id");--> statement-breakpoint
-- Lists by language: a feed row per article under `language:<tag>` (as saving.ts writes them).
INSERT INTO "article_feed" ("feed_key", "article_id", "public_at", "published_sort", "updated_at")
  SELECT 'language:' || a."language", f."article_id", f."public_at", f."published_sort", f."updated_at"
  FROM "article_feed" f JOIN "articles" a ON a."id" = f."article_id" WHERE f."feed_key" = 'all';--> statement-breakpoint
-- Documents gain url, kicker, translations and corrections: every one is rebuilt on its next read.
UPDATE "article_docs" SET "summary" = NULL, "body" = NULL, "etag" = NULL, "gen" = "gen" + 1;
