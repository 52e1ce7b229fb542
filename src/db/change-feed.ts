// Learning of changes committed by other processes (other instances, the CLI), so that each
// instance's response cache evicts what they made stale.
//
// The truth is the `changes` table (written in each write's transaction). It is read:
// - on SQLite, before each cache lookup: a prepared `max(seq)` on the reader connection costs
//   a few microseconds, and a cache then never serves anything older than the last commit;
// - on PostgreSQL, when a `NOTIFY` arrives on a dedicated listening connection, and every
//   `pollMs` as a backstop (a lost connection, a missed notification);
// - with Redis (`CMS_REDIS_URL`), each commit's keys are also published on a channel that
//   every instance subscribes to, so they arrive without a database round trip.
// Sequence numbers may commit out of order on PostgreSQL, so rows are read from a floor that
// trails the newest by `settleMs` and a row is applied once (remembered by its seq).
import { lt } from 'drizzle-orm';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { Database } from './database.ts';
import type { SqliteDatabase } from './dialects/sqlite.ts';
import type { PostgresDatabase } from './dialects/postgres.ts';
import { CHANGES_CHANNEL } from './dialects/postgres.ts';

export type ChangeListener = (keys: string[]) => void;

export interface ChangeFeed {
  /** Applies changes committed elsewhere since the last check (synchronous on SQLite; a no-op elsewhere). */
  checkNow(): void;
  subscribe(listener: ChangeListener): () => void;
  /** Deletes change rows older than `ms` (every instance does it every 10 minutes). */
  prune(ms?: number): Promise<number>;
  close(): Promise<void>;
}

interface Row {
  seq: number;
  keys: string;
  createdAt: number;
}

const REDIS_CHANNEL = 'newsroom-cms:changes';
/** How long change rows are kept: far longer than any instance can lag behind them. */
const KEEP_MS = 60 * 60 * 1000;

export async function createChangeFeed(db: Database, opts: { redisUrl?: string; pollMs?: number; settleMs?: number; now?: () => number; log?: (msg: string, err?: unknown) => void } = {}): Promise<ChangeFeed> {
  const listeners = new Set<ChangeListener>();
  const now = opts.now ?? Date.now;
  const settleMs = opts.settleMs ?? 10_000;
  const log = opts.log ?? (() => {});
  const emit = (keys: string[]) => {
    for (const l of listeners) l(keys);
  };
  let floor = 0;
  const seen = new Map<number, number>(); // seq → createdAt
  // This process's own commits reach its listeners at once (db.onCommit): the feed skips them.
  const own = new Set<number>();
  const offOwn = db.onCommit((_keys, seq) => {
    own.add(seq);
    if (db.engine === 'postgres') seen.set(seq, now());
    // Bounded: a process that writes but never reads through the cache leaves them unread.
    else if (own.size > 10_000) own.delete(own.values().next().value!);
  });

  function take(rows: Row[]) {
    for (const row of rows) {
      if (seen.has(row.seq)) continue;
      seen.set(row.seq, row.createdAt);
      emit(row.keys.split(' '));
    }
    // Rows older than settleMs can no longer be overtaken by a slower commit.
    const settled = now() - settleMs;
    for (const [seq, at] of seen) {
      if (at < settled) {
        if (seq > floor) floor = seq;
        seen.delete(seq);
        own.delete(seq);
      }
    }
  }

  const closers: (() => Promise<void>)[] = [async () => offOwn()];
  let checkNow = () => {};

  if (db.engine === 'sqlite') {
    const { reader } = db as SqliteDatabase;
    const latest = reader.prepare('select coalesce(max(seq), 0) from changes').pluck();
    const since = reader.prepare('select seq, keys, created_at as createdAt from changes where seq > ? order by seq');
    let last = latest.get() as number;
    floor = last;
    checkNow = () => {
      if (!reader.open) return;
      const top = latest.get() as number;
      if (top === last) return;
      last = top;
      // SQLite commits one writer at a time, in seq order: no floor to trail.
      const rows = since.all(floor) as Row[];
      for (const row of rows) if (!own.delete(row.seq)) emit(row.keys.split(' '));
      floor = top;
    };
  } else {
    const { pool, url } = db as PostgresDatabase;
    const top = await pool.query<{ s: number }>('select coalesce(max(seq), 0)::int as s from changes');
    floor = top.rows[0]!.s;
    let polling = false;
    const poll = async () => {
      if (polling) return;
      polling = true;
      try {
        const { rows } = await pool.query<{ seq: number; keys: string; t: string }>(
          'select seq, keys, (extract(epoch from created_at) * 1000)::float8 as t from changes where seq > $1 order by seq',
          [floor],
        );
        take(rows.map((r) => ({ seq: r.seq, keys: r.keys, createdAt: Number(r.t) })));
      } catch (error) {
        log('change feed: poll failed', error);
      } finally {
        polling = false;
      }
    };
    const timer = setInterval(() => void poll(), opts.pollMs ?? 500);
    timer.unref();
    closers.push(async () => clearInterval(timer));

    // A dedicated connection LISTENs; it is re-made when lost (the poll covers the gap).
    let listener: pg.Client | null = null;
    let closed = false;
    const listen = async () => {
      if (closed) return;
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true });
      client.on('notification', () => void poll());
      client.on('error', () => {
        listener = null;
        void client.end().catch(() => {});
        if (!closed) setTimeout(() => void listen(), 1_000).unref();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANGES_CHANNEL}`);
        listener = client;
        void poll();
      } catch {
        void client.end().catch(() => {});
        if (!closed) setTimeout(() => void listen(), 1_000).unref();
      }
    };
    await listen();
    closers.push(async () => {
      closed = true;
      await listener?.end().catch(() => {});
    });
  }

  if (opts.redisUrl) {
    const publisher = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const subscriber = new Redis(opts.redisUrl, { lazyConnect: true });
    publisher.on('error', (e) => log('redis publisher', e));
    subscriber.on('error', (e) => log('redis subscriber', e));
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(REDIS_CHANNEL);
    // Messages are `<instance> <key> <key>…`; an instance ignores its own.
    const instance = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
    subscriber.on('message', (_channel, message: string) => {
      const [from, ...keys] = message.split(' ');
      if (from !== instance && keys.length > 0) emit(keys);
    });
    const off = db.onCommit((keys) => void publisher.publish(REDIS_CHANNEL, `${instance} ${keys.join(' ')}`).catch(() => {}));
    closers.push(async () => {
      off();
      subscriber.disconnect();
      publisher.disconnect();
    });
  }

  const prune = (ms = KEEP_MS) =>
    db.transaction(async () => {
      const { changes } = db.tables;
      return (await db.q.delete(changes).where(lt(changes.createdAt, now() - ms)).returning({ seq: changes.seq })).length;
    });
  const pruning = setInterval(() => void prune().catch((e) => log('change feed: prune failed', e)), 10 * 60 * 1000);
  pruning.unref();
  closers.push(async () => clearInterval(pruning));

  return {
    checkNow: () => checkNow(),
    prune,
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      for (const c of closers) await c();
    },
  };
}
