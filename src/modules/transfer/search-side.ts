// SQLite's search index built beside an import, on the other core (import-sqlite.ts uses it
// when the database holds no article yet). FTS5 was most of a large import's time on the one
// thread that writes the database (bench/analysis.md): here a worker thread
// (search-side-worker.cjs) fills the same FTS5 table in a scratch file while the import's
// connection writes the rows, and at the end the index's tables are copied into the database,
// inside the import's transaction, as plain rows — far less work than indexing the text.
//
// FTS5 keeps each table's structure record in memory per connection and re-reads it only when
// another connection has committed. So the copy first drops and re-creates the table (in the
// same transaction: readers never see it missing), which gives the importing connection a new
// FTS5 object with nothing cached, then writes the scratch file's rows into its `_data`, `_idx`
// and `_docsize` tables. `_config` is the new table's own (the scratch file's holds the import's
// hash size, which is not to be kept).
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** What the worker (search-side-worker.cjs) is given, and the messages it exchanges. */
export interface SideWorkerData {
  file: string;
  /** The CREATE VIRTUAL TABLE statement of the index, as the migrations made it. */
  createSql: string;
  hashsize: number;
}
export type SideRow = [rowid: number, headline: string, subheadline: string | null, summary: string | null, body: string];
type ToWorker = { type: 'rows'; rows: SideRow[] } | { type: 'end' };
type FromWorker = { type: 'ack' } | { type: 'done' } | { type: 'error'; message: string };

/** Messages of rows not yet acknowledged at most (each about ROWS_PER_MESSAGE articles). */
const MAX_IN_FLIGHT = 4;
export const ROWS_PER_MESSAGE = 500;
const SHADOW_TABLES = ['data', 'idx', 'docsize'];

export interface SideSearchIndex {
  /** Sends rows to the worker; waits while it is MAX_IN_FLIGHT messages behind. */
  add(rows: SideRow[]): Promise<void>;
  /** Waits for the worker to commit, copies its index into `articles_search` on `sqlite`, deletes the file. */
  copyInto(sqlite: Database.Database): Promise<void>;
  /** Stops the worker and deletes the file (the import failed or was interrupted). */
  abandon(): void;
}

export function startSideSearchIndex(data: SideWorkerData): SideSearchIndex {
  const worker = new Worker(new URL('./search-side-worker.cjs', import.meta.url), { workerData: data });
  let failure: Error | null = null;
  let inFlight = 0;
  let wake: (() => void) | null = null;
  let finished: (() => void) | null = null;
  let committed = false;
  const fail = (error: Error) => {
    failure ??= error;
    wake?.();
    finished?.();
  };
  worker.on('message', (message: FromWorker) => {
    if (message.type === 'ack') {
      inFlight--;
      wake?.();
    } else if (message.type === 'done') {
      committed = true;
      finished?.();
    } else fail(new Error(`building the search index: ${message.message}`));
  });
  worker.on('error', fail);
  worker.on('exit', () => {
    if (!committed) fail(new Error('building the search index: its worker stopped'));
  });
  const post = (message: ToWorker) => worker.postMessage(message);
  const removeFile = () => fs.rmSync(data.file, { force: true });

  return {
    async add(rows) {
      while (inFlight >= MAX_IN_FLIGHT && !failure) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure;
      inFlight++;
      post({ type: 'rows', rows });
    },
    async copyInto(sqlite) {
      if (!failure) {
        const done = new Promise<void>((resolve) => (finished = resolve));
        post({ type: 'end' });
        await done;
      }
      if (failure) {
        removeFile();
        throw failure;
      }
      try {
        const createSql = (sqlite.prepare("select sql from sqlite_master where name = 'articles_search'").pluck().get() as string) ?? data.createSql;
        sqlite.exec('drop table articles_search');
        sqlite.exec(createSql);
        const side = new Database(data.file, { readonly: true });
        // better-sqlite3 opens connections in SQLite's defensive mode, where a virtual table's
        // own tables are read-only to SQL: lifted for these inserts only.
        sqlite.unsafeMode(true);
        try {
          for (const suffix of SHADOW_TABLES) {
            const table = `articles_search_${suffix}`;
            const columns = (side.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
            if (columns.length === 0) continue;
            sqlite.exec(`delete from ${table}`);
            const insert = sqlite.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`);
            for (const row of side.prepare(`select ${columns.join(', ')} from ${table}`).raw().iterate()) insert.run(...(row as unknown[]));
          }
        } finally {
          sqlite.unsafeMode(false);
          side.close();
        }
      } finally {
        removeFile();
      }
    },
    abandon() {
      failure ??= new Error('abandoned');
      removeFile();
      // The worker may still be starting and make the file after this: removed again once it has stopped.
      void worker.terminate().then(removeFile, removeFile);
    },
  };
}
