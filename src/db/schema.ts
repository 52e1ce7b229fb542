// The one truth about tables and columns. Migrations are generated from this file
// with `npm run db:generate` (drizzle-kit); never edit a migration that has landed.
//
// Times are integers (milliseconds since the epoch, UTC): they sort, compare and index
// the same way on SQLite and PostgreSQL (bigint), and become RFC 3339 strings only at
// the HTTP edge.
import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  check,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

export const ARTICLE_STATUSES = ['draft', 'scheduled', 'published', 'archived'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

export const TOKEN_ROLES = ['writer', 'editor', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

const timestamps = {
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
};

export const sections = sqliteTable(
  'sections',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    parentId: text('parent_id').references((): AnySQLiteColumn => sections.id, { onDelete: 'restrict' }),
    // Materialised `parent/child` slug path; rewritten for the whole subtree when a section moves.
    path: text('path').notNull(),
    depth: integer('depth').notNull(),
    position: integer('position').notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('sections_path_uq').on(t.path),
    uniqueIndex('sections_parent_slug_uq').on(t.parentId, t.slug),
    index('sections_parent_position_idx').on(t.parentId, t.position),
  ],
);

export const authors = sqliteTable(
  'authors',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    email: text('email'),
    title: text('title'),
    bio: text('bio'),
    ...timestamps,
  },
  (t) => [uniqueIndex('authors_slug_uq').on(t.slug)],
);

export const images = sqliteTable(
  'images',
  {
    id: text('id').primaryKey(),
    sha256: text('sha256').notNull(),
    filename: text('filename').notNull(),
    mimeType: text('mime_type').notNull(),
    bytes: integer('bytes').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    alt: text('alt'),
    caption: text('caption'),
    credit: text('credit'),
    focalX: real('focal_x'),
    focalY: real('focal_y'),
    ...timestamps,
  },
  (t) => [index('images_created_idx').on(t.createdAt, t.id), index('images_sha256_idx').on(t.sha256)],
);

export const articles = sqliteTable(
  'articles',
  {
    // Integer key so the FTS5 index (external content) has a stable rowid; `id` is the public id.
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    slug: text('slug').notNull(),
    headline: text('headline').notNull(),
    subheadline: text('subheadline'),
    summary: text('summary'),
    body: text('body', { mode: 'json' }).notNull().$type<unknown[]>(),
    status: text('status', { enum: ARTICLE_STATUSES }).notNull().default('draft'),
    version: integer('version').notNull().default(1),
    sectionId: text('section_id')
      .notNull()
      .references(() => sections.id, { onDelete: 'restrict' }),
    leadImageId: text('lead_image_id').references(() => images.id, { onDelete: 'restrict' }),
    leadImageCaption: text('lead_image_caption'),
    leadImageCredit: text('lead_image_credit'),
    dateline: text('dateline'),
    language: text('language').notNull().default('en'),
    canonicalUrl: text('canonical_url'),
    // The label above the headline ("Analysis"), at most 80 characters.
    kicker: text('kicker'),
    // Members of one translation group share this (the id of the article the group began
    // with); null for an article with no translations.
    translationGroup: text('translation_group'),
    publishedAt: integer('published_at'),
    firstPublishedAt: integer('first_published_at'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('articles_id_uq').on(t.id),
    uniqueIndex('articles_slug_uq').on(t.slug),
    index('articles_section_idx').on(t.sectionId),
    index('articles_lead_image_idx').on(t.leadImageId),
    // The scheduler looks for due scheduled articles.
    index('articles_status_published_idx').on(t.status, t.publishedAt),
    index('articles_translation_group_idx').on(t.translationGroup),
    // Sitemaps by month of first publication (a scheduled article that became public at its
    // time has no first_published_at yet: its published_at is that date).
    index('articles_first_public_idx').on(sql`coalesce(${t.firstPublishedAt}, ${t.publishedAt})`, t.id),
    check('articles_status_ck', sql`${t.status} in ('draft','scheduled','published','archived')`),
  ],
);

export const articleAuthors = sqliteTable(
  'article_authors',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    authorId: text('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.authorId] }), index('article_authors_author_idx').on(t.authorId)],
);

export const articleSections = sqliteTable(
  'article_sections',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    sectionId: text('section_id')
      .notNull()
      .references(() => sections.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.sectionId] }), index('article_sections_section_idx').on(t.sectionId)],
);

export const tags = sqliteTable(
  'tags',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('tags_slug_uq').on(t.slug)],
);

export const articleTags = sqliteTable(
  'article_tags',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    tagId: text('tag_id')
      .notNull()
      .references(() => tags.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.tagId] }), index('article_tags_tag_idx').on(t.tagId)],
);

export const relatedLinks = sqliteTable(
  'related_links',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    title: text('title'),
    url: text('url'),
    targetArticleId: text('target_article_id').references(() => articles.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ columns: [t.articleId, t.position] }),
    index('related_links_target_idx').on(t.targetArticleId),
    check('related_links_target_ck', sql`(${t.url} is null) <> (${t.targetArticleId} is null)`),
  ],
);

// Which images an article uses (lead image and image body blocks): the public may see an
// image only while a public article uses it, and an image in use cannot be deleted.
export const articleImages = sqliteTable(
  'article_images',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.imageId] }), index('article_images_image_idx').on(t.imageId)],
);

// One row per (list an article appears in, article), carrying the article's sort keys, so
// every list of the API (all, by section with its subsections, by author, tag or status)
// is one index range scan in the order asked for, however large the archive grows.
// Keys: `all`, `status:<status>`, `section:<id>` (each ancestor of the primary and
// secondary sections, and the sections themselves), `author:<id>`, `tag:<id>`.
export const articleFeed = sqliteTable(
  'article_feed',
  {
    feedKey: text('feed_key').notNull(),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    // publishedAt while the article is published or scheduled, else null: the public sees
    // rows with publicAt <= now.
    publicAt: integer('public_at'),
    // publishedAt, or a far-future sentinel while unpublished (drafts sort as newest).
    publishedSort: integer('published_sort').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.feedKey, t.articleId] }),
    index('article_feed_article_idx').on(t.articleId),
    index('article_feed_public_idx').on(t.feedKey, t.publicAt, t.articleId),
    index('article_feed_published_idx').on(t.feedKey, t.publishedSort, t.articleId),
    index('article_feed_updated_idx').on(t.feedKey, t.updatedAt, t.articleId),
  ],
);

// The public representation of each article, built once and then read with one indexed
// lookup (src/modules/articles/documents.ts): the summary as JSON text (what lists show), the
// body as JSON text only when it differs from the stored `articles.body` (image blocks carry
// their image; else the stored text is spliced in as it is), the strong ETag of the whole and
// the cache keys it depends on. A write that changes anything an article shows sets its
// `summary` to null and bumps `gen` in the same transaction; a read that finds null builds the
// document and stores it only if `gen` has not moved meanwhile. One row per article, from
// its insert on.
export const articleDocs = sqliteTable('article_docs', {
  articleId: text('article_id')
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  gen: integer('gen').notNull().default(0),
  summary: text('summary'),
  body: text('body'),
  etag: text('etag'),
  deps: text('deps'),
  // 1 when a reader with a token sees the same document (no related link hidden from the public).
  shared: integer('shared').notNull().default(0),
  // The document holds until then (a hidden related link's scheduled target becomes public).
  validUntil: integer('valid_until'),
});

// Small named values the service keeps about itself (the format its article documents were
// built in, say: documents.ts).
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

// Corrections appended to an article, public, never edited or removed by the API.
export const articleCorrections = sqliteTable(
  'article_corrections',
  {
    id: text('id').primaryKey(),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('article_corrections_article_idx').on(t.articleId, t.createdAt, t.id)],
);

export const articleRevisions = sqliteTable(
  'article_revisions',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    createdAt: integer('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    snapshot: text('snapshot', { mode: 'json' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.revision] })],
);

export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: TOKEN_ROLES }).notNull(),
    // sha256 of the token; the token itself is shown once and never stored.
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_uq').on(t.tokenHash),
    check('api_tokens_role_ck', sql`${t.role} in ('writer','editor','admin')`),
  ],
);

export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    tokenId: text('token_id')
      .notNull()
      .references(() => apiTokens.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    responseBody: text('response_body').notNull(),
    responseHeaders: text('response_headers', { mode: 'json' }).notNull().$type<Record<string, string>>(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

// What each write changed, as cache keys (`article:<id>`, `feed:<feed key>`, `author:<id>`,
// `image:<id>`, `public`, `*`), in commit order: every instance (and the CLI) reads it to
// evict exactly what a write made stale from its response cache. Rows older than an hour are
// deleted by every instance's change feed (change-feed.ts).
export const changes = sqliteTable(
  'changes',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    keys: text('keys').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('changes_created_idx').on(t.createdAt)],
);

// ---- Events (issue 14): webhooks, their durable outbox and delivery log, the sync sequence ----

// Webhook subscriptions (admin). `events` is a JSON array of event types (or ["*"]); the
// secret (whsec_…) is shown once, at creation.
export const webhooks = sqliteTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: text('events').notNull(),
  description: text('description'),
  status: text('status').notNull().default('active'),
  secret: text('secret').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

// The outbox: each event written in the same transaction as the change it reports. `body` is
// the JSON text sent (and signed) as it is; `dedupeKey` makes an event that several instances
// may notice (a scheduled article becoming public) be stored once.
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    type: text('type').notNull(),
    articleId: text('article_id'),
    body: text('body').notNull(),
    occurredAt: integer('occurred_at').notNull(),
    dedupeKey: text('dedupe_key'),
  },
  (t) => [uniqueIndex('webhook_events_id_uq').on(t.id), uniqueIndex('webhook_events_dedupe_uq').on(t.dedupeKey), index('webhook_events_occurred_idx').on(t.occurredAt)],
);

// One delivery job per webhook and event: pending until a 2xx (succeeded) or the last retry
// (failed). `orderKey` (the article's id, else the event's) keeps delivery in order per article;
// `claimedUntil` is a lease taken by the instance delivering it.
export const webhookJobs = sqliteTable(
  'webhook_jobs',
  {
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventSeq: integer('event_seq').notNull(),
    orderKey: text('order_key').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    claimedUntil: integer('claimed_until'),
  },
  (t) => [
    primaryKey({ columns: [t.webhookId, t.eventSeq] }),
    index('webhook_jobs_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_jobs_order_idx').on(t.webhookId, t.orderKey, t.eventSeq),
  ],
);

// The delivery log: one row per attempt.
export const webhookAttempts = sqliteTable(
  'webhook_attempts',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status').notNull(),
    responseStatus: integer('response_status'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    createdAt: integer('created_at').notNull(),
    nextAttemptAt: integer('next_attempt_at'),
  },
  (t) => [index('webhook_attempts_webhook_idx').on(t.webhookId, t.createdAt, t.id)],
);

// The sync sequence: each article's last public change (an upsert while public, a delete once
// it stopped being public or was deleted), numbered in commit order. No foreign key: a deleted
// article keeps its row (the delete a client must apply).
export const articleSync = sqliteTable(
  'article_sync',
  {
    articleId: text('article_id').primaryKey(),
    seq: integer('seq').notNull(),
    public: integer('public').notNull(),
    version: integer('version').notNull(),
    changedAt: integer('changed_at').notNull(),
  },
  (t) => [uniqueIndex('article_sync_seq_uq').on(t.seq)],
);
