// SQLite's side of an import (bulk.ts): prepared statements on the writer connection, inside
// the import's transaction. The search index (contentless FTS5) is written from JS with the
// text bodyText() makes, the same text the insert trigger extracts with json_tree, only
// faster; the trigger is dropped for the import and put back as the migration made it, in the
// same transaction (a reader never sees it missing: readers see committed schema only). Into
// a database holding no article, a worker thread builds the index in a scratch file on the
// other core and it is copied in at the end (search-side.ts); otherwise this connection writes
// it row by row.
//
// The whole import is one transaction, so in WAL mode every page it writes past the cache
// goes to the WAL and is read back from there (bench/analysis.md, "Fourth release"): the
// indexes of `articles` are kept up to date row by row rather than built at the end, because
// its indexed columns sit after `body` in each row, so each build would read every body again.
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { Database as Db } from '../../db/database.ts';
import { ARTICLE_COLUMNS, BULK_TABLES, type BulkTable, type BulkWriter, INDEXED_TABLES } from './bulk.ts';
import { ROWS_PER_MESSAGE, type SideRow, type SideSearchIndex, startSideSearchIndex } from './search-side.ts';

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
/** Pages this connection keeps in memory during an import (KiB; the server's connections are untouched). */
const IMPORT_CACHE_KIB = 1 << 20;
/** New index entries FTS5 keeps in memory before writing a segment (1 MB by default). */
export const IMPORT_FTS_HASHSIZE = 1 << 28;
const FTS_DEFAULT_HASHSIZE = 1 << 20;

export function sqliteBulkWriter(db: Db): BulkWriter {
  const sqlite = db.connection() as Database.Database;
  const dropped: { name: string; sql: string }[] = [];
  let trigger: string | null = null;
  let cacheSize = -2000;
  /** Into a database holding no article: the search index is built by a worker (search-side.ts). */
  let side: SideSearchIndex | null = null;
  let sideRows: SideRow[] = [];
  const insertArticle = sqlite.prepare(`insert into articles (${ARTICLE_COLUMNS.map(([c]) => c).join(', ')}) values (${placeholders(ARTICLE_COLUMNS.length)})`);
  const insertSearch = sqlite.prepare('insert into articles_search (rowid, headline, subheadline, summary, body) values (?, ?, ?, ?, ?)');
  // (FTS5 takes a setting's value from the statement's text: a bound parameter is refused.)
  const ftsHashsize = (bytes: number) => sqlite.exec(`insert into articles_search (articles_search, rank) values ('hashsize', ${Math.trunc(bytes)})`);
  const statements = new Map<BulkTable, Database.Statement>();
  const statement = (table: BulkTable) => {
    let s = statements.get(table);
    if (!s) {
      const columns = BULK_TABLES[table].map(([c]) => c);
      s = sqlite.prepare(`insert into ${table} (${columns.join(', ')}) values (${placeholders(columns.length)})`);
      statements.set(table, s);
    }
    return s;
  };

  return {
    async begin({ rebuildIndexes }) {
      cacheSize = sqlite.pragma('cache_size', { simple: true }) as number;
      sqlite.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
      if (rebuildIndexes) {
        // The scratch file goes beside the database (it grows as large as the index).
        const dir = sqlite.memory || sqlite.name === '' ? os.tmpdir() : path.dirname(path.resolve(sqlite.name));
        const createSql = sqlite.prepare("select sql from sqlite_master where name = 'articles_search'").pluck().get() as string;
        side = startSideSearchIndex({ file: path.join(dir, `.search-import-${process.pid}-${Date.now()}.tmp`), createSql, hashsize: IMPORT_FTS_HASHSIZE });
      } else {
        // Fewer, larger FTS5 segments, so less merging: each flush of this in-memory hash writes one.
        ftsHashsize(IMPORT_FTS_HASHSIZE);
      }
      trigger = (sqlite.prepare("select sql from sqlite_master where type = 'trigger' and name = 'articles_search_ai'").get() as { sql: string } | undefined)?.sql ?? null;
      if (trigger) sqlite.exec('drop trigger articles_search_ai');
      if (rebuildIndexes) {
        const list = INDEXED_TABLES.filter((t) => t !== 'articles').map((t) => `'${t}'`).join(', ');
        const indexes = sqlite
          .prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name in (${list}) and sql is not null and sql not like 'CREATE UNIQUE%'`)
          .all() as { name: string; sql: string }[];
        for (const index of indexes) {
          sqlite.exec(`drop index "${index.name}"`);
          dropped.push(index);
        }
      }
    },
    async articles(rows) {
      for (const row of rows) {
        const { lastInsertRowid } = insertArticle.run(...row.values);
        const search: SideRow = [Number(lastInsertRowid), row.search.headline, row.search.subheadline, row.search.summary, row.search.body];
        if (side) sideRows.push(search);
        else insertSearch.run(...search);
      }
      if (side && sideRows.length >= ROWS_PER_MESSAGE) {
        const full = sideRows;
        sideRows = [];
        await side.add(full);
      }
    },
    async rows(table, rows) {
      const s = statement(table);
      for (const row of rows) s.run(...row);
    },
    async settled() {},
    async finish() {
      if (side) {
        if (sideRows.length > 0) await side.add(sideRows);
        sideRows = [];
        await side.copyInto(sqlite);
        side = null;
      } else ftsHashsize(FTS_DEFAULT_HASHSIZE);
      for (const index of dropped) sqlite.exec(index.sql);
      if (trigger) sqlite.exec(trigger);
      sqlite.pragma(`cache_size = ${cacheSize}`);
    },
    abandon() {
      side?.abandon();
      // (Everything else was inside the transaction and went with it.)
      if (sqlite.open) sqlite.pragma(`cache_size = ${cacheSize}`);
    },
    async reserveSyncSeqs() {
      // One write transaction at a time: nothing else allocates until this one commits.
      return (sqlite.prepare('select coalesce(max(seq), 0) + 1 as seq from article_sync').get() as { seq: number }).seq;
    },
  };
}
