CREATE TABLE `article_docs` (
	`article_id` text PRIMARY KEY NOT NULL,
	`gen` integer DEFAULT 0 NOT NULL,
	`summary` text,
	`body` text,
	`etag` text,
	`deps` text,
	`shared` integer DEFAULT 0 NOT NULL,
	`valid_until` integer,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Every existing article gets its (empty) document row; reads build the documents.
INSERT INTO article_docs (article_id) SELECT id FROM articles;
