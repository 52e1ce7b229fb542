// PostgreSQL's side of an import (bulk.ts): COPY (pg-copy-streams) on the import
// transaction's own connection. Each article's search vector is sent as text, made in JS by
// searchVectorText (search-postgres.ts): to_tsvector on every body was most of PostgreSQL's
// time in an import (1.3 ms an article). An article whose words that function does not vouch
// for is given its vector by PostgreSQL, with the repository's own SQL, after the COPY.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from '../../db/database.ts';
import { SYNC_SEQ_LOCK } from '../../db/dialects/postgres.ts';
import { SEARCH_VECTOR_SQL, searchVectorText, searchWords } from '../articles/search-postgres.ts';
import { ARTICLE_COLUMNS, BULK_TABLES, type BulkWriter, type ColumnType, INDEXED_TABLES, turn } from './bulk.ts';

const SPECIAL = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const escaped = (text: string) => (SPECIAL.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : text);

/** A value (never null) in COPY's text format, by column type: only text can hold a character COPY escapes. */
const textField = (value: unknown) => escaped(typeof value === 'string' ? value : String(value));
const FIELD: Record<ColumnType, (value: unknown) => string> = {
  text: textField,
  json: textField,
  int: (value) => String(value),
  real: (value) => String(value),
  time: (value) => new Date(value as number).toISOString(),
};

/** The rows as COPY's input text (made at once, so that it is ready when its turn comes). */
function encode(columns: readonly (readonly [string, ColumnType])[], rows: unknown[][]): string {
  const fields = columns.map(([, t]) => FIELD[t]);
  const lines = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let line = '';
    for (let i = 0; i < fields.length; i++) {
      const value = row[i];
      if (i > 0) line += '\t';
      line += value === null || value === undefined ? '\\N' : fields[i]!(value);
    }
    lines[r] = line;
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

async function copy(client: pg.PoolClient, table: string, columns: readonly (readonly [string, ColumnType])[], text: string): Promise<void> {
  if (text === '') return;
  const stream = client.query(copyFrom(`copy ${table} (${columns.map(([c]) => c).join(', ')}) from stdin`));
  await pipeline(Readable.from([text]), stream);
}

/** COPYs queued at most when a batch of articles comes (a batch makes about a dozen). */
const MAX_WAITING = 24;

/** Articles whose vectors and COPY text are made between two turns of the event loop. */
const CHUNK = 50;

const WITH_SEARCH = [...ARTICLE_COLUMNS, ['search', 'text']] as const;

export function postgresBulkWriter(db: Database): BulkWriter {
  const client = db.connection() as pg.PoolClient;
  const dropped: { name: string; def: string }[] = [];
  // COPYs run one after another on the connection while the next batch is being prepared in
  // JS (the two processes then work at once); `settled` waits for the last of them.
  let queue: Promise<void> = Promise.resolve();
  /** The queued COPYs not done yet, oldest first (they end in order: one connection). */
  const waiting: Promise<void>[] = [];
  const enqueue = (work: () => Promise<void>) => {
    const next = queue.then(work);
    queue = next;
    // Surfaced by the next await of `queue` (settled), never as an unhandled rejection.
    const done = next.catch(() => {});
    waiting.push(done);
    void done.then(() => waiting.shift());
  };
  const settled = () => queue;

  return {
    async begin({ rebuildIndexes }) {
      await client.query("set local maintenance_work_mem = '1GB'");
      // lz4 compresses the bodies' TOAST several times faster than the default pglz.
      const { rows: lz4 } = await client.query("select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)");
      if (lz4.length > 0) await client.query("set local default_toast_compression = 'lz4'");
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
      // Backpressure: while the next batch is prepared the event loop turns only now and then
      // (between chunks of the file), and each COPY waits for its turn to be acknowledged, so
      // the queue could fall ever further behind and hold every batch's text in memory (4 GB
      // after minutes, at 1 M). At most about two batches' COPYs wait behind the one being sent.
      while (waiting.length > MAX_WAITING) await waiting[0];
      const left: { id: unknown; a: string; b: string; c: string }[] = [];
      let text = '';
      for (let from = 0; from < rows.length; from += CHUNK) {
        // The loop turns between chunks, so that the COPYs queued before go on meanwhile.
        if (from > 0) await turn();
        const values = rows.slice(from, from + CHUNK).map((r) => {
          const w = searchWords({ headline: r.search.headline, subheadline: r.search.subheadline, summary: r.search.summary, bodyText: r.search.body });
          const vector = searchVectorText(w);
          if (vector === null) left.push({ id: r.values[0], ...w });
          // '' (an empty vector) until PostgreSQL makes the real one below: the column is NOT NULL.
          return [...r.values, vector ?? ''];
        });
        text += encode(WITH_SEARCH, values);
      }
      enqueue(async () => {
        await copy(client, 'articles', WITH_SEARCH, text);
        for (const w of left) await client.query(`update articles set search = ${SEARCH_VECTOR_SQL('$2', '$3', '$4')} where id = $1`, [w.id, w.a, w.b, w.c]);
      });
    },
    async rows(table, rows) {
      const text = encode(BULK_TABLES[table], rows);
      enqueue(() => copy(client, table, BULK_TABLES[table], text));
    },
    settled,
    async finish() {
      await settled();
      for (const index of dropped) await client.query(index.def);
      // Statistics for the planner now, not whenever autovacuum gets to the new rows.
      if (dropped.length > 0) await client.query(`analyze ${INDEXED_TABLES.join(', ')}`);
    },
    abandon() {
      // Nothing: its settings were `set local`, gone with the transaction.
    },
    async reserveSyncSeqs(count) {
      await settled();
      // The lock every allocation of article_sync seqs takes (dialects/postgres.ts nextSyncSeq).
      await client.query('select pg_advisory_xact_lock($1)', [SYNC_SEQ_LOCK]);
      const first = Number((await client.query<{ seq: string }>("select nextval('article_sync_seq') as seq")).rows[0]!.seq);
      if (count > 1) await client.query("select setval('article_sync_seq', $1)", [first + count - 1]);
      return first;
    },
  };
}
