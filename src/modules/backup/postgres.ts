// PostgreSQL's side of backup and restore: `pg_dump --format=custom` (one consistent snapshot,
// taken when it starts, while the server keeps writing) and `pg_restore` in one transaction.
// Both run as child processes against CMS_DB; its password, if any, goes to them in
// PGPASSWORD rather than on a command line other users can read.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import { describeUrl, type PostgresDatabase } from '../../db/dialects/postgres.ts';
import { BackupError, CONTENT_TABLES, notEmptyError } from './content.ts';
import { describeMigrations, type Manifest } from './manifest.ts';

/** CMS_DB as libpq takes it: the URL without its password, and the password apart. */
function libpq(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  try {
    const u = new URL(url);
    const password = decodeURIComponent(u.password);
    u.password = '';
    return { dbname: u.toString(), env: password ? { PGPASSWORD: password } : {} };
  } catch {
    return { dbname: url, env: {} };
  }
}

/** Runs a PostgreSQL client tool; its last line of stderr is the message when it fails. */
function runTool(name: 'pg_dump' | 'pg_restore', args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(name, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new BackupError(`${name} was not found on PATH: backup and restore of a PostgreSQL database need the PostgreSQL client tools (pg_dump, pg_restore), of the server's version or newer`) : error);
    });
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const last = stderr.trim().split('\n').filter(Boolean).pop()?.trim();
      reject(new BackupError(`${name} failed: ${last ?? `exit ${code ?? signal}`}`));
    });
  });
}

async function readMigrations(query: (text: string) => Promise<{ rows: Record<string, unknown>[] }>): Promise<Manifest['migrations']> {
  const { rows } = await query("select to_regclass('drizzle.__drizzle_migrations') is not null as present");
  if (!rows[0]!.present) return describeMigrations('postgres', { count: 0, lastCreatedAt: null });
  const result = await query('select count(*)::int as count, max(created_at)::text as last from drizzle.__drizzle_migrations');
  const row = result.rows[0] as { count: number; last: string | null };
  return describeMigrations('postgres', { count: row.count, lastCreatedAt: row.last === null ? null : Number(row.last) });
}

/**
 * Dumps the database into `target` with pg_dump (custom format), telling `onBytes` how much
 * it has written as it goes; returns the migrations applied.
 */
export async function dumpPostgres(db: PostgresDatabase, target: string, onBytes: (written: number) => void): Promise<Manifest['migrations']> {
  const migrations = await readMigrations((text) => db.pool.query(text));
  const { dbname, env } = libpq(db.url);
  const poll = setInterval(() => {
    fs.promises.stat(target).then((s) => onBytes(s.size), () => {});
  }, 200);
  try {
    await runTool('pg_dump', ['--format=custom', `--file=${target}`, `--dbname=${dbname}`], env);
  } finally {
    clearInterval(poll);
  }
  onBytes(fs.statSync(target).size);
  return migrations;
}

/** A connection to CMS_DB for the restore's checks; a one-line error when there is none. */
export async function connectPostgres(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, application_name: 'newsroom-cms restore' });
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw new BackupError(`restore: cannot connect to PostgreSQL at ${describeUrl(url)}: ${(error as Error).message || String(error)}`);
  }
}

/** The content tables of the database that have rows (none: new or empty). */
export async function postgresFilledTables(client: pg.Client): Promise<string[]> {
  const filled: string[] = [];
  for (const table of CONTENT_TABLES) {
    const { rows } = await client.query<{ present: boolean }>('select to_regclass($1) is not null as present', [`public.${table}`]);
    if (rows[0]!.present && ((await client.query(`select 1 from public."${table}" limit 1`)).rowCount ?? 0) > 0) filled.push(table);
  }
  return filled;
}

// Every object of the CMS's schema (public, and drizzle's migration journal): a migrated but
// empty database holds them, and pg_restore would fail on the first one it creates again. The
// schema itself stays (with its owner and grants); extensions' own objects are left alone.
const DROP_SCHEMA_OBJECTS = `
do $$
declare r record;
begin
  for r in
    select format('drop %s if exists public.%I cascade',
      case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence'
        when 'f' then 'foreign table' when 'c' then 'type' else 'table' end, c.relname) as stmt
    from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f', 'c')
      -- not an extension's, nor owned by a table (serial and identity sequences go with it)
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('e', 'a', 'i'))
    union all
    select format('drop routine if exists %s cascade', p.oid::regprocedure)
    from pg_proc p
    where p.pronamespace = 'public'::regnamespace
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    union all
    select format('drop type if exists public.%I cascade', t.typname)
    from pg_type t
    where t.typnamespace = 'public'::regnamespace and t.typtype in ('e', 'd', 'r')
      and not exists (select 1 from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
  loop
    execute r.stmt;
  end loop;
end $$;
drop schema if exists drizzle cascade;`;

/**
 * Empties the schema of a database that has no content, in one transaction that first locks
 * the content tables: a write that slipped in since the first check is found (and refused)
 * rather than dropped.
 */
export async function clearPostgres(client: pg.Client, label: string): Promise<void> {
  await client.query('begin');
  try {
    await client.query("set local lock_timeout = '10s'");
    const present = [];
    for (const table of CONTENT_TABLES) {
      const { rows } = await client.query<{ present: boolean }>('select to_regclass($1) is not null as present', [`public.${table}`]);
      if (rows[0]!.present) present.push(`public."${table}"`);
    }
    if (present.length > 0) await client.query(`lock table ${present.join(', ')} in access exclusive mode`);
    const filled = await postgresFilledTables(client);
    if (filled.length > 0) throw notEmptyError(label, filled);
    await client.query(DROP_SCHEMA_OBJECTS);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

/** Fails with the one-line message unless pg_restore can be run (checked before anything changes). */
export async function requirePgRestore(): Promise<void> {
  await runTool('pg_restore', ['--version'], {});
}

/** pg_restore of the dump into CMS_DB, all of it or nothing (one transaction). */
export async function restorePostgres(dumpFile: string, url: string): Promise<void> {
  const { dbname, env } = libpq(url);
  try {
    await runTool('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${dbname}`, dumpFile], env);
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    // The database had no content; its empty schema was dropped before pg_restore ran.
    throw new BackupError(`restore: ${error.message} (nothing was restored; the database holds no tables now: \`cms migrate\` makes them again)`);
  }
}
