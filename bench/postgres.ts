// The bench's PostgreSQL databases: each one new (`cms_bench_<pid>_<name>`), made on the server
// of CMS_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) and dropped when the
// run ends, whether it succeeds, fails or is interrupted.
import type pg from 'pg';
import { databaseUrl, withClient } from '../scripts/pg-admin.ts';

export const PG_ADMIN_URL = process.env.CMS_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const admin = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(PG_ADMIN_URL, fn);

const live = new Set<string>();

/** Creates an empty database and returns its URL. */
export async function createBenchDatabase(name: string): Promise<string> {
  const database = `cms_bench_${process.pid}_${name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await admin(async (c) => {
    await c.query(`drop database if exists ${database} with (force)`);
    await c.query(`create database ${database}`);
  });
  live.add(database);
  return databaseUrl(PG_ADMIN_URL, database);
}

export async function dropBenchDatabase(url: string): Promise<void> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  await admin((c) => c.query(`drop database if exists ${database} with (force)`));
  live.delete(database);
}

/** Drops every database this process made and has not dropped yet. */
export async function dropAllBenchDatabases(): Promise<void> {
  if (live.size === 0) return;
  await admin(async (c) => {
    for (const database of [...live]) {
      await c.query(`drop database if exists ${database} with (force)`);
      live.delete(database);
    }
  });
}

/** The database's size on disk (bytes). */
export async function databaseBytes(url: string): Promise<number> {
  const { rows } = await withClient(url, (c) => c.query<{ n: string }>('select pg_database_size(current_database()) as n'));
  return Number(rows[0]!.n);
}
