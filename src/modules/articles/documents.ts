// Article documents: the public representation of each article, stored as the JSON text it is
// sent as (see `articleDocs` in src/db/schema.ts). A public read is then one indexed lookup
// and a string splice, instead of seven queries and an assembly per request; a list page is
// one lookup of twenty summaries.
//
// Correctness rests on two rules:
// - every write transaction that changes what an article shows names cache keys (`article:`,
//   `author:`, `image:`, `*` …); before it commits, the documents depending on those keys are
//   cleared and their `gen` bumped, in the same transaction (`invalidate`);
// - a document is built by a read from what is committed and stored only where `gen` still
//   equals what that read saw first (`store`): a write that commits meanwhile wins.
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/database.ts';
import type { ArticleStatus } from '../../db/schema.ts';

/** What a lookup returns: the article's visibility and, when built, its document. */
export interface DocumentRow {
  id: string;
  status: ArticleStatus;
  publishedAt: number | null;
  /** `articles.body` as stored (JSON text). */
  storedBody: string;
  gen: number | null;
  summary: string | null;
  body: string | null;
  etag: string | null;
  deps: string | null;
  shared: boolean;
  validUntil: number | null;
}

/** A summary document with when its article is public (null: not public). */
export interface SummaryRow {
  id: string;
  publicAt: number | null;
  summary: string | null;
  /** The full article's ETag (it changes with everything the summary shows). */
  etag: string | null;
  deps: string | null;
  shared: boolean;
  validUntil: number | null;
}

/** A built document, ready to store. */
export interface BuiltDocument {
  articleId: string;
  gen: number;
  summary: string;
  body: string | null;
  etag: string;
  deps: string[];
  shared: boolean;
  validUntil: number | null;
}

/** The full article's JSON text from a document: the summary with the body spliced in last. */
export function fullJson(row: Pick<DocumentRow, 'summary' | 'body' | 'storedBody'>): string {
  return `${row.summary!.slice(0, -1)},"body":${row.body ?? row.storedBody}}`;
}

/** True when the document can answer at `at` (built, not expired; for a token: the same view). */
export function usable(row: Pick<DocumentRow, 'summary' | 'validUntil' | 'shared'>, at: number, hasToken: boolean): boolean {
  return row.summary !== null && (row.validUntil === null || at < row.validUntil) && (!hasToken || row.shared);
}

/**
 * The format documents are built in: bump it when the article representation changes (a new
 * field), so that documents built before are rebuilt (ensureFormat).
 */
export const DOCUMENT_FORMAT = 2;

const perDatabase = new WeakMap<Database, ArticleDocuments>();

/** The documents of a database (one store, and one before-commit hook, however many services share it). */
export function articleDocuments(db: Database): ArticleDocuments {
  let documents = perDatabase.get(db);
  if (!documents) perDatabase.set(db, (documents = createArticleDocuments(db)));
  return documents;
}

function createArticleDocuments(db: Database) {
  const { dialect } = db;
  const select = (where: SQL) => sql`
    select a.id as id, a.status as status, a.published_at as "publishedAt", ${sql.raw(dialect.jsonText('a.body'))} as "storedBody",
      d.gen as gen, d.summary as summary, d.body as body, d.etag as etag, d.deps as deps, d.shared as shared, d.valid_until as "validUntil"
    from articles a left join article_docs d on d.article_id = a.id
    where ${where}`;
  const read = (r: Record<string, unknown>): DocumentRow => ({
    id: r.id as string,
    status: r.status as ArticleStatus,
    publishedAt: r.publishedAt === null ? null : dialect.readTime(r.publishedAt),
    storedBody: r.storedBody as string,
    gen: r.gen === null ? null : Number(r.gen),
    summary: r.summary as string | null,
    body: r.body as string | null,
    etag: r.etag as string | null,
    deps: r.deps as string | null,
    shared: Number(r.shared) === 1,
    validUntil: r.validUntil === null ? null : dialect.readTime(r.validUntil),
  });
  const idList = (ids: Iterable<string>) => sql.join([...ids].map((id) => sql`${id}`), sql`, `);

  let pending: BuiltDocument[] = [];
  let flushing: Promise<void> | null = null;
  const schedule = () => {
    flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(flush)
      .finally(() => {
        flushing = null;
        if (pending.length > 0) schedule();
      });
  };

  async function flush(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await db.transaction(async () => {
          for (const d of batch) {
            await dialect.all(db.q, sql`
              update article_docs set summary = ${d.summary}, body = ${d.body}, etag = ${d.etag}, deps = ${d.deps.join(' ')},
                shared = ${d.shared ? 1 : 0}, valid_until = ${d.validUntil === null ? null : dialect.time(d.validUntil)}
              where article_id = ${d.articleId} and gen = ${d.gen}`);
          }
        });
      } catch {
        // A document not stored (the database closing, unreachable) is built again by the
        // next read: nothing is lost.
      }
    }
  }

  const documents = {
    async bySlug(slug: string): Promise<DocumentRow | undefined> {
      const [row] = await dialect.all<Record<string, unknown>>(db.q, select(sql`a.slug = ${slug}`));
      return row && read(row);
    },
    async byId(id: string): Promise<DocumentRow | undefined> {
      const [row] = await dialect.all<Record<string, unknown>>(db.q, select(sql`a.id = ${id}`));
      return row && read(row);
    },
    /** Full lookups for some ids (any order; missing ids left out): to store what a list built. */
    async byIdsFull(ids: string[]): Promise<Map<string, DocumentRow>> {
      if (ids.length === 0) return new Map();
      const rows = await dialect.all<Record<string, unknown>>(db.q, select(sql`a.id in (${idList(ids)})`));
      return new Map(rows.map((r) => [r.id as string, read(r)]));
    },
    /**
     * The summaries of some articles (any order; missing ids left out), with when each is
     * public from its `all` list row: the article rows (their bodies) are not read.
     */
    async summaries(ids: string[]): Promise<Map<string, SummaryRow>> {
      if (ids.length === 0) return new Map();
      const rows = await dialect.all<Record<string, unknown>>(db.q, sql`
        select d.article_id as id, (select f.public_at from article_feed f where f.feed_key = 'all' and f.article_id = d.article_id) as "publicAt",
          d.summary as summary, d.etag as etag, d.deps as deps, d.shared as shared, d.valid_until as "validUntil"
        from article_docs d where d.article_id in (${idList(ids)})`);
      return new Map(
        rows.map((r) => [
          r.id as string,
          {
            id: r.id as string,
            publicAt: r.publicAt === null ? null : dialect.readTime(r.publicAt),
            summary: r.summary as string | null,
            etag: r.etag as string | null,
            deps: r.deps as string | null,
            shared: Number(r.shared) === 1,
            validUntil: r.validUntil === null ? null : dialect.readTime(r.validUntil),
          },
        ]),
      );
    },

    /** The document row of a new article (call in its insert's transaction). */
    async create(articleId: string): Promise<void> {
      await dialect.all(db.q, sql`insert into article_docs (article_id) values (${articleId})`);
    },

    /**
     * Clears the documents that show something `keys` name (call inside the transaction that
     * changed it; registered as a before-commit hook below).
     */
    async invalidate(keys: ReadonlySet<string>): Promise<void> {
      const clear = (where: SQL) => dialect.all(db.q, sql`update article_docs set summary = null, gen = gen + 1 where ${where}`);
      // A section moved or renamed shows in every article under it (breadcrumbs): all of them.
      if (keys.has('*')) return void (await clear(sql`1 = 1`));
      const of = (prefix: string) => [...keys].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
      const articles = of('article:');
      const authors = of('author:');
      const images = of('image:');
      if (articles.length > 0) {
        await clear(sql`article_id in (${idList(articles)})`);
        await clear(sql`article_id in (select article_id from related_links where target_article_id in (${idList(articles)}))`);
        // Its translations show its slug, language, url and visibility.
        await clear(sql`article_id in (select m.id from articles a join articles m on m.translation_group = a.translation_group
          where a.id in (${idList(articles)}) and a.translation_group is not null)`);
      }
      if (authors.length > 0) await clear(sql`article_id in (select article_id from article_authors where author_id in (${idList(authors)}))`);
      if (images.length > 0) await clear(sql`article_id in (select article_id from article_images where image_id in (${idList(images)}))`);
    },

    /** Clears the documents of articles linking to `id` (before it is deleted: the links go with it). */
    async invalidateLinksTo(id: string): Promise<void> {
      await dialect.all(db.q, sql`update article_docs set summary = null, gen = gen + 1
        where article_id in (select article_id from related_links where target_article_id = ${id})`);
    },

    /**
     * Stores built documents (each only if its `gen` is unchanged), after the response: writes
     * are batched into one short transaction, and a failure costs only a rebuild later.
     */
    store(built: BuiltDocument): void {
      pending.push(built);
      if (!flushing) schedule();
    },

    /**
     * Clears every document when they were built in another format: by other code (a new
     * field) or another configuration (article `url`s follow CMS_SITE_URL and
     * CMS_ARTICLE_PATH). Call at start; `format` names both.
     */
    async ensureFormat(format: string): Promise<void> {
      await db.transaction(async () => {
        const [row] = await dialect.all<{ value: string }>(db.q, sql`select value from settings where key = 'article_docs_format'`);
        if (row?.value === format) return;
        await dialect.all(db.q, sql`update article_docs set summary = null, body = null, etag = null, gen = gen + 1`);
        await dialect.all(db.q, sql`delete from settings where key = 'article_docs_format'`);
        await dialect.all(db.q, sql`insert into settings (key, value) values ('article_docs_format', ${format})`);
      });
    },

    /** Waits until every document handed to `store` is written (closing, tests). */
    async settle(): Promise<void> {
      while (flushing) await flushing;
    },
  };
  db.beforeCommit((keys) => documents.invalidate(keys));
  return documents;
}

export type ArticleDocuments = ReturnType<typeof createArticleDocuments>;
