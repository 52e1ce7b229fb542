// PostgreSQL: a node-postgres pool under Drizzle, and what only PostgreSQL speaks.
//
// Write transactions run SERIALIZABLE and are retried (a few times, with jitter) when
// PostgreSQL reports a serialization failure or deadlock: concurrent writers on any number of
// instances then behave as if they ran one after the other, as SQLite's single writer does,
// without a hand-placed lock for every read-check-write (If-Match, slug checks, section moves).
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from '../schema-postgres.ts';
import { parsePgTime } from '../schema-postgres.ts';
import { sql as rawSql } from 'drizzle-orm';
import { changeTracking, type Database, type Dialect, type Q, type Schema, type TransactionOptions, type TxContext } from '../database.ts';

/** The channel on which every commit that changed something public is announced. */
export const CHANGES_CHANNEL = 'cms_changes';

const RETRYABLE = new Set(['40001', '40P01']);
// Connection-level failures: refused, reset, shut down by an administrator, starting up.
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);
const UNAVAILABLE_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i;

/** The transaction-level advisory lock every allocation of article_sync seqs takes. */
export const SYNC_SEQ_LOCK = 7250314001;

export const postgresDialect: Dialect = {
  engine: 'postgres',
  time: (ms) => new Date(ms).toISOString(),
  readTime: (value) => (typeof value === 'string' ? parsePgTime(value) : (value as number)),
  notForIndex: (column) => column,
  jsonText: (column) => `${column}::text`,
  claimRows: 'for update of j skip locked',
  // The key is arbitrary but fixed: every instance allocating article_sync seqs takes it.
  async nextSyncSeq(q) {
    await postgresDialect.all(q, rawSql`select pg_advisory_xact_lock(${SYNC_SEQ_LOCK})`);
    const [row] = await postgresDialect.all<{ seq: string }>(q, rawSql`select nextval('article_sync_seq') as seq`);
    return Number(row!.seq);
  },
  async all<T>(q: Q, query: SQL): Promise<T[]> {
    const result = await (q as unknown as { execute: (s: SQL) => Promise<{ rows: T[] }> }).execute(query);
    return result.rows;
  },
  isSerializationFailure(error) {
    const e = error as { code?: string; cause?: { code?: string } } | undefined;
    return RETRYABLE.has(e?.code ?? e?.cause?.code ?? '');
  },
  isUnavailable(error) {
    for (let e = error as { code?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
      if (e.code && UNAVAILABLE_CODES.has(e.code)) return true;
      if (e.message && UNAVAILABLE_MESSAGES.test(e.message)) return true;
    }
    return false;
  },
  uniqueViolation(error) {
    for (let e = error as { code?: string; detail?: string; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
      // detail: "Key (slug)=(x) already exists."; a composite key names its last column.
      if (e.code === '23505') return /Key \((?:[^)]*, )?"?(\w+)"?\)=/.exec(e.detail ?? '')?.[1] ?? 'id';
    }
    return null;
  },
};

/** `host:port/database` of a URL, for messages (never the password). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname || (u.searchParams.get('host') ?? 'localhost');
    return `${host}:${u.port || '5432'}/${decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default)'}`;
  } catch {
    return '(unparsable URL)';
  }
}

export class DatabaseUnreachableError extends Error {}

export interface PostgresDatabase extends Database {
  pool: pg.Pool;
  url: string;
}

export async function openPostgres(url: string, poolSize: number): Promise<PostgresDatabase> {
  const label = describeUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // A request waits at most this long for a connection (a database that is down answers 503
    // in time instead of hanging), and a dead server is noticed on every new connect.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'newsroom-cms',
  });
  // An idle client losing its server (a restart) emits here; the pool drops it and makes a
  // new one on demand. Without a listener the process would crash.
  pool.on('error', () => {});
  // A client checked out (inside a transaction, between two queries) whose server goes away
  // emits 'error' with no pool listener on it: swallowed here, the awaiting query fails with
  // the same error (→ 503) and the pool discards the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    const reason = (error as Error).message || (error as { code?: string }).code || String(error);
    throw new DatabaseUnreachableError(`Cannot connect to PostgreSQL at ${label}: ${reason}`);
  }
  const base = drizzle(pool, { schema }) as unknown as Q;
  const context = new AsyncLocalStorage<TxContext>();
  const changes = changeTracking();
  const tables = schema as unknown as Schema;
  type Tx = { transaction: <T>(fn: (tx: unknown) => Promise<T>, config?: { isolationLevel: 'serializable' }) => Promise<T> };

  return {
    engine: 'postgres',
    label,
    url,
    pool,
    tables,
    dialect: postgresDialect,
    get q() {
      return context.getStore()?.q ?? base;
    },
    inTransaction: () => context.getStore() !== undefined,
    connection() {
      const ctx = context.getStore();
      if (!ctx) throw new Error('db.connection() outside a transaction');
      return ctx.connection;
    },
    async snapshot<T>(fn: () => Promise<T>): Promise<T> {
      if (context.getStore()) return fn();
      const client = await pool.connect();
      try {
        await client.query('begin isolation level repeatable read read only');
        const q = drizzle(client, { schema }) as unknown as Q;
        const result = await context.run({ q, keys: new Set(), connection: client }, fn);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    changed: (keys) => changes.changed(context.getStore(), keys),
    beforeCommit: (hook) => changes.beforeCommit(hook),
    onCommit: (listener) => changes.onCommit(listener),
    async transaction<T>(fn: () => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
      if (context.getStore()) return fn();
      for (let attempt = 1; ; attempt++) {
        try {
          const { result, change } = await (base as unknown as Tx).transaction(async (tx) => {
            if (opts.bulk) await (tx as { execute: (s: SQL) => Promise<unknown> }).execute(rawSql`set transaction isolation level read committed`);
            const connection = (tx as unknown as { session: { client: pg.PoolClient } }).session.client;
            const ctx: TxContext = { q: tx as Q, keys: new Set(), connection };
            const result = await context.run(ctx, fn);
            const change = await context.run(ctx, () => changes.flush(ctx, tables));
            // Delivered to every listening instance when (and only if) the transaction commits.
            if (change.keys.length > 0) await postgresDialect.all(ctx.q, rawSql`select pg_notify(${CHANGES_CHANNEL}, '')`);
            return { result, change };
          }, opts.bulk ? undefined : { isolationLevel: 'serializable' });
          changes.committed(change);
          return result;
        } catch (error) {
          const code = (error as { code?: string }).code ?? ((error as { cause?: { code?: string } }).cause?.code);
          // Serialization failures are retried with exponential backoff and jitter (capped at
          // 250 ms): ten writers on one article all get through; past 20 attempts the request
          // is answered 503 with Retry-After (isSerializationFailure), never 500.
          if (!code || !RETRYABLE.has(code) || attempt >= 20 || opts.bulk) throw error;
          await sleep(Math.random() * Math.min(250, 2 ** attempt));
        }
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}
