// SQLite's side of an import (bulk.ts): prepared statements on the writer connection, inside
// the import's transaction. The search index (contentless FTS5) is written from JS with the
// text bodyText() makes, the same text the insert trigger extracts with json_tree, only
// faster; the trigger is dropped for the import and put back as the migration made it, in the
// same transaction (a reader never sees it missing: readers see committed schema only).
import type Database from 'better-sqlite3';
import type { Database as Db } from '../../db/database.ts';
import { ARTICLE_COLUMNS, BULK_TABLES, type BulkTable, type BulkWriter, INDEXED_TABLES } from './bulk.ts';

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export function sqliteBulkWriter(db: Db): BulkWriter {
  const sqlite = db.connection() as Database.Database;
  const dropped: { name: string; sql: string }[] = [];
  let trigger: string | null = null;
  const insertArticle = sqlite.prepare(`insert into articles (${ARTICLE_COLUMNS.map(([c]) => c).join(', ')}) values (${placeholders(ARTICLE_COLUMNS.length)})`);
  const insertSearch = sqlite.prepare('insert into articles_search (rowid, headline, subheadline, summary, body) values (?, ?, ?, ?, ?)');
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
      // More pages in memory for this connection's index inserts (the server's are untouched).
      sqlite.pragma('cache_size = -262144');
      // FTS5 keeps up to `hashsize` bytes of new index entries in memory before writing a
      // segment (1 MB by default): 256 MB means fewer, larger segments and less merging.
      sqlite.exec("insert into articles_search (articles_search, rank) values ('hashsize', 268435456)");
      trigger = (sqlite.prepare("select sql from sqlite_master where type = 'trigger' and name = 'articles_search_ai'").get() as { sql: string } | undefined)?.sql ?? null;
      if (trigger) sqlite.exec('drop trigger articles_search_ai');
      if (rebuildIndexes) {
        const list = INDEXED_TABLES.map((t) => `'${t}'`).join(', ');
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
        insertSearch.run(lastInsertRowid, row.search.headline, row.search.subheadline, row.search.summary, row.search.body);
      }
    },
    async rows(table, rows) {
      const s = statement(table);
      for (const row of rows) s.run(...row);
    },
    async settled() {},
    async finish() {
      sqlite.exec("insert into articles_search (articles_search, rank) values ('hashsize', 1048576)");
      for (const index of dropped) sqlite.exec(index.sql);
      if (trigger) sqlite.exec(trigger);
      sqlite.pragma('cache_size = -2000');
    },
    async reserveSyncSeqs() {
      // One write transaction at a time: nothing else allocates until this one commits.
      return (sqlite.prepare('select coalesce(max(seq), 0) + 1 as seq from article_sync').get() as { seq: number }).seq;
    },
  };
}
