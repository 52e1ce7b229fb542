CREATE TABLE `article_sync` (
	`article_id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`public` integer NOT NULL,
	`version` integer NOT NULL,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `article_sync_seq_uq` ON `article_sync` (`seq`);--> statement-breakpoint
CREATE TABLE `webhook_attempts` (
	`id` text PRIMARY KEY NOT NULL,
	`webhook_id` text NOT NULL,
	`event_id` text NOT NULL,
	`type` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` text NOT NULL,
	`response_status` integer,
	`error` text,
	`duration_ms` integer,
	`created_at` integer NOT NULL,
	`next_attempt_at` integer,
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_attempts_webhook_idx` ON `webhook_attempts` (`webhook_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `webhook_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`article_id` text,
	`body` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`dedupe_key` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_id_uq` ON `webhook_events` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_events_dedupe_uq` ON `webhook_events` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `webhook_events_occurred_idx` ON `webhook_events` (`occurred_at`);--> statement-breakpoint
CREATE TABLE `webhook_jobs` (
	`webhook_id` text NOT NULL,
	`event_seq` integer NOT NULL,
	`order_key` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_until` integer,
	PRIMARY KEY(`webhook_id`, `event_seq`),
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_jobs_due_idx` ON `webhook_jobs` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `webhook_jobs_order_idx` ON `webhook_jobs` (`webhook_id`,`order_key`,`event_seq`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`description` text,
	`status` text DEFAULT 'active' NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
-- Sync starts from the articles public now, numbered oldest change first.
INSERT INTO `article_sync` (`article_id`, `seq`, `public`, `version`, `changed_at`)
  SELECT `id`, row_number() OVER (ORDER BY `updated_at`, `id`), 1, `version`, `updated_at` FROM `articles`
  WHERE `status` = 'published' OR (`status` = 'scheduled' AND `published_at` <= CAST(strftime('%s', 'now') AS INTEGER) * 1000);
