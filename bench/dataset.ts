// Bulk loader for benchmarks: a realistic newsroom archive written straight into the
// project's schema (same tables, same feed rows and search index the app maintains), on
// either engine: a SQLite file or a PostgreSQL database (a postgres:// URL, already created).
// Articles of ~800 words in 12 body blocks, 1–3 bylines, a primary section in a 3-level tree
// of 68 sections, 0–5 tags, a lead image, 0–4 related links, publish dates over 10 years.
// The rows come from one deterministic generator, so both engines hold the same archive.
import { randomBytes } from 'node:crypto';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { isPostgresUrl, openDatabase } from '../src/db/database.ts';
import type { SqliteDatabase } from '../src/db/dialects/sqlite.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import * as pgSchema from '../src/db/schema-postgres.ts';
import { UNPUBLISHED_SORT } from '../src/modules/articles/feed-repository.ts';
import type { StoredBlock } from '../src/modules/articles/schemas.ts';
import { postgresSearch } from '../src/modules/articles/search-postgres.ts';
import { bodyText } from '../src/modules/articles/service.ts';
import { rng } from './rng.ts';

const SYLLABLES = ['ka', 'no', 'ri', 'sen', 'to', 'ma', 'lu', 'gon', 'pe', 'shi', 'yo', 'dan', 'mi', 'ra', 'chu', 'bo', 'el', 'an', 'ter', 'vik'];

export interface Dataset {
  /** The SQLite file or the PostgreSQL URL. */
  target: string;
  articles: number;
  loadMs: number;
  /** Slugs of published articles. */
  slugs: string[];
  /** Ids of draft articles. */
  drafts: string[];
  rootSectionPaths: string[];
  tagSlugs: string[];
  words: string[];
}

// ---- rows, engine-neutral (times in ms since the epoch, as the app's rows) ----

interface SectionRow {
  id: string;
  slug: string;
  name: string;
  parentId: string | null;
  path: string;
  depth: number;
  position: number;
}
interface AuthorRow {
  id: string;
  slug: string;
  name: string;
  email: string;
}
interface TagRow {
  id: string;
  slug: string;
  name: string;
}
interface ImageRow {
  id: string;
  sha256: string;
  filename: string;
}
interface ArticleRows {
  article: {
    id: string;
    slug: string;
    headline: string;
    summary: string;
    body: StoredBlock[];
    status: 'draft' | 'scheduled' | 'published' | 'archived';
    sectionId: string;
    leadImageId: string;
    publishedAt: number | null;
    createdAt: number;
    updatedAt: number;
  };
  bylines: string[];
  tags: string[];
  links: { position: number; title: string | null; url: string | null; targetArticleId: string | null }[];
  feed: { feedKey: string; publicAt: number | null; publishedSort: number; updatedAt: number }[];
}

/** Where the generated rows go: one writer per engine. */
interface Sink {
  reference(rows: { sections: SectionRow[]; authors: AuthorRow[]; tags: TagRow[]; images: ImageRow[] }, now: number): Promise<void>;
  /** One batch of articles with their bylines, tags, links, image uses and feed rows. */
  articles(batch: ArticleRows[]): Promise<void>;
  finish(): Promise<void>;
}

export async function buildDataset(target: string, articles: number, seed = 42): Promise<Dataset> {
  const started = performance.now();
  const sink = isPostgresUrl(target) ? await postgresSink(target) : await sqliteSink(target);
  const r = rng(seed);
  const now = Date.now();
  const TEN_YEARS = 10 * 365 * 24 * 3600 * 1000;

  const words = Array.from({ length: 3000 }, () => Array.from({ length: r.int(2, 4) }, () => r.pick(SYLLABLES)).join(''));
  const sentence = () => {
    const w = Array.from({ length: r.int(8, 16) }, () => r.pick(words));
    return `${w[0]![0]!.toUpperCase()}${w.join(' ').slice(1)}.`;
  };
  const paragraphs = Array.from({ length: 2000 }, () => Array.from({ length: 5 }, sentence).join(' ')); // ~60 words

  // Sections: 4 roots × 4 children × 3 grandchildren = 68.
  const sections: (SectionRow & { ancestors: string[] })[] = [];
  const roots = ['national', 'business', 'culture', 'world'];
  roots.forEach((root, i) => {
    const rootId = uuidv7();
    sections.push({ id: rootId, slug: root, name: root, parentId: null, path: root, depth: 0, position: i, ancestors: [rootId] });
    for (let c = 0; c < 4; c++) {
      const childSlug = `${root}-desk-${c}`;
      const childId = uuidv7();
      sections.push({ id: childId, slug: childSlug, name: childSlug, parentId: rootId, path: `${root}/${childSlug}`, depth: 1, position: c, ancestors: [rootId, childId] });
      for (let g = 0; g < 3; g++) {
        const slug = `beat-${g}`;
        const id = uuidv7();
        sections.push({ id, slug, name: slug, parentId: childId, path: `${root}/${childSlug}/${slug}`, depth: 2, position: g, ancestors: [rootId, childId, id] });
      }
    }
  });
  const authors = Array.from({ length: 300 }, (_, i) => ({ id: uuidv7(), slug: `reporter-${i}`, name: `Reporter ${i}`, email: `reporter${i}@example.com` }));
  const tags = Array.from({ length: 1000 }, (_, i) => ({ id: uuidv7(), slug: `topic-${i}`, name: `Topic ${i}` }));
  const images = Array.from({ length: 5000 }, (_, i) => ({ id: uuidv7(), sha256: randomBytes(32).toString('hex'), filename: `photo-${i}.jpg` }));
  await sink.reference({ sections, authors, tags, images }, now);
  const authorIds = authors.map((a) => a.id);
  const tagIds = tags.map((t) => t.id);
  const imageIds = images.map((im) => im.id);

  const leaves = sections.filter((s) => s.ancestors.length === 3);
  const slugs: string[] = [];
  const drafts: string[] = [];
  const recent: string[] = [];
  const BATCH = 5000;
  for (let start = 0; start < articles; start += BATCH) {
    const batch: ArticleRows[] = [];
    for (let i = start; i < Math.min(articles, start + BATCH); i++) {
      const id = uuidv7();
      const slug = `article-${i}-${r.int(0, 1e9).toString(36)}`;
      const roll = r.next();
      const status = roll < 0.95 ? 'published' : roll < 0.97 ? 'draft' : roll < 0.98 ? 'scheduled' : 'archived';
      const publishedAt = status === 'draft' ? null : status === 'scheduled' ? now + r.int(1, 30) * 86_400_000 : now - Math.floor(r.next() * TEN_YEARS);
      const updatedAt = (publishedAt ?? now) + r.int(0, 3_600_000);
      const body: StoredBlock[] = Array.from({ length: 12 }, (_, k) => (k === 4 ? { type: 'heading', level: 2, text: sentence() } : { type: 'paragraph', text: r.pick(paragraphs) }));
      const section = r.pick(leaves);
      const lead = r.pick(imageIds);
      const headline = sentence();
      const summary = r.pick(paragraphs).slice(0, 200);
      const rows: ArticleRows = {
        article: { id, slug, headline, summary, body, status, sectionId: section.id, leadImageId: lead, publishedAt, createdAt: publishedAt ?? now, updatedAt },
        bylines: [...new Set(Array.from({ length: r.int(1, 3) }, () => r.pick(authorIds)))],
        tags: [],
        links: [],
        feed: [],
      };
      rows.tags = [...new Set(Array.from({ length: r.int(0, 5) }, () => r.pick(tagIds)))];
      const links = r.int(0, 4);
      for (let p = 0; p < links; p++) {
        if (recent.length > 0 && r.next() < 0.5) rows.links.push({ position: p, title: null, url: null, targetArticleId: r.pick(recent) });
        else rows.links.push({ position: p, title: `Background ${p}`, url: `https://example.com/background/${i}/${p}`, targetArticleId: null });
      }
      const publicAt = status === 'published' || status === 'scheduled' ? publishedAt : null;
      const sort = publishedAt ?? UNPUBLISHED_SORT;
      const keys = ['all', `status:${status}`, ...section.ancestors.map((s) => `section:${s}`), ...rows.bylines.map((a) => `author:${a}`), ...rows.tags.map((tg) => `tag:${tg}`)];
      rows.feed = keys.map((feedKey) => ({ feedKey, publicAt, publishedSort: sort, updatedAt }));
      batch.push(rows);
      if (status === 'published') {
        slugs.push(slug);
        if (recent.length < 1000) recent.push(id);
        else recent[r.int(0, 999)] = id;
      } else if (status === 'draft') drafts.push(id);
    }
    await sink.articles(batch);
  }
  await sink.finish();
  return { target, articles, loadMs: performance.now() - started, slugs, drafts, rootSectionPaths: roots, tagSlugs: tags.map((t) => t.slug), words };
}

// ---- SQLite: prepared statements in transactions of 5000 articles, FTS built at the end ----

async function sqliteSink(file: string): Promise<Sink> {
  const db = (await openDatabase(file)) as SqliteDatabase;
  await migrateDatabase(db);
  const sqlite = db.writer;
  sqlite.pragma('synchronous = OFF'); // bulk load only; the server opens with FULL
  sqlite.pragma('cache_size = -262144'); // 256 MiB for index inserts
  // The search index is written from JS (the same text the trigger extracts from the body's
  // JSON) rather than by the trigger, which is then put back exactly as the migration made it.
  const ftsTrigger = (sqlite.prepare("select sql from sqlite_master where type = 'trigger' and name = 'articles_search_ai'").get() as { sql: string }).sql;
  sqlite.exec('drop trigger articles_search_ai');
  const insertSearch = sqlite.prepare('insert into articles_search (rowid, headline, subheadline, summary, body) values (?,?,?,?,?)');

  const insertArticle = sqlite.prepare(
    `insert into articles (id, slug, headline, subheadline, summary, body, status, version, section_id, lead_image_id,
      lead_image_caption, lead_image_credit, dateline, language, canonical_url, published_at, first_published_at, created_at, updated_at)
     values (?,?,?,?,?,?,?,1,?,?,null,null,null,'en',null,?,?,?,?)`,
  );
  const insertByline = sqlite.prepare('insert into article_authors (article_id, author_id, position) values (?,?,?)');
  const insertTag = sqlite.prepare('insert into article_tags (article_id, tag_id, position) values (?,?,?)');
  const insertLink = sqlite.prepare('insert into related_links (article_id, position, title, url, target_article_id) values (?,?,?,?,?)');
  const insertUse = sqlite.prepare('insert into article_images (article_id, image_id) values (?,?)');
  const insertFeed = sqlite.prepare('insert into article_feed (feed_key, article_id, public_at, published_sort, updated_at) values (?,?,?,?,?)');
  // Each article's (empty) document row, as the app creates it: reads build the documents.
  const insertDoc = sqlite.prepare('insert into article_docs (article_id) values (?)');

  return {
    async reference({ sections, authors, tags, images }, now) {
      const s = sqlite.prepare('insert into sections (id, slug, name, description, parent_id, path, depth, position, created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?)');
      const a = sqlite.prepare('insert into authors (id, slug, name, email, title, bio, created_at, updated_at) values (?,?,?,?,?,?,?,?)');
      const t = sqlite.prepare('insert into tags (id, slug, name, created_at) values (?,?,?,?)');
      const im = sqlite.prepare(
        'insert into images (id, sha256, filename, mime_type, bytes, width, height, alt, caption, credit, created_at, updated_at) values (?,?,?,?,?,?,?,?,?,?,?,?)',
      );
      sqlite.transaction(() => {
        for (const x of sections) s.run(x.id, x.slug, x.name, null, x.parentId, x.path, x.depth, x.position, now, now);
        for (const x of authors) a.run(x.id, x.slug, x.name, x.email, 'Reporter', null, now, now);
        for (const x of tags) t.run(x.id, x.slug, x.name, now);
        for (const x of images) im.run(x.id, x.sha256, x.filename, 'image/jpeg', 250_000, 1600, 1067, 'A photo', 'A caption', 'AP/YONHAP', now, now);
      })();
    },
    async articles(batch) {
      sqlite.transaction(() => {
        for (const { article: x, bylines, tags, links, feed } of batch) {
          const { lastInsertRowid } = insertArticle.run(
            x.id, x.slug, x.headline, null, x.summary, JSON.stringify(x.body), x.status, x.sectionId, x.leadImageId,
            x.publishedAt, x.publishedAt, x.createdAt, x.updatedAt,
          );
          insertSearch.run(lastInsertRowid, x.headline, null, x.summary, bodyText(x.body));
          bylines.forEach((a, p) => insertByline.run(x.id, a, p));
          tags.forEach((tg, p) => insertTag.run(x.id, tg, p));
          for (const l of links) insertLink.run(x.id, l.position, l.title, l.url, l.targetArticleId);
          insertUse.run(x.id, x.leadImageId);
          for (const f of feed) insertFeed.run(f.feedKey, x.id, f.publicAt, f.publishedSort, f.updatedAt);
          insertDoc.run(x.id);
        }
      })();
    },
    async finish() {
      sqlite.exec(ftsTrigger);
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
      await db.close();
    },
  };
}

// ---- PostgreSQL: multi-row INSERTs on one connection, in one transaction, indexes built last ----

/** Rows per INSERT so that one statement stays well under PostgreSQL's 65,535 parameters. */
const PARAMS_PER_STATEMENT = 30_000;

async function postgresSink(url: string): Promise<Sink> {
  const db = await openDatabase(url, { pool: 2 });
  try {
    await migrateDatabase(db);
  } finally {
    await db.close();
  }
  const client = new pg.Client({ connectionString: url, application_name: 'cms-bench-load' });
  // An interrupted run drops the database under this connection: its failure is then expected.
  client.on('error', () => {});
  await client.connect();
  const q: NodePgDatabase<typeof pgSchema> = drizzle(client, { schema: pgSchema });
  // Bulk load only: a crash would lose the whole load anyway (the server commits with the default).
  await client.query('set synchronous_commit = off');
  await client.query("set maintenance_work_mem = '512MB'");
  await client.query('begin');
  // Secondary indexes (those backing no constraint: the full-text GIN index, the feed's
  // orderings, …) are built once after the rows rather than row by row, as SQLite's FTS index
  // is rebuilt at the end, and put back exactly as the migration made them.
  const { rows: secondary } = await client.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes
     where schemaname = 'public' and tablename = any($1) and indexname not in (select conname from pg_constraint)`,
    [['articles', 'article_authors', 'article_tags', 'related_links', 'article_images', 'article_feed']],
  );
  for (const index of secondary) await client.query(`drop index "${index.name}"`);

  /** Inserts `rows` in multi-row statements sized by their column count. */
  async function insert<T extends Record<string, unknown>>(table: PgTable, rows: T[]): Promise<void> {
    if (rows.length === 0) return;
    const per = Math.max(1, Math.floor(PARAMS_PER_STATEMENT / (Object.keys(rows[0]!).length + 2)));
    for (let i = 0; i < rows.length; i += per) await q.insert(table).values(rows.slice(i, i + per) as never);
  }

  return {
    async reference({ sections, authors, tags, images }, now) {
      // Parents before children: the rows are generated in that order.
      await insert(pgSchema.sections, sections.map((x) => ({ id: x.id, slug: x.slug, name: x.name, description: null, parentId: x.parentId, path: x.path, depth: x.depth, position: x.position, createdAt: now, updatedAt: now })));
      await insert(pgSchema.authors, authors.map((x) => ({ ...x, title: 'Reporter', bio: null, createdAt: now, updatedAt: now })));
      await insert(pgSchema.tags, tags.map((x) => ({ ...x, createdAt: now })));
      await insert(
        pgSchema.images,
        images.map((x) => ({ ...x, mimeType: 'image/jpeg', bytes: 250_000, width: 1600, height: 1067, alt: 'A photo', caption: 'A caption', credit: 'AP/YONHAP', createdAt: now, updatedAt: now })),
      );
    },
    async articles(batch) {
      await insert(
        pgSchema.articles,
        batch.map(({ article: x }) => {
          const row = {
            id: x.id, slug: x.slug, headline: x.headline, subheadline: null, summary: x.summary, body: x.body, status: x.status, version: 1,
            sectionId: x.sectionId, leadImageId: x.leadImageId, leadImageCaption: null, leadImageCredit: null, dateline: null, language: 'en', canonicalUrl: null,
            publishedAt: x.publishedAt, firstPublishedAt: x.publishedAt, createdAt: x.createdAt, updatedAt: x.updatedAt,
          };
          // The search vector exactly as the article repository writes it.
          return { ...row, ...postgresSearch.indexColumns(row) };
        }),
      );
      await insert(pgSchema.articleAuthors, batch.flatMap(({ article, bylines }) => bylines.map((authorId, position) => ({ articleId: article.id, authorId, position }))));
      await insert(pgSchema.articleTags, batch.flatMap(({ article, tags }) => tags.map((tagId, position) => ({ articleId: article.id, tagId, position }))));
      await insert(pgSchema.relatedLinks, batch.flatMap(({ article, links }) => links.map((l) => ({ articleId: article.id, ...l }))));
      await insert(pgSchema.articleImages, batch.map(({ article }) => ({ articleId: article.id, imageId: article.leadImageId })));
      await insert(pgSchema.articleFeed, batch.flatMap(({ article, feed }) => feed.map((f) => ({ articleId: article.id, ...f }))));
      await insert(pgSchema.articleDocs, batch.map(({ article }) => ({ articleId: article.id })));
    },
    async finish() {
      for (const index of secondary) await client.query(index.def);
      await client.query('commit');
      // Statistics and the visibility map, as autovacuum would have them on a live database.
      await client.query('vacuum analyze');
      await client.end();
    },
  };
}
