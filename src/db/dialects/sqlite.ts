// SQLite: better-sqlite3 with its pragmas, and what only SQLite speaks.
//
// better-sqlite3 is synchronous and its transactions take a synchronous callback, while our
// repositories are async. So a SQLite database is two connections to one WAL file:
// - a writer, used only inside `transaction()`, which an async mutex gives to one transaction
//   at a time (`BEGIN IMMEDIATE` … `COMMIT`): no other request's statement can slip into an
//   open transaction while it awaits;
// - a reader for everything else, which (WAL) sees only committed data, never a transaction
//   half done.
import fs from 'node:fs';
import path from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Mutex } from 'async-mutex';
import Database from 'better-sqlite3';
import { sql as rawSql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import * as schema from '../schema.ts';
import { changeTracking, type Database as Db, type Dialect, type Q, type TxContext } from '../database.ts';

/**
 * Statements prepared once per connection: `prepare` is wrapped to return the statement made
 * for the same SQL text before (Drizzle's builder and raw queries both go through it), as
 * better-sqlite3's prepare costs more than running a small indexed query. A reused reader is
 * put back in object mode (Drizzle switches a statement to raw mode when it maps columns).
 */
function preparedOnce(sqlite: Database.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const statements = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      // The shapes a repository builds are few; a bound keeps a misuse from growing forever.
      if (statements.size >= 2000) statements.clear();
      statement = prepare(source);
      statements.set(source, statement);
    } else if (statement.reader) statement.raw(false);
    return statement;
  }) as typeof sqlite.prepare;
}

function connect(file: string): Database.Database {
  const sqlite = new Database(file);
  preparedOnce(sqlite);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a write acknowledged to a client survives a power cut, not only a process crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

export const sqliteDialect: Dialect = {
  engine: 'sqlite',
  time: (ms) => ms,
  readTime: (value) => value as number,
  notForIndex: (column) => `+${column}`,
  jsonText: (column) => column,
  claimRows: '',
  // One write transaction at a time: no serialization failures.
  isSerializationFailure: () => false,
  async nextSyncSeq(q) {
    const [row] = await sqliteDialect.all<{ seq: number }>(q, rawSql`select coalesce(max(seq), 0) + 1 as seq from article_sync`);
    return Number(row!.seq);
  },
  // Raw queries are compiled by Drizzle and run on the connection's statement, prepared once
  // (preparedOnce above).
  async all<T>(q: Q, query: SQL): Promise<T[]> {
    const { session, dialect } = q as unknown as { session: { client: Database.Database }; dialect: { sqlToQuery(s: SQL): { sql: string; params: unknown[] } } };
    const { sql: text, params } = dialect.sqlToQuery(query);
    const statement = session.client.prepare(text);
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  },
  // Another process holds the write lock past busy_timeout (a `cms import` writing a large
  // archive in one transaction): the write is answered 503 with Retry-After, not 500.
  isUnavailable: (error) => {
    const code = (error as { code?: string } | undefined)?.code ?? (error as { cause?: { code?: string } } | undefined)?.cause?.code;
    return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_TIMEOUT' || code === 'SQLITE_LOCKED';
  },
  uniqueViolation(error) {
    const e = error as { code?: string; message?: string };
    if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e?.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
    // "UNIQUE constraint failed: articles.slug"
    return /failed: \w+\.(\w+)/.exec(e.message ?? '')?.[1] ?? 'id';
  },
};

export interface SqliteDatabase extends Db {
  /** The writer connection (backups, pragmas in tests). */
  writer: Database.Database;
  reader: Database.Database;
}

export function openSqlite(file: string): SqliteDatabase {
  const memory = file === ':memory:';
  if (!memory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const writer = connect(file);
  // An in-memory database is private to its connection: one connection serves both roles.
  const reader = memory ? writer : connect(file);
  const writeDb = drizzle(writer, { schema }) as unknown as Q;
  const readDb = memory ? writeDb : (drizzle(reader, { schema }) as unknown as Q);
  const context = new AsyncLocalStorage<TxContext>();
  const mutex = new Mutex();
  const changes = changeTracking();

  return {
    engine: 'sqlite',
    label: file,
    writer,
    reader,
    tables: schema,
    dialect: sqliteDialect,
    get q() {
      return context.getStore()?.q ?? readDb;
    },
    inTransaction: () => context.getStore() !== undefined,
    connection() {
      const ctx = context.getStore();
      if (!ctx) throw new Error('db.connection() outside a transaction');
      return ctx.connection;
    },
    async snapshot<T>(fn: () => Promise<T>): Promise<T> {
      // A read transaction on the reader: in WAL mode it sees one commit however long it reads.
      if (memory) return fn();
      reader.exec('BEGIN');
      try {
        reader.prepare('select 1 from sqlite_master limit 1').get();
        return await context.run({ q: readDb, keys: new Set(), connection: reader }, fn);
      } finally {
        reader.exec('COMMIT');
      }
    },
    changed: (keys) => changes.changed(context.getStore(), keys),
    beforeCommit: (hook) => changes.beforeCommit(hook),
    onCommit: (listener) => changes.onCommit(listener),
    async transaction<T>(fn: () => Promise<T>): Promise<T> {
      if (context.getStore()) return fn();
      const { result, change } = await mutex.runExclusive(async () => {
        writer.exec('BEGIN IMMEDIATE');
        try {
          const ctx: TxContext = { q: writeDb, keys: new Set(), connection: writer };
          const result = await context.run(ctx, fn);
          const change = await context.run(ctx, () => changes.flush(ctx, schema));
          writer.exec('COMMIT');
          return { result, change };
        } catch (error) {
          if (writer.inTransaction) writer.exec('ROLLBACK');
          throw error;
        }
      });
      changes.committed(change);
      return result;
    },
    async ping() {
      reader.prepare('select 1').get();
    },
    async close() {
      await mutex.waitForUnlock();
      if (reader !== writer && reader.open) reader.close();
      if (writer.open) writer.close();
    },
  };
}
