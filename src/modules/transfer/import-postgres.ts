// PostgreSQL's side of an import (bulk.ts): COPY (pg-copy-streams) on the import
// transaction's own connection. Articles go through a temporary table so that PostgreSQL
// makes each search vector from the folded words with the very SQL the article repository
// uses (search-postgres.ts), rather than a second, hand-made tsvector writer in JS.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../../db/database.ts';
import { SEARCH_VECTOR_SQL, searchWords } from '../articles/search-postgres.ts';
import { ARTICLE_COLUMNS, BULK_TABLES, type BulkWriter, type ColumnType, INDEXED_TABLES } from './bulk.ts';

const SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value in COPY's text format. */
function field(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '\\N';
  const text = type === 'time' ? new Date(value as number).toISOString() : String(value);
  return SPECIAL.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : text;
}

async function copy(client: pg.PoolClient, table: string, columns: readonly (readonly [string, ColumnType])[], rows: unknown[][]): Promise<void> {
  if (rows.length === 0) return;
  const types = columns.map(([, t]) => t);
  const lines: string[] = [];
  for (const row of rows) lines.push(row.map((v, i) => field(v, types[i]!)).join('\t'));
  const stream = client.query(copyFrom(`copy ${table} (${columns.map(([c]) => c).join(', ')}) from stdin`));
  await pipeline(Readable.from([`${lines.join('\n')}\n`]), stream);
}

const STAGED = [...ARTICLE_COLUMNS, ['ord', 'int'], ['words_a', 'text'], ['words_b', 'text'], ['words_c', 'text']] as const;
const PG_TYPES: Record<ColumnType, string> = { text: 'text', int: 'integer', real: 'double precision', time: 'timestamptz', json: 'json' };

export function postgresBulkWriter(db: Database): BulkWriter {
  const client = db.connection() as pg.PoolClient;
  const dropped: { name: string; def: string }[] = [];
  let ord = 0;
  const columns = ARTICLE_COLUMNS.map(([c]) => c).join(', ');

  return {
    async begin({ rebuildIndexes }) {
      await client.query("set local maintenance_work_mem = '1GB'");
      await client.query(`create temp table import_articles (${STAGED.map(([c, t]) => `${c} ${PG_TYPES[t]}`).join(', ')}) on commit drop`);
      if (rebuildIndexes) {
        // Secondary indexes only (those backing no constraint): the search GIN index, the
        // lists' orderings. Dropping takes the tables' exclusive lock until commit, which is
        // why it is done only when the database holds no article yet.
        const { rows } = await client.query<{ name: string; def: string }>(
          `select indexname as name, indexdef as def from pg_indexes
           where schemaname = current_schema() and tablename = any($1) and indexname not in (select conname from pg_constraint)`,
          [INDEXED_TABLES],
        );
        for (const index of rows) {
          await client.query(`drop index "${index.name}"`);
          dropped.push(index);
        }
      }
    },
    async articles(rows) {
      const staged = rows.map((r) => {
        const w = searchWords({ headline: r.search.headline, subheadline: r.search.subheadline, summary: r.search.summary, bodyText: r.search.body });
        return [...r.values, ord++, w.a, w.b, w.c];
      });
      await copy(client, 'import_articles', STAGED, staged);
      await client.query(`insert into articles (${columns}, search)
        select ${columns}, ${SEARCH_VECTOR_SQL('words_a', 'words_b', 'words_c')} from import_articles order by ord`);
      await client.query('truncate import_articles');
    },
    async rows(table, rows) {
      await copy(client, table, BULK_TABLES[table], rows);
    },
    async finish() {
      for (const index of dropped) await client.query(index.def);
      // Statistics for the planner now, not whenever autovacuum gets to the new rows.
      if (dropped.length > 0) await client.query(`analyze ${INDEXED_TABLES.join(', ')}`);
    },
    async reserveSyncSeqs(count) {
      // The lock every allocation of article_sync seqs takes (dialects/postgres.ts nextSyncSeq).
      await client.query('select pg_advisory_xact_lock(7250314001)');
      const first = Number((await client.query<{ seq: string }>("select nextval('article_sync_seq') as seq")).rows[0]!.seq);
      if (count > 1) await client.query("select setval('article_sync_seq', $1)", [first + count - 1]);
      return first;
    },
  };
}
