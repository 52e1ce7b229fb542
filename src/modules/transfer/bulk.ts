// What an import writes in bulk, engine-neutral: the tables and their columns (rows travel as
// arrays in this column order), and the writer each engine implements (import-sqlite.ts:
// prepared statements; import-postgres.ts: COPY). Everything is written inside the import's
// one transaction (Database.transaction with `bulk`), so a failure or Ctrl-C stores nothing.
import type { Database } from '../../db/database.ts';

/** Lets the event loop turn (pending I/O, such as a COPY's round trips, goes on meanwhile). */
export const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export type ColumnType = 'text' | 'int' | 'real' | 'time' | 'json';

/** Tables written row by row in bulk, with their columns. Times are ms since the epoch. */
export const BULK_TABLES = {
  sections: [['id', 'text'], ['slug', 'text'], ['name', 'text'], ['description', 'text'], ['parent_id', 'text'], ['path', 'text'], ['depth', 'int'], ['position', 'int'], ['created_at', 'time'], ['updated_at', 'time']],
  authors: [['id', 'text'], ['slug', 'text'], ['name', 'text'], ['email', 'text'], ['title', 'text'], ['bio', 'text'], ['created_at', 'time'], ['updated_at', 'time']],
  tags: [['id', 'text'], ['slug', 'text'], ['name', 'text'], ['created_at', 'time']],
  images: [
    ['id', 'text'], ['sha256', 'text'], ['filename', 'text'], ['mime_type', 'text'], ['bytes', 'int'], ['width', 'int'], ['height', 'int'], ['alt', 'text'], ['caption', 'text'],
    ['credit', 'text'], ['focal_x', 'real'], ['focal_y', 'real'], ['created_at', 'time'], ['updated_at', 'time'],
  ],
  article_authors: [['article_id', 'text'], ['author_id', 'text'], ['position', 'int']],
  article_sections: [['article_id', 'text'], ['section_id', 'text'], ['position', 'int']],
  article_tags: [['article_id', 'text'], ['tag_id', 'text'], ['position', 'int']],
  related_links: [['article_id', 'text'], ['position', 'int'], ['title', 'text'], ['url', 'text'], ['target_article_id', 'text']],
  article_images: [['article_id', 'text'], ['image_id', 'text']],
  article_feed: [['feed_key', 'text'], ['article_id', 'text'], ['public_at', 'time'], ['published_sort', 'time'], ['updated_at', 'time']],
  article_docs: [['article_id', 'text']],
  article_corrections: [['id', 'text'], ['article_id', 'text'], ['text', 'text'], ['created_at', 'time']],
  article_revisions: [['article_id', 'text'], ['revision', 'int'], ['created_at', 'time'], ['created_by', 'text'], ['snapshot', 'json']],
  article_sync: [['article_id', 'text'], ['seq', 'int'], ['public', 'int'], ['version', 'int'], ['changed_at', 'time']],
  webhooks: [['id', 'text'], ['url', 'text'], ['events', 'text'], ['description', 'text'], ['status', 'text'], ['secret', 'text'], ['created_at', 'time'], ['updated_at', 'time']],
} as const satisfies Record<string, readonly (readonly [string, ColumnType])[]>;

export type BulkTable = keyof typeof BULK_TABLES;

/** The columns of `articles` an import writes (the key `seq` and the search index are the engine's). */
export const ARTICLE_COLUMNS = [
  ['id', 'text'], ['slug', 'text'], ['headline', 'text'], ['subheadline', 'text'], ['summary', 'text'], ['body', 'json'], ['status', 'text'], ['version', 'int'],
  ['section_id', 'text'], ['lead_image_id', 'text'], ['lead_image_caption', 'text'], ['lead_image_credit', 'text'], ['dateline', 'text'], ['language', 'text'],
  ['canonical_url', 'text'], ['kicker', 'text'], ['translation_group', 'text'], ['published_at', 'time'], ['first_published_at', 'time'], ['created_at', 'time'],
  ['updated_at', 'time'],
] as const satisfies readonly (readonly [string, ColumnType])[];

/** An article row in ARTICLE_COLUMNS order (`body` as its JSON text) and the text its search index holds. */
export interface BulkArticle {
  values: unknown[];
  search: { headline: string; subheadline: string | null; summary: string | null; body: string };
}

/** The tables whose list and search indexes an import into an empty database builds once at the end. */
export const INDEXED_TABLES = ['articles', 'article_authors', 'article_sections', 'article_tags', 'related_links', 'article_images', 'article_feed', 'article_corrections', 'article_revisions'];

export interface BulkWriter {
  /**
   * Called first, inside the transaction. `rebuildIndexes` (the database holds no article):
   * secondary indexes are dropped and built once at `finish`, which is far faster than
   * keeping them up to date row by row.
   */
  begin(opts: { rebuildIndexes: boolean }): Promise<void>;
  /**
   * Writes (or queues, to be written in order while the caller goes on) these rows; call
   * `settled` before reading anything they may have changed.
   */
  articles(rows: BulkArticle[]): Promise<void>;
  rows(table: BulkTable, rows: unknown[][]): Promise<void>;
  /** Waits until every queued write is done (and throws the first failure). */
  settled(): Promise<void>;
  /** Puts back what `begin` took away (indexes, triggers); the transaction then commits. */
  finish(): Promise<void>;
  /** The import failed and its transaction rolled back: puts back the connection's own settings. */
  abandon(): void;
  /**
   * Reserves `count` consecutive article_sync seqs, above every seq committed or in flight,
   * and returns the first (under the same lock as dialect.nextSyncSeq, held until commit).
   */
  reserveSyncSeqs(count: number): Promise<number>;
}

export async function bulkWriter(db: Database): Promise<BulkWriter> {
  if (db.engine === 'postgres') return (await import('./import-postgres.ts')).postgresBulkWriter(db);
  return (await import('./import-sqlite.ts')).sqliteBulkWriter(db);
}
