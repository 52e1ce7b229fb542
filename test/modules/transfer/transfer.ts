// Shared by the transfer tests (cms export / cms import): the CLI run as an operator runs it
// (a child process, exit code and both streams kept), and what "the database is unchanged"
// means: every table's rows and every file under the media folder, compared before and after.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { getTableName, is, Table } from 'drizzle-orm';
import type { Database } from '../../../src/db/database.ts';
import type { PostgresDatabase } from '../../../src/db/dialects/postgres.ts';
import type { SqliteDatabase } from '../../../src/db/dialects/sqlite.ts';
import { childEnv, ROOT } from '../../process.ts';

export interface CmsRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Where a CLI run points: the database (`CMS_DB`) and the media folder (`CMS_MEDIA_DIR`). */
export interface Target {
  db: string;
  media: string;
}

export const targetOf = (b: { config: { CMS_DB: string; CMS_MEDIA_DIR: string } }): Target => ({ db: b.config.CMS_DB, media: b.config.CMS_MEDIA_DIR });

/** `node --import tsx src/cli.ts …` (what `npm run -s cms -- …` runs), started: the child, and its outcome. */
export function startCms(target: Target, args: string[]): { child: ChildProcess; result: Promise<CmsRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: childEnv({ CMS_DB: target.db, CMS_MEDIA_DIR: target.media }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const result = new Promise<CmsRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, result };
}

/** A CLI command run to its end; never throws on a failing exit. */
export function cms(target: Target, args: string[]): Promise<CmsRun> {
  return startCms(target, args).result;
}

/** Runs a CLI command that must succeed; a failure throws with what it printed. */
export async function cmsOk(target: Target, args: string[]): Promise<CmsRun> {
  const run = await cms(target, args);
  if (run.code !== 0) throw new Error(`cms ${args.join(' ')} exited with ${run.code ?? run.signal}:\n${run.stderr}${run.stdout}`);
  return run;
}

export const CONTENT = 'content.ndjson';

export function readLines(dir: string): string[] {
  return fs.readFileSync(path.join(dir, CONTENT), 'utf8').split('\n').filter((l) => l !== '');
}

export function writeLines(dir: string, lines: string[]): void {
  fs.writeFileSync(path.join(dir, CONTENT), `${lines.join('\n')}\n`);
}

/** Copies an export directory (content.ndjson and media/), to edit the copy. */
export function copyExport(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** Every file under `dir` with its size, as sorted `relative/path size` lines (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)} ${fs.statSync(p).size}`);
    }
  };
  walk(dir);
  return out.sort();
}

const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

/** Every table the schema declares, each as its rows (JSON, sorted): equal dumps mean equal contents. */
export async function dumpTables(db: Database): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const value of Object.values(db.tables)) {
    if (!is(value, Table)) continue;
    const rows = await db.q.select().from(value as typeof db.tables.sections);
    out[getTableName(value)] = rows.map((r) => JSON.stringify(r, bigints)).sort();
  }
  return out;
}

/** Row counts of `dumpTables`, for readable messages. */
export function countsOf(dump: Record<string, string[]>): Record<string, number> {
  return Object.fromEntries(Object.entries(dump).map(([k, v]) => [k, v.length]));
}

/**
 * The database's indexes and triggers with their definitions, PostgreSQL's constraints, and
 * the FTS5 settings an import changes while it runs (as they take effect: a setting never set
 * reads as its default): an import into an empty database drops indexes (and, on PostgreSQL,
 * foreign keys) and makes them again inside its transaction, so a rollback and a commit must
 * both leave them as they were.
 */
export async function schemaObjects(db: Database): Promise<string[]> {
  if (db.engine === 'sqlite') {
    const sqlite = (db as SqliteDatabase).reader;
    const objects = sqlite.prepare("select type || ' ' || name || coalesce(': ' || sql, '') from sqlite_master where type in ('index', 'trigger') order by 1").pluck().all() as string[];
    const setting = (k: string, fallback: number) => `fts5 ${k} = ${(sqlite.prepare('select v from articles_search_config where k = ?').pluck().get(k) as number | undefined) ?? fallback}`;
    return [...objects, setting('hashsize', 1_048_576)];
  }
  const { rows } = await (db as PostgresDatabase).pool.query<{ name: string }>(
    `select 'index ' || indexname || ': ' || indexdef as name from pg_indexes where schemaname = current_schema()
     union all
     select 'constraint ' || conrelid::regclass || '.' || conname || ': ' || pg_get_constraintdef(oid) from pg_constraint where connamespace = current_schema()::regnamespace
     order by 1`,
  );
  return rows.map((r) => r.name);
}

/** The `import.completed` events stored (the webhook outbox), oldest first. */
export async function importEvents(db: Database): Promise<{ id: string; body: any }[]> {
  const { webhookEvents } = db.tables;
  const rows = await db.q.select().from(webhookEvents);
  return rows.filter((r) => r.type === 'import.completed').sort((a, b) => Number(a.seq) - Number(b.seq)).map((r) => ({ id: r.id, body: JSON.parse(r.body) }));
}

/** Polls `check` until it holds or `ms` pass (0: checked once); the time it took, or -1. */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start >= ms) return -1;
    await new Promise((r) => setTimeout(r, 25));
  }
}
