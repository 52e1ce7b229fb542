// The one place that decides the engine (`CMS_DB`): a `postgres://` or `postgresql://` URL is
// PostgreSQL, anything else a SQLite file. Both are served through one async interface:
//
// - `db.q` is the Drizzle handle of the current context: the open transaction's inside
//   `db.transaction()`, else the shared one. Repositories use only the part of Drizzle's
//   builder API the two dialects share (select/insert/update/delete, `.returning()`, awaited),
//   typed as SQLite's; what differs lives in `db.dialect` (dialects/sqlite.ts, postgres.ts).
// - `db.transaction(fn)` runs `fn` as one transaction; a nested call joins the open one.
//   Every write goes through it ("every write one transaction").
import type { SQL } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** The Drizzle handle repositories build queries on (PostgreSQL's is cast to this shape). */
export type Q = BaseSQLiteDatabase<'sync' | 'async', unknown, Schema>;
export type Engine = 'sqlite' | 'postgres';

export interface Dialect {
  engine: Engine;
  /** A time (ms since the epoch) as a bound parameter in raw SQL. */
  time(ms: number): unknown;
  /** A time column read through raw SQL back to ms since the epoch. */
  readTime(value: unknown): number;
  /**
   * A column in a condition that must not steer the choice of index (SQLite: `+col`, which
   * keeps its planner on the index of the range column; PostgreSQL's planner needs no hint).
   */
  notForIndex(column: string): string;
  /** A `json` column read as its stored text (PostgreSQL's driver would parse it). */
  jsonText(column: string): string;
  /**
   * Appended to a `select … from webhook_jobs j` that picks jobs to claim: PostgreSQL locks the
   * rows it picks and skips rows another instance is claiming (`for update of j skip locked`);
   * SQLite needs nothing (one write transaction at a time).
   */
  claimRows: string;
  /**
   * The next article_sync seq, allocated so that seq N+1 never commits while N is in flight:
   * PostgreSQL takes a transaction-level advisory lock (held until commit) and draws from the
   * sequence `article_sync_seq` (not from max(seq): under SERIALIZABLE, a snapshot taken
   * before the lock would read a stale maximum and fail with a serialization error);
   * SQLite runs one write transaction at a time and takes max(seq) + 1.
   */
  nextSyncSeq(q: Q): Promise<number>;
  /** Rows of a raw query. */
  all<T>(q: Q, query: SQL): Promise<T[]>;
  /** True for errors that mean "the database is unreachable right now" (answered 503). */
  isUnavailable(error: unknown): boolean;
  /** True for a write that kept conflicting with concurrent ones after its retries (answered 503). */
  isSerializationFailure(error: unknown): boolean;
  /** The field named by a unique-constraint violation, or null when the error is not one. */
  uniqueViolation(error: unknown): string | null;
}

export interface Database {
  engine: Engine;
  /** Where it is, for messages: a file path, or `host:port/database` (never a password). */
  label: string;
  readonly q: Q;
  tables: Schema;
  dialect: Dialect;
  transaction<T>(fn: () => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /**
   * The driver's own connection of the open transaction (better-sqlite3's Database on SQLite,
   * node-postgres's client on PostgreSQL), for bulk statements (COPY) in the transfer
   * module's dialect files; throws outside a transaction.
   */
  connection(): unknown;
  /**
   * Runs `fn` on one consistent, read-only snapshot of the database (an export sees one
   * moment however long it reads).
   */
  snapshot<T>(fn: () => Promise<T>): Promise<T>;
  /** True inside `transaction()`. */
  inTransaction(): boolean;
  /**
   * Notes cache keys the open transaction changes. They are stored in `changes` with the
   * transaction (so every instance and process learns of them) and, once it commits, handed
   * to this process's `onCommit` listeners at once.
   */
  changed(keys: Iterable<string>): void;
  /**
   * Runs `hook` inside every write transaction that changed keys, just before its change row
   * is written (derived data kept in step in the same transaction: article documents).
   */
  beforeCommit(hook: (keys: ReadonlySet<string>) => Promise<void>): () => void;
  /** Listens to the keys (and the `changes` row) of each transaction this process commits. */
  onCommit(listener: (keys: string[], seq: number) => void): () => void;
  /** Checks that the database answers (health). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs independent queries at once outside a transaction (several pool connections), and one
 * after another inside one (a transaction has a single connection, which takes one query at a time).
 */
export async function concurrently<T extends readonly (() => Promise<unknown>)[]>(db: Database, tasks: T): Promise<{ -readonly [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  if (!db.inTransaction()) return Promise.all(tasks.map((task) => task())) as never;
  const out: unknown[] = [];
  for (const task of tasks) out.push(await task());
  return out as never;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export interface TransactionOptions {
  /**
   * A long bulk write (an import): on PostgreSQL READ COMMITTED and never retried (it checks
   * what it depends on itself, and a retry would redo minutes of work), instead of
   * SERIALIZABLE with retries. SQLite's single writer is the same either way.
   */
  bulk?: boolean;
}

export interface OpenOptions {
  /** PostgreSQL pool size (`CMS_DB_POOL`). */
  pool?: number;
}

export async function openDatabase(url: string, opts: OpenOptions = {}): Promise<Database> {
  if (isPostgresUrl(url)) {
    const { openPostgres } = await import('./dialects/postgres.ts');
    return openPostgres(url, opts.pool ?? 10);
  }
  const { openSqlite } = await import('./dialects/sqlite.ts');
  return openSqlite(url);
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.close();
}

/** What a transaction carries besides its Drizzle handle: the cache keys it changed. */
export interface TxContext {
  q: Q;
  keys: Set<string>;
  /** The driver's connection (Database.connection()). */
  connection?: unknown;
}

/**
 * The parts of the transaction protocol both engines share: the change row written inside
 * the transaction, and the listeners told after the commit.
 */
export function changeTracking(now: () => number = Date.now) {
  const listeners = new Set<(keys: string[], seq: number) => void>();
  const hooks = new Set<(keys: ReadonlySet<string>) => Promise<void>>();
  return {
    changed(ctx: TxContext | undefined, keys: Iterable<string>) {
      if (!ctx) throw new Error('db.changed() outside a transaction');
      for (const k of keys) ctx.keys.add(k);
    },
    /** Runs the before-commit hooks, then writes the change row (call just before COMMIT, in the transaction's context). */
    async flush(ctx: TxContext, tables: Schema): Promise<{ keys: string[]; seq: number }> {
      if (ctx.keys.size === 0) return { keys: [], seq: 0 };
      for (const hook of hooks) await hook(ctx.keys);
      const keys = [...ctx.keys].sort();
      const [row] = await ctx.q.insert(tables.changes).values({ keys: keys.join(' '), createdAt: now() }).returning({ seq: tables.changes.seq });
      return { keys, seq: row!.seq };
    },
    committed({ keys, seq }: { keys: string[]; seq: number }) {
      if (keys.length === 0) return;
      for (const l of listeners) {
        try {
          l(keys, seq);
        } catch {
          // A listener's failure (a closing cache) must not fail a committed write.
        }
      }
    },
    beforeCommit(hook: (keys: ReadonlySet<string>) => Promise<void>) {
      hooks.add(hook);
      return () => void hooks.delete(hook);
    },
    onCommit(listener: (keys: string[], seq: number) => void) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
