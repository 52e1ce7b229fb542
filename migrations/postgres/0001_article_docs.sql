CREATE TABLE "article_docs" (
	"article_id" text PRIMARY KEY NOT NULL,
	"gen" integer DEFAULT 0 NOT NULL,
	"summary" text,
	"body" text,
	"etag" text,
	"deps" text,
	"shared" integer DEFAULT 0 NOT NULL,
	"valid_until" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "article_docs" ADD CONSTRAINT "article_docs_article_id_articles_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."articles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Every existing article gets its (empty) document row; reads build the documents.
INSERT INTO article_docs (article_id) SELECT id FROM articles;
