// The PostgreSQL twin of schema.ts: the same tables, columns, keys and indexes under the same
// names, so that the repositories run unchanged on either engine (test/db/schema-parity.test.ts
// keeps the two in step). Migrations: `npm run db:generate` → migrations/postgres/.
//
// What differs, and why:
// - times are `timestamptz` holding milliseconds (`ms` below): rows read back as the same
//   epoch-millisecond numbers as on SQLite;
// - JSON columns are `json`, not `jsonb`: `json` keeps the text as written, so key order (and
//   thus every ETag) is the same as on SQLite;
// - full-text search is a weighted `tsvector` column with a GIN index, written by the article
//   repository through the PostgreSQL dialect (SQLite's FTS5 table is fed by triggers instead).
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  json,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { ARTICLE_STATUSES, TOKEN_ROLES } from './schema.ts';

/** PostgreSQL renders timestamptz as `2026-12-02 15:41:10.123+00`; milliseconds since the epoch. */
export function parsePgTime(value: string): number {
  const m = /^(\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?$/.exec(value);
  if (!m) throw new Error(`Unexpected timestamptz value: ${value}`);
  const offset = m[3] ? `${m[3]}:${m[4] ?? '00'}` : 'Z';
  return Date.parse(`${m[1]}T${m[2]}${offset}`);
}

/** A `timestamptz` column whose JS value is milliseconds since the epoch, as on SQLite. */
const ms = customType<{ data: number; driverData: string }>({
  dataType: () => 'timestamp (3) with time zone',
  toDriver: (value) => new Date(value).toISOString(),
  fromDriver: (value) => (typeof value === 'string' ? parsePgTime(value) : (value as unknown as Date).getTime()),
});

/** The weighted full-text vector of an article (headline A, subheadline and summary B, body C). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

const timestamps = {
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
};

export const sections = pgTable(
  'sections',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    parentId: text('parent_id').references((): AnyPgColumn => sections.id, { onDelete: 'restrict' }),
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

export const authors = pgTable(
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

export const images = pgTable(
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
    focalX: doublePrecision('focal_x'),
    focalY: doublePrecision('focal_y'),
    ...timestamps,
  },
  (t) => [index('images_created_idx').on(t.createdAt, t.id), index('images_sha256_idx').on(t.sha256)],
);

export const articles = pgTable(
  'articles',
  {
    seq: integer('seq').primaryKey().generatedByDefaultAsIdentity(),
    // A unique constraint (not only an index) so that the foreign keys to it can be created
    // with the table; it is backed by the index `articles_id_uq`, as on SQLite.
    id: text('id').notNull().unique('articles_id_uq'),
    slug: text('slug').notNull(),
    headline: text('headline').notNull(),
    subheadline: text('subheadline'),
    summary: text('summary'),
    body: json('body').notNull().$type<unknown[]>(),
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
    publishedAt: ms('published_at'),
    firstPublishedAt: ms('first_published_at'),
    ...timestamps,
    search: tsvector('search').notNull().default(sql`''::tsvector`),
  },
  (t) => [
    uniqueIndex('articles_slug_uq').on(t.slug),
    index('articles_section_idx').on(t.sectionId),
    index('articles_lead_image_idx').on(t.leadImageId),
    index('articles_status_published_idx').on(t.status, t.publishedAt),
    index('articles_translation_group_idx').on(t.translationGroup),
    // Sitemaps by month of first publication (a scheduled article that became public at its
    // time has no first_published_at yet: its published_at is that date).
    index('articles_first_public_idx').on(sql`coalesce(${t.firstPublishedAt}, ${t.publishedAt})`, t.id),
    index('articles_search_idx').using('gin', t.search),
    check('articles_status_ck', sql`${t.status} in ('draft','scheduled','published','archived')`),
  ],
);

export const articleAuthors = pgTable(
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

export const articleSections = pgTable(
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

export const tags = pgTable(
  'tags',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [uniqueIndex('tags_slug_uq').on(t.slug)],
);

export const articleTags = pgTable(
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

export const relatedLinks = pgTable(
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

export const articleImages = pgTable(
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

export const articleFeed = pgTable(
  'article_feed',
  {
    feedKey: text('feed_key').notNull(),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    publicAt: ms('public_at'),
    publishedSort: ms('published_sort').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.feedKey, t.articleId] }),
    index('article_feed_article_idx').on(t.articleId),
    index('article_feed_public_idx').on(t.feedKey, t.publicAt, t.articleId),
    index('article_feed_published_idx').on(t.feedKey, t.publishedSort, t.articleId),
    index('article_feed_updated_idx').on(t.feedKey, t.updatedAt, t.articleId),
  ],
);

// See schema.ts.
export const articleDocs = pgTable('article_docs', {
  articleId: text('article_id')
    .primaryKey()
    .references(() => articles.id, { onDelete: 'cascade' }),
  gen: integer('gen').notNull().default(0),
  summary: text('summary'),
  body: text('body'),
  etag: text('etag'),
  deps: text('deps'),
  shared: integer('shared').notNull().default(0),
  validUntil: ms('valid_until'),
});

// Small named values the service keeps about itself (the format its article documents were
// built in, say: documents.ts).
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

// Corrections appended to an article, public, never edited or removed by the API.
export const articleCorrections = pgTable(
  'article_corrections',
  {
    id: text('id').primaryKey(),
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    text: text('text').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('article_corrections_article_idx').on(t.articleId, t.createdAt, t.id)],
);

export const articleRevisions = pgTable(
  'article_revisions',
  {
    articleId: text('article_id')
      .notNull()
      .references(() => articles.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    createdAt: ms('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    snapshot: json('snapshot').notNull(),
  },
  (t) => [primaryKey({ columns: [t.articleId, t.revision] })],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: TOKEN_ROLES }).notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ms('created_at').notNull(),
    lastUsedAt: ms('last_used_at'),
    revokedAt: ms('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_uq').on(t.tokenHash),
    check('api_tokens_role_ck', sql`${t.role} in ('writer','editor','admin')`),
  ],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tokenId: text('token_id')
      .notNull()
      .references(() => apiTokens.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    responseBody: text('response_body').notNull(),
    responseHeaders: json('response_headers').notNull().$type<Record<string, string>>(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenId, t.key] }), index('idempotency_keys_created_idx').on(t.createdAt)],
);

export const changes = pgTable(
  'changes',
  {
    seq: integer('seq').primaryKey().generatedAlwaysAsIdentity(),
    keys: text('keys').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('changes_created_idx').on(t.createdAt)],
);

// ---- Events (issue 14): webhooks, their durable outbox and delivery log, the sync sequence ----

// Webhook subscriptions (admin). `events` is a JSON array of event types (or ["*"]); the
// secret (whsec_…) is shown once, at creation.
export const webhooks = pgTable('webhooks', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  events: text('events').notNull(),
  description: text('description'),
  status: text('status').notNull().default('active'),
  secret: text('secret').notNull(),
  createdAt: ms('created_at').notNull(),
  updatedAt: ms('updated_at').notNull(),
});

// The outbox: each event written in the same transaction as the change it reports. `body` is
// the JSON text sent (and signed) as it is; `dedupeKey` makes an event that several instances
// may notice (a scheduled article becoming public) be stored once.
export const webhookEvents = pgTable(
  'webhook_events',
  {
    seq: integer('seq').primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull(),
    type: text('type').notNull(),
    articleId: text('article_id'),
    body: text('body').notNull(),
    occurredAt: ms('occurred_at').notNull(),
    dedupeKey: text('dedupe_key'),
  },
  (t) => [uniqueIndex('webhook_events_id_uq').on(t.id), uniqueIndex('webhook_events_dedupe_uq').on(t.dedupeKey), index('webhook_events_occurred_idx').on(t.occurredAt)],
);

// One delivery job per webhook and event: pending until a 2xx (succeeded) or the last retry
// (failed). `orderKey` (the article's id, else the event's) keeps delivery in order per article;
// `claimedUntil` is a lease taken by the instance delivering it.
export const webhookJobs = pgTable(
  'webhook_jobs',
  {
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventSeq: integer('event_seq').notNull(),
    orderKey: text('order_key').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    claimedUntil: ms('claimed_until'),
  },
  (t) => [
    primaryKey({ columns: [t.webhookId, t.eventSeq] }),
    index('webhook_jobs_due_idx').on(t.status, t.nextAttemptAt),
    index('webhook_jobs_order_idx').on(t.webhookId, t.orderKey, t.eventSeq),
  ],
);

// The delivery log: one row per attempt.
export const webhookAttempts = pgTable(
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
    createdAt: ms('created_at').notNull(),
    nextAttemptAt: ms('next_attempt_at'),
  },
  (t) => [index('webhook_attempts_webhook_idx').on(t.webhookId, t.createdAt, t.id)],
);

// The sync sequence: each article's last public change (an upsert while public, a delete once
// it stopped being public or was deleted), numbered in commit order. No foreign key: a deleted
// article keeps its row (the delete a client must apply).
export const articleSync = pgTable(
  'article_sync',
  {
    articleId: text('article_id').primaryKey(),
    seq: integer('seq').notNull(),
    public: integer('public').notNull(),
    version: integer('version').notNull(),
    changedAt: ms('changed_at').notNull(),
  },
  (t) => [uniqueIndex('article_sync_seq_uq').on(t.seq)],
);
